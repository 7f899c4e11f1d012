import { setCrlAuthority } from '../../functions/aws/crl-authority.js';
import { LocalStateMachine, type LocalExecution } from '../../local/runner/local-state-machine.js';
import { createSandbox, type Sandbox } from '../../local/sandbox/index.js';
import type { CloudWatchModel } from '../../local/sandbox/models/cloudwatch.js';
import type { Ec2ClientVpnModel } from '../../local/sandbox/models/ec2-client-vpn/index.js';
import type { EventBridgeModel } from '../../local/sandbox/models/eventbridge.js';
import { createTables } from '../../local/sandbox/tables.js';
import { MemoryCrlAuthority } from '../../local/sandbox/memory-crl-authority.js';

export const IMPORT = 'ImportClientVpnClientCertificateRevocationList';
const SETTINGS = [
  'CLIENT_VPN_ENDPOINT_IDS',
  'CRL_DAYS',
  'CRL_REFRESH_MARGIN_DAYS',
  'CRL_HARD_MARGIN_DAYS',
  'CRL_MAINTENANCE_WINDOW',
];

export interface CrlWorkflowWorld {
  sandbox: Sandbox;
  model: Ec2ClientVpnModel;
  authority: MemoryCrlAuthority;
  endpoints: string[];
  run(name: 'revoke-certificate' | 'refresh-crl', input: unknown): Promise<LocalExecution>;
  metrics(): CloudWatchModel['metrics'];
  audit(): EventBridgeModel['events'];
  close(): Promise<void>;
}

/**
 * A sandbox with `endpointCount` available Client VPN endpoints trusting one in-memory CA, the
 * CRL store table, and the workflow settings in the environment (as the CDK construct sets them).
 */
export async function createCrlWorld(options: {
  speed: number;
  endpointCount: number;
}): Promise<CrlWorkflowWorld> {
  const sandbox = await createSandbox({ speed: options.speed });
  await createTables();
  const model = sandbox.model<Ec2ClientVpnModel>('EC2');
  const authority = await MemoryCrlAuthority.create('Ops VPN CA', sandbox.clock.now());
  setCrlAuthority(async () => authority);
  const endpoints = Array.from({ length: options.endpointCount }, (_, i) =>
    model.seedEndpoint({ caCertPem: authority.caPem, description: `endpoint ${i + 1}` }),
  );
  for (const key of SETTINGS) delete process.env[key];
  process.env.CLIENT_VPN_ENDPOINT_IDS = endpoints.join(',');
  const machines = new Map<string, LocalStateMachine>();
  return {
    sandbox,
    model,
    authority,
    endpoints,
    run: (name, input) => {
      let machine = machines.get(name);
      if (!machine) {
        machine = LocalStateMachine.load(name, { sandbox });
        machines.set(name, machine);
      }
      return machine.run(input);
    },
    metrics: () => sandbox.model<CloudWatchModel>('CloudWatch').metrics,
    audit: () => sandbox.model<EventBridgeModel>('EventBridge').events,
    close: async () => {
      setCrlAuthority(undefined);
      for (const key of SETTINGS) delete process.env[key];
      await sandbox.close();
    },
  };
}

/** The failed step's error message (the Lambda error's `errorMessage` inside the cause). */
export function causeOf(run: LocalExecution): string {
  try {
    return (JSON.parse(run.cause ?? '') as { errorMessage: string }).errorMessage;
  } catch {
    return run.cause ?? '';
  }
}

export const daysMs = (days: number) => days * 86_400_000;
