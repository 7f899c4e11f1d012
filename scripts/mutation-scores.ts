/**
 * The mutation score per folder from StrykerJS's JSON reports (reports/mutation/<part>.json),
 * counted as StrykerJS counts it: killed and timed-out mutants over every valid mutant (survivors
 * and mutants no test reaches included; ignored and non-compiling ones excluded).
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';

type Status =
  'Killed' | 'Survived' | 'NoCoverage' | 'Timeout' | 'CompileError' | 'RuntimeError' | 'Ignored' | 'Pending';

/** The part of StrykerJS's mutation-testing-report-schema read here. */
export interface MutationReport {
  files: Record<string, { mutants: { status: Status }[] }>;
}

export interface FolderScore {
  folder: string;
  killed: number;
  timeout: number;
  survived: number;
  noCoverage: number;
  ignored: number;
  /** Killed + timeout over killed + timeout + survived + no coverage; null when that is 0. */
  score: number | null;
  /** The same over the mutants some test reaches (no coverage left out). */
  coveredScore: number | null;
}

const percent = (part: number, whole: number) => (whole === 0 ? null : (100 * part) / whole);

function score(folder: string, statuses: Status[]): FolderScore {
  const count = (status: Status) => statuses.filter((s) => s === status).length;
  const killed = count('Killed');
  const timeout = count('Timeout');
  const survived = count('Survived');
  const noCoverage = count('NoCoverage');
  const detected = killed + timeout;
  return {
    folder,
    killed,
    timeout,
    survived,
    noCoverage,
    ignored: count('Ignored'),
    score: percent(detected, detected + survived + noCoverage),
    coveredScore: percent(detected, detected + survived),
  };
}

/** One row per folder holding mutated files (sorted), then one for `total`. */
export function scoresByFolder(report: MutationReport, total: string): FolderScore[] {
  const byFolder = new Map<string, Status[]>();
  for (const [file, { mutants }] of Object.entries(report.files)) {
    const folder = dirname(file.replaceAll('\\', '/'));
    byFolder.set(folder, [...(byFolder.get(folder) ?? []), ...mutants.map((m) => m.status)]);
  }
  const rows = [...byFolder.keys()].sort().map((folder) => score(folder, byFolder.get(folder) ?? []));
  const all = Object.values(report.files).flatMap(({ mutants }) => mutants.map((m) => m.status));
  return [...rows, score(total, all)];
}

export function formatScores(rows: FolderScore[]): string {
  const pct = (value: number | null) => (value === null ? 'n/a' : `${value.toFixed(1)} %`);
  const header = ['folder', 'killed', 'timeout', 'survived', 'no coverage', 'ignored', 'score', 'of covered'];
  const lines = rows.map((r) => [
    r.folder,
    String(r.killed),
    String(r.timeout),
    String(r.survived),
    String(r.noCoverage),
    String(r.ignored),
    pct(r.score),
    pct(r.coveredScore),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((line) => line[i]!.length)));
  return [header, ...lines]
    .map((cells) =>
      cells.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join('  '),
    )
    .join('\n');
}

/** Prints the table of each part whose report exists; returns the parts printed. */
export function printScores(parts: readonly string[]): string[] {
  const printed: string[] = [];
  for (const part of parts) {
    const file = `reports/mutation/${part}.json`;
    if (!existsSync(file)) continue;
    const report = JSON.parse(readFileSync(file, 'utf8')) as MutationReport;
    console.log(
      `\nMutation score per folder (${file}):\n${formatScores(scoresByFolder(report, `${part} total`))}`,
    );
    printed.push(part);
  }
  return printed;
}
