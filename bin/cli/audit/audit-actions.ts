import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CachegateError, ValidationError } from '../../../functions/core/errors.js';
import { auditPosture } from '../../../functions/core/posture/audit.js';
import {
  DEFAULT_POSTURE_POLICY,
  SEVERITIES,
  type PosturePolicy,
  type Severity,
} from '../../../functions/core/posture/findings.js';
import { parseIpv4Cidr } from '../../../functions/core/vpn/client-cidr.js';
import {
  buildReport,
  failsOn,
  mergeReports,
  renderTable,
  type PostureReport,
} from '../../../functions/core/posture/report.js';
import type { PostureSnapshot } from '../../../functions/core/posture/snapshot.js';
import { quietLambdaOutput } from '../../../local/lambda-output.js';
import { repoRoot } from '../../../workflows/repo-root.js';

export interface AuditOptions {
  aws?: boolean;
  region?: string[];
  json?: boolean;
  html?: boolean;
  out?: string;
  failOn?: string;
  cacheCidr?: string[];
  caSecretArn?: string;
  certificatesTable?: string;
  crlTable?: string;
  rotationDays?: string;
  crlDays?: string;
  serverCertDays?: string;
  clientCertDays?: string;
  sandbox?: string;
}

/** Exit code when a finding is at or above --fail-on (0 and 1-2 keep their usual meaning). */
export const FAIL_ON_EXIT_CODE = 3;

export async function audit(options: AuditOptions): Promise<void> {
  const failOn = parseSeverity(options.failOn);
  const policy = parsePolicy(options);
  if (options.json && options.html) throw new ValidationError('choose one of --json and --html', '--html');
  const regions = options.region ?? [];
  if (!options.aws && (regions.length > 0 || options.cacheCidr || options.caSecretArn)) {
    throw new ValidationError(
      'is for --aws; the local sandbox has one region and its own CA',
      regions.length > 0 ? '--region' : options.cacheCidr ? '--cache-cidr' : '--ca-secret-arn',
    );
  }
  if (options.aws && options.sandbox)
    throw new ValidationError('is for the local sandbox, not --aws', '--sandbox');
  for (const cidr of options.cacheCidr ?? []) parseIpv4Cidr(cidr, '--cache-cidr');
  const report =
    options.aws && regions.length > 1
      ? mergeReports(await Promise.all(regions.map((region) => auditRegionInChild(region))), new Date())
      : options.aws
        ? await auditAws(options, policy)
        : await auditSandbox(options.sandbox ?? 'seeded', policy);
  const { renderHtml } = options.html
    ? await import('../../../functions/core/posture/report-html.js')
    : { renderHtml: undefined };
  const text = options.json
    ? `${JSON.stringify(report, null, 2)}\n`
    : renderHtml
      ? renderHtml(report)
      : renderTable(report);
  if (options.out) {
    writeFileSync(options.out, text);
    process.stderr.write(`report written to ${options.out}: ${report.summary.total} finding(s)\n`);
  } else {
    process.stdout.write(text);
  }
  if (failOn && failsOn(report, failOn)) process.exitCode = FAIL_ON_EXIT_CODE;
}

function parseSeverity(value: string | undefined): Severity | undefined {
  if (value === undefined) return undefined;
  if (!(SEVERITIES as readonly string[]).includes(value)) {
    throw new ValidationError(`must be one of ${SEVERITIES.join(', ')}`, '--fail-on');
  }
  return value as Severity;
}

function parsePolicy(options: AuditOptions): PosturePolicy {
  const days = (value: string | undefined, flag: string, fallback: number): number => {
    if (value === undefined) return fallback;
    const n = Number(value);
    if (!Number.isInteger(n) || n < 1 || n > 3650) {
      throw new ValidationError('must be a whole number of days, 1-3650', flag);
    }
    return n;
  };
  return {
    ...DEFAULT_POSTURE_POLICY,
    rotationPeriodDays: days(
      options.rotationDays,
      '--rotation-days',
      DEFAULT_POSTURE_POLICY.rotationPeriodDays,
    ),
    crlWarningDays: days(options.crlDays, '--crl-days', DEFAULT_POSTURE_POLICY.crlWarningDays),
    serverCertificateWarningDays: days(
      options.serverCertDays,
      '--server-cert-days',
      DEFAULT_POSTURE_POLICY.serverCertificateWarningDays,
    ),
    clientCertificateWarningDays: days(
      options.clientCertDays,
      '--client-cert-days',
      DEFAULT_POSTURE_POLICY.clientCertificateWarningDays,
    ),
  };
}

function report(snapshot: PostureSnapshot, policy: PosturePolicy, now: Date): PostureReport {
  return buildReport(
    [{ region: snapshot.region, findings: auditPosture(snapshot, policy, now) }],
    policy,
    now,
  );
}

/** The local sandbox account of local/sandbox/posture-seed.ts, audited through the AWS adapters. */
async function auditSandbox(account: string, policy: PosturePolicy): Promise<PostureReport> {
  if (account !== 'seeded' && account !== 'clean') {
    throw new ValidationError('must be seeded or clean', '--sandbox');
  }
  quietLambdaOutput();
  const [
    { createSandbox },
    { seedPostureAccount, POSTURE_CACHE_SUBNET },
    { gatherPostureSnapshot },
    { setCrlAuthority },
  ] = await Promise.all([
    import('../../../local/sandbox/index.js'),
    import('../../../local/sandbox/posture-seed.js'),
    import('../../../functions/aws/posture-snapshot.js'),
    import('../../../functions/aws/crl-authority.js'),
  ]);
  const sandbox = await createSandbox({ speed: 0 });
  try {
    process.stderr.write(`local sandbox (${account} account; nothing is kept): auditing\n`);
    await seedPostureAccount(sandbox, { problems: account === 'seeded' });
    const snapshot = await gatherPostureSnapshot({
      region: sandbox.region,
      cacheSubnetCidrs: [POSTURE_CACHE_SUBNET],
      withCa: true,
    });
    return report(snapshot, policy, sandbox.clock.now());
  } finally {
    setCrlAuthority(undefined);
    await sandbox.close();
  }
}

/** One region with the credentials in the environment. */
async function auditAws(options: AuditOptions, policy: PosturePolicy): Promise<PostureReport> {
  const region = options.region?.[0] ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION;
  if (!region) throw new ValidationError('no region: pass --region or set AWS_REGION', '--region');
  // The adapters read their region, CA and tables from the environment, as in the Lambdas.
  process.env.AWS_REGION = region;
  if (options.caSecretArn) process.env.CA_CERT_SECRET_ARN = options.caSecretArn;
  if (options.certificatesTable) process.env.CERTIFICATES_TABLE = options.certificatesTable;
  if (options.crlTable) process.env.CRL_STORE_TABLE = options.crlTable;
  const { gatherPostureSnapshot } = await import('../../../functions/aws/posture-snapshot.js');
  const snapshot = await gatherPostureSnapshot({
    region,
    cacheSubnetCidrs: options.cacheCidr ?? [],
    withCa: process.env.CA_CERT_SECRET_ARN !== undefined,
  });
  return report(snapshot, policy, new Date());
}

/**
 * Each region in its own `cachegate audit --aws --region <r> --json` process: the adapters'
 * SDK clients are created once per process with one region, as in a Lambda.
 */
function auditRegionInChild(region: string): Promise<PostureReport> {
  const argv = process.argv.slice(2).filter((a, i, all) => a !== '--region' && all[i - 1] !== '--region');
  const passOn = argv.filter(
    (a, i, all) =>
      !['--json', '--html'].includes(a) &&
      a !== '--out' &&
      all[i - 1] !== '--out' &&
      a !== '--fail-on' &&
      all[i - 1] !== '--fail-on',
  );
  const launcher = join(repoRoot(), 'bin', 'cachegate');
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [launcher, ...passOn, '--region', region, '--json'], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) {
        reject(new CachegateError('AUDIT_FAILED', `audit of region ${region} failed (exit ${code})`));
        return;
      }
      resolve(JSON.parse(output) as PostureReport);
    });
  });
}
