import { SEVERITIES, type Severity } from './findings.js';
import type { PostureReport, RegionalFinding } from './report.js';

const COLORS: Record<Severity, string> = {
  critical: '#b00020',
  high: '#d9480f',
  medium: '#b08800',
  low: '#1c7ed6',
  info: '#5c6670',
};

const escapeHtml = (text: string): string => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

const DAY_MS = 86_400_000;

/**
 * The posture report as one self-contained HTML page (inline CSS and SVG, no script, no external
 * asset): a summary per severity, the findings grouped by severity, and a chart of what expires
 * next (CRLs, server and client certificates), days from the report's time.
 */
export function renderHtml(report: PostureReport): string {
  const now = new Date(report.generatedAt);
  const title = `cachegate posture — ${report.regions.join(', ')}`;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>
  body { font: 15px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; margin: 2rem auto; max-width: 1100px; padding: 0 1rem; color: #1b1f24; }
  h1 { font-size: 1.6rem; margin-bottom: 0.2rem; }
  .meta { color: #5c6670; margin-top: 0; }
  .summary { display: flex; gap: 0.75rem; flex-wrap: wrap; margin: 1.5rem 0; }
  .card { border-radius: 8px; padding: 0.75rem 1.1rem; min-width: 7rem; color: #fff; }
  .card .count { font-size: 2rem; font-weight: 700; display: block; }
  .card.total { background: #1b1f24; }
  .clean { background: #e6f4ea; border: 1px solid #2b8a3e; color: #1e5e2c; padding: 1rem; border-radius: 8px; }
  section h2 { font-size: 1.2rem; border-bottom: 3px solid; padding-bottom: 0.2rem; margin-top: 2rem; }
  table { width: 100%; border-collapse: collapse; margin-top: 0.5rem; }
  th, td { text-align: left; vertical-align: top; padding: 0.45rem 0.5rem; border-bottom: 1px solid #e1e4e8; }
  th { font-size: 0.8rem; text-transform: uppercase; color: #5c6670; }
  td.resource { font-family: ui-monospace, "SFMono-Regular", Menlo, monospace; font-size: 0.85rem; word-break: break-all; }
  code { font-family: ui-monospace, "SFMono-Regular", Menlo, monospace; font-size: 0.82rem; background: #f3f4f6; padding: 0.1rem 0.25rem; border-radius: 4px; word-break: break-all; }
  figure { margin: 1rem 0 0; }
  figcaption { color: #5c6670; font-size: 0.85rem; }
</style>
</head>
<body>
<h1>${escapeHtml(title)}</h1>
<p class="meta">Generated ${escapeHtml(report.generatedAt)} · ${report.summary.total} finding${report.summary.total === 1 ? '' : 's'}</p>
${summaryCards(report)}
${expiryChart(report.findings, now, report.policy.serverCertificateWarningDays)}
${report.findings.length === 0 ? '<p class="clean" id="no-findings">No findings: nothing is open and nothing expires within the warning periods.</p>' : SEVERITIES.map((s) => severitySection(s, report.findings)).join('\n')}
</body>
</html>
`;
}

function summaryCards(report: PostureReport): string {
  const cards = SEVERITIES.map(
    (s) =>
      `<div class="card" data-severity="${s}" style="background:${COLORS[s]}"><span class="count">${report.summary[s]}</span>${s}</div>`,
  );
  return `<div class="summary" id="summary" aria-label="findings per severity">
<div class="card total"><span class="count">${report.summary.total}</span>total</div>
${cards.join('\n')}
</div>`;
}

function severitySection(severity: Severity, findings: RegionalFinding[]): string {
  const mine = findings.filter((f) => f.severity === severity);
  if (mine.length === 0) return '';
  const regions = new Set(findings.map((f) => f.region)).size > 1;
  const rows = mine
    .map(
      (f) => `<tr data-kind="${f.kind}">
<td class="resource">${escapeHtml(f.resource)}${regions ? `<br><small>${escapeHtml(f.region)}</small>` : ''}</td>
<td><strong>${escapeHtml(f.kind)}</strong><br>${escapeHtml(f.evidence)}</td>
<td><code>${escapeHtml(f.fix)}</code></td>
</tr>`,
    )
    .join('\n');
  return `<section id="severity-${severity}">
<h2 style="border-color:${COLORS[severity]}">${severity[0]?.toUpperCase()}${severity.slice(1)} (${mine.length})</h2>
<table>
<thead><tr><th>Resource</th><th>Finding</th><th>Fix</th></tr></thead>
<tbody>
${rows}
</tbody>
</table>
</section>`;
}

const WHAT_EXPIRES: Partial<Record<RegionalFinding['kind'], string>> = {
  'crl-expiring': 'CRL',
  'server-certificate-expiring': 'server certificate',
  'client-certificate-expiring': 'client certificate',
};

/** `CRL · cvpn-endpoint-0abc…`: what expires and where, short enough for the label column. */
function chartLabel(finding: RegionalFinding): string {
  const name = finding.resource.slice(finding.resource.indexOf('/') + 1);
  const what = WHAT_EXPIRES[finding.kind] ?? finding.kind;
  const label = `${what} · ${name}`;
  return label.length > 44 ? `${label.slice(0, 43)}…` : label;
}

/** Horizontal bars, one per dated finding, length = days left (an expired one gets a stub). */
function expiryChart(findings: RegionalFinding[], now: Date, horizonDays: number): string {
  const dated = findings
    .filter((f) => f.expiresAt !== undefined)
    .map((f) => ({ finding: f, days: (new Date(f.expiresAt as string).getTime() - now.getTime()) / DAY_MS }))
    .sort((a, b) => a.days - b.days);
  if (dated.length === 0) return '';
  const maxDays = Math.max(horizonDays, ...dated.map((d) => Math.ceil(d.days)));
  const labelWidth = 330;
  const barArea = 520;
  const rowHeight = 28;
  const height = dated.length * rowHeight + 30;
  const width = labelWidth + barArea + 110;
  const bars = dated
    .map(({ finding, days }, i) => {
      const y = i * rowHeight + 6;
      const length = Math.max(4, (Math.max(days, 0) / maxDays) * barArea);
      const label = days <= 0 ? 'expired' : `${Math.floor(days)} d`;
      return `<g data-kind="${finding.kind}">
<text x="${labelWidth - 8}" y="${y + 15}" text-anchor="end" font-size="12">${escapeHtml(chartLabel(finding))}</text>
<rect x="${labelWidth}" y="${y}" width="${length.toFixed(1)}" height="20" rx="3" fill="${COLORS[finding.severity]}"><title>${escapeHtml(`${finding.resource}: ${finding.evidence}`)}</title></rect>
<text x="${(labelWidth + length + 6).toFixed(1)}" y="${y + 15}" font-size="12" font-weight="600">${label}</text>
</g>`;
    })
    .join('\n');
  const axisY = dated.length * rowHeight + 14;
  return `<figure id="expiry-chart">
<svg role="img" aria-label="days until each upcoming expiry" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="system-ui, sans-serif">
${bars}
<line x1="${labelWidth}" y1="${axisY - 6}" x2="${labelWidth + barArea}" y2="${axisY - 6}" stroke="#adb5bd"/>
<text x="${labelWidth}" y="${axisY + 8}" font-size="11" fill="#5c6670">today</text>
<text x="${labelWidth + barArea}" y="${axisY + 8}" font-size="11" fill="#5c6670" text-anchor="end">${maxDays} days</text>
</svg>
<figcaption>Upcoming expiries: CRLs, server and client certificates, days from the report's time.</figcaption>
</figure>`;
}
