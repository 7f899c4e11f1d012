import { describe, expect, it } from '@jest/globals';
import type { PostureReport } from '../../functions/core/posture/report.js';
import { postureReportValidator } from '../unit/posture/posture-schema.js';
import { runCli } from './run-cli.js';

describe('cachegate audit (local sandbox)', () => {
  it('prints the seeded account as JSON that validates against the schema, and exits 3 with --fail-on', async () => {
    const result = await runCli(['audit', '--json', '--fail-on', 'critical']);
    expect(result.stderr).toContain('local sandbox (seeded account');
    expect(result.status).toBe(3);
    const report = JSON.parse(result.stdout) as PostureReport;
    const validate = postureReportValidator();
    const valid = validate(report);
    expect(validate.errors ?? []).toEqual([]);
    expect(valid).toBe(true);
    expect(report.summary.critical).toBeGreaterThan(0);
    expect(report.summary.total).toBe(report.findings.length);
  });

  it('exits 0 on the clean account whatever --fail-on says, and says there is nothing', async () => {
    const result = await runCli(['audit', '--sandbox', 'clean', '--fail-on', 'info']);
    expect(result.status).toBe(0);
    expect(result.stdout).toBe('0 findings in us-east-1 (0 critical, 0 high, 0 medium, 0 low, 0 info)\n');
  });

  it('refuses a bad --fail-on before doing anything, naming the flag (exit 2)', async () => {
    const result = await runCli(['audit', '--fail-on', 'severe']);
    expect(result.status).toBe(2);
    expect(result.stderr).toBe('cachegate: --fail-on: must be one of critical, high, medium, low, info\n');
    expect(result.stdout).toBe('');
  });
});
