import { atLeast, SEVERITIES, type Finding, type PosturePolicy, type Severity } from './findings.js';

/** A finding and the region it was found in. */
export type RegionalFinding = Finding & { region: string };

/**
 * The posture report, schema version 1 (events/schemas/posture-report.v1.json): what
 * `cachegate audit --json` prints and what the HTML page and the table are rendered from.
 */
export interface PostureReport {
  schemaVersion: '1';
  generatedAt: string;
  regions: string[];
  policy: PosturePolicy;
  summary: Record<Severity, number> & { total: number };
  findings: RegionalFinding[];
}

export function buildReport(
  perRegion: { region: string; findings: Finding[] }[],
  policy: PosturePolicy,
  now: Date,
): PostureReport {
  const findings = perRegion.flatMap(({ region, findings: list }) => list.map((f) => ({ ...f, region })));
  return {
    schemaVersion: '1',
    generatedAt: now.toISOString(),
    regions: perRegion.map((r) => r.region),
    policy,
    summary: summarize(findings),
    findings,
  };
}

/** Several single-region reports (one per `--region`) as one. */
export function mergeReports(reports: PostureReport[], now: Date): PostureReport {
  const findings = reports.flatMap((r) => r.findings);
  return {
    schemaVersion: '1',
    generatedAt: now.toISOString(),
    regions: reports.flatMap((r) => r.regions),
    policy: reports[0]?.policy as PosturePolicy,
    summary: summarize(findings),
    findings,
  };
}

function summarize(findings: Finding[]): PostureReport['summary'] {
  return { ...countBySeverity(findings), total: findings.length };
}

export type SeverityCounts = Record<Severity, number>;

/** How many findings of each severity, every severity present (0 included). */
export function countBySeverity(findings: Finding[]): SeverityCounts {
  const counts = Object.fromEntries(SEVERITIES.map((s) => [s, 0])) as SeverityCounts;
  for (const finding of findings) counts[finding.severity] += 1;
  return counts;
}

/** The counts of several parts of one audit (the scheduled audit's) as one. */
export function addSeverityCounts(parts: SeverityCounts[]): SeverityCounts {
  return Object.fromEntries(
    SEVERITIES.map((s) => [s, parts.reduce((sum, part) => sum + part[s], 0)]),
  ) as SeverityCounts;
}

/** True when a finding is at or above `threshold`: `cachegate audit --fail-on` then exits 3. */
export function failsOn(report: PostureReport, threshold: Severity): boolean {
  return report.findings.some((f) => atLeast(f.severity, threshold));
}

/** The terminal table: one block per finding, most severe first, then the summary line. */
export function renderTable(report: PostureReport): string {
  const lines: string[] = [];
  const regionColumn = report.regions.length > 1;
  const rows = report.findings.map((f) => [
    f.severity.toUpperCase(),
    ...(regionColumn ? [f.region] : []),
    f.resource,
    f.kind,
  ]);
  const header = ['SEVERITY', ...(regionColumn ? ['REGION'] : []), 'RESOURCE', 'FINDING'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const row = (cells: string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i] ?? 0))
      .join('  ')
      .trimEnd();
  if (report.findings.length > 0) {
    lines.push(row(header));
    report.findings.forEach((finding, i) => {
      lines.push(row(rows[i] ?? []));
      lines.push(`    ${finding.evidence}`);
      lines.push(`    fix: ${finding.fix}`);
    });
    lines.push('');
  }
  const counts = SEVERITIES.map((s) => `${report.summary[s]} ${s}`).join(', ');
  lines.push(
    `${report.summary.total} finding${report.summary.total === 1 ? '' : 's'} in ${report.regions.join(', ')} (${counts})`,
  );
  return `${lines.join('\n')}\n`;
}
