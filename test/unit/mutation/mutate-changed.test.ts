import { describe, expect, it } from '@jest/globals';
import { changedRanges } from '../../../scripts/mutate-changed.js';

describe('npm run mutate:changed: the lines to mutate', () => {
  it('takes added and changed hunks of core files, not deletions, catalogs, index files or other folders', () => {
    const diff = [
      'diff --git a/functions/core/rbac/default-user.ts b/functions/core/rbac/default-user.ts',
      '--- a/functions/core/rbac/default-user.ts',
      '+++ b/functions/core/rbac/default-user.ts',
      '@@ -10,2 +10,3 @@ export function x() {',
      '@@ -40 +41 @@',
      '@@ -50,3 +52,0 @@',
      '--- a/functions/core/access-string/redis-catalog.ts',
      '+++ b/functions/core/access-string/redis-catalog.ts',
      '@@ -1,1 +1,2 @@',
      '--- a/functions/core/access-string/index.ts',
      '+++ b/functions/core/access-string/index.ts',
      '@@ -1,1 +1,2 @@',
      '--- a/functions/aws/iam.ts',
      '+++ b/functions/aws/iam.ts',
      '@@ -5,1 +5,1 @@',
      '--- /dev/null',
      '+++ b/functions/core/pki/new.ts',
      '@@ -0,0 +1,20 @@',
    ].join('\n');
    expect(changedRanges(diff)).toEqual([
      'functions/core/rbac/default-user.ts:10-12',
      'functions/core/rbac/default-user.ts:41-41',
      'functions/core/pki/new.ts:1-20',
    ]);
  });

  it('finds nothing to mutate in a deleted file', () => {
    const diff = ['--- a/functions/core/pki/old.ts', '+++ /dev/null', '@@ -1,20 +0,0 @@'].join('\n');
    expect(changedRanges(diff)).toEqual([]);
  });
});
