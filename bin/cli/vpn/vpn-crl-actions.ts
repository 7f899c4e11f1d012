import { setCrlAuthority } from '../../../functions/aws/crl-authority.js';
import { ValidationError } from '../../../functions/core/errors.js';
import { LocalStateMachine } from '../../../local/runner/local-state-machine.js';
import { createSandbox } from '../../../local/sandbox/index.js';
import type { Ec2ClientVpnModel } from '../../../local/sandbox/models/ec2-client-vpn/index.js';
import { createTables } from '../../../local/sandbox/tables.js';
import { easyRsaCrlAuthority } from '../pki/easyrsa-crl-authority.js';
import { EasyRsaStore } from '../pki/easyrsa-store.js';
import { applyDueRevocations } from '../pki/renewal-store.js';
import {
  checkStateMachineArn,
  outputOf,
  pollExecution,
  startDeployedWorkflow,
} from '../deployed-workflow.js';
import { quietLambdaOutput } from '../../../local/lambda-output.js';

export interface WorkflowTarget {
  /** Start the deployed workflow in AWS; without it, run locally in the embedded sandbox. */
  stateMachineArn?: string;
  /** AWS: wait for the execution to end and print its output. */
  wait?: boolean;
  /** Local: the CA store (easy-rsa pki/) and how many simulated endpoints trust its CA. */
  store?: string;
  endpoints?: string;
}

const out = (text: string) => process.stdout.write(`${text}\n`);

export async function revokeCommand(
  options: WorkflowTarget & {
    cn?: string;
    serial?: string;
    reason?: string;
    requestedBy?: string;
    requestId?: string;
  },
): Promise<void> {
  if ((options.cn === undefined) === (options.serial === undefined)) {
    throw new ValidationError('give exactly one of --cn or --serial', 'cn');
  }
  const input = {
    ...(options.cn === undefined ? {} : { commonName: options.cn }),
    ...(options.serial === undefined ? {} : { serial: options.serial }),
    ...(options.reason === undefined ? {} : { reason: options.reason }),
    requestedBy: options.requestedBy ?? process.env.USER ?? 'cachegate-cli',
    ...(options.requestId === undefined ? {} : { requestId: options.requestId }),
  };
  await startWorkflow('revoke-certificate', input, options);
}

export async function refreshCrlCommand(options: WorkflowTarget & { requestedBy?: string }): Promise<void> {
  await startWorkflow(
    'refresh-crl',
    { requestedBy: options.requestedBy ?? process.env.USER ?? 'cachegate-cli' },
    options,
  );
}

async function startWorkflow(name: string, input: object, options: WorkflowTarget): Promise<void> {
  if (options.stateMachineArn !== undefined) {
    const executionArn = await startDeployedWorkflow(
      checkStateMachineArn(options.stateMachineArn),
      input,
      process.stdout,
    );
    if (options.wait !== true) return;
    const result = await pollExecution(executionArn, { pollSeconds: 5 });
    out(JSON.stringify(outputOf(name, result) ?? {}, null, 2));
    return;
  }
  if (options.store === undefined) {
    throw new ValidationError(
      'give --state-machine-arn (AWS) or --store <pki dir> (local sandbox run)',
      'store',
    );
  }
  await runLocally(name, input, options.store, options.endpoints);
}

/**
 * A local run: the CA store is real (the revocation is recorded in index.txt as `easyrsa revoke`
 * does), the Client VPN endpoints are simulated ones that trust the store's CA.
 */
async function runLocally(name: string, input: object, storeDir: string, endpointsText = '1'): Promise<void> {
  if (!/^[1-9]\d?$/.test(endpointsText)) throw new ValidationError('must be 1-99', 'endpoints');
  const authority = await easyRsaCrlAuthority(storeDir);
  // The CRL this run builds comes from the store's index: renewals past their grace period are
  // revoked in it first, as `crl build` does.
  const store = new EasyRsaStore(storeDir);
  for (const entry of await store.withLock(() => applyDueRevocations(store, new Date()))) {
    out(`revoked CN=${entry.commonName} serial ${entry.serial} (superseded: renewed, grace period over)`);
  }
  quietLambdaOutput();
  const sandbox = await createSandbox({ speed: 2000 });
  try {
    await createTables();
    setCrlAuthority(async () => authority);
    const { toPem } = await import('../../../functions/core/pki/pem.js');
    const caPem = toPem('CERTIFICATE', (await authority.ca.certificate()).der);
    const model = sandbox.model<Ec2ClientVpnModel>('EC2');
    const endpoints = Array.from({ length: Number(endpointsText) }, () =>
      model.seedEndpoint({ caCertPem: caPem }),
    );
    process.env.CLIENT_VPN_ENDPOINT_IDS = endpoints.join(',');
    out(`sandbox: ${endpoints.length} simulated Client VPN endpoint(s) trusting the store's CA`);
    const run = await LocalStateMachine.load(name, { sandbox }).run(input);
    out(`${run.status}: ${JSON.stringify(run.output ?? { error: run.error, cause: run.cause }, null, 2)}`);
    if (run.status !== 'SUCCEEDED') process.exitCode = 1;
  } finally {
    setCrlAuthority(undefined);
    await sandbox.close();
  }
}
