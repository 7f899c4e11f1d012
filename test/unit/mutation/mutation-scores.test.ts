import { describe, expect, it } from '@jest/globals';
import { formatScores, scoresByFolder, type MutationReport } from '../../../scripts/mutation-scores.js';

const mutants = (...statuses: string[]) => ({ mutants: statuses.map((status) => ({ status })) });

describe('mutation score per folder (npm run mutate)', () => {
  const report = {
    files: {
      'functions/core/rbac/a.ts': mutants('Killed', 'Killed', 'Survived', 'NoCoverage', 'Ignored'),
      'functions/core/rbac/b.ts': mutants('Timeout', 'CompileError'),
      'functions/core/errors.ts': mutants('Survived', 'Killed'),
    },
  } as MutationReport;

  it('counts killed and timed out over every valid mutant, as StrykerJS does, per folder and in total', () => {
    const rows = scoresByFolder(report, 'core total');
    expect(rows.map((r) => r.folder)).toEqual(['functions/core', 'functions/core/rbac', 'core total']);
    const rbac = rows[1]!;
    expect(rbac).toMatchObject({ killed: 2, timeout: 1, survived: 1, noCoverage: 1, ignored: 1 });
    // 3 detected of 5 valid (ignored and compile errors are not valid mutants).
    expect(rbac.score).toBeCloseTo(60);
    // Of the 4 some test reaches.
    expect(rbac.coveredScore).toBeCloseTo(75);
    expect(rows[2]).toMatchObject({ killed: 3, timeout: 1, survived: 2, noCoverage: 1 });
    expect(rows[2]!.score).toBeCloseTo((100 * 4) / 7);
  });

  it('has no score for a folder with no valid mutant, and prints one aligned row per folder', () => {
    const rows = scoresByFolder(
      { files: { 'functions/aws/x.ts': mutants('Ignored') } } as MutationReport,
      'aws',
    );
    expect(rows[0]!.score).toBeNull();
    const table = formatScores(scoresByFolder(report, 'core total')).split('\n');
    expect(table).toHaveLength(4);
    expect(table[2]).toMatch(/^functions\/core\/rbac\s+2\s+1\s+1\s+1\s+1\s+60\.0 %\s+75\.0 %$/);
  });
});
