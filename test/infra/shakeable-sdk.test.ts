import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import { buildSync } from 'esbuild';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { cachegateFunction } from '../../infra/constructs/cachegate-function.js';
import { literalPropertyKeys, shakeableSdkClient } from '../../infra/constructs/shakeable-sdk.js';
import { repoRoot } from '../../workflows/repo-root.js';

/**
 * The Client VPN functions bundle the EC2 client through a copy whose schema module esbuild can
 * tree-shake (infra/constructs/shakeable-sdk.ts, docs/cold-start.md). Guards both halves: the
 * copy describes EC2 exactly as the original does, and a bundle really carries only its shapes.
 */
const root = repoRoot();
const original = join(root, 'node_modules', '@aws-sdk', 'client-ec2', 'dist-es', 'schemas', 'schemas_0.js');

// With every EC2 shape the bundle was 820-980 KB; with the ones its commands reach, ~450 KB.
const EC2_BUNDLE_BUDGET_BYTES = 600 * 1024;

/**
 * Every export of a schema module, as JSON. Schemas point at each other lazily (`() => Shape`):
 * one that is exported is written as its name, one that is not (lists, maps) is written out
 * (a cycle back into the path as its name), so every trait object of every shape is compared.
 */
const DUMP = `
const schemas = await import(process.argv[1]);
const exported = new Map(Object.entries(schemas).map(([name, value]) => [value, name]));
const plain = (value, path) => {
  if (typeof value === 'function') {
    const target = value();
    if (exported.has(target)) return { ref: exported.get(target) };
    if (path.includes(target)) return { cycle: target[2] };
    return { lazy: plain(target, [...path, target]) };
  }
  if (Array.isArray(value)) return value.map((item) => plain(item, path));
  if (value && typeof value === 'object') {
    if (Object.getPrototypeOf(value) !== Object.prototype) return value.constructor.name;
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, plain(v, path)]));
  }
  return value;
};
const out = {};
for (const [name, value] of Object.entries(schemas)) out[name] = plain(value, [value]);
process.stdout.write(JSON.stringify(out));
`;

/** The module bundled on its own (dist-es imports have no file extensions, which Node refuses). */
function dump(file: string, work: string): string {
  const bundle = join(work, `${file.includes('.cache') ? 'copy' : 'original'}.mjs`);
  buildSync({
    entryPoints: [file],
    bundle: true,
    format: 'esm',
    platform: 'node',
    outfile: bundle,
    logLevel: 'error',
  });
  return execFileSync(process.execPath, ['--input-type=module', '-e', DUMP, bundle], {
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024,
  });
}

describe('the shakeable copy of the EC2 client', () => {
  it('writes constant computed keys as literals, and nothing else', () => {
    const source = [
      'const _eQN = "ec2QueryName";',
      'const _xN = "xmlName";',
      'export var A$ = [3, n0, _A, 0, [_M], [[1, { [_eQN]: `Min`, [_xN]: _m }]]];',
      'var B = [{ [other]: 1 }, _eQN];',
    ].join('\n');
    expect(literalPropertyKeys(source).split('\n').slice(2)).toEqual([
      'export var A$ = [3, n0, _A, 0, [_M], [[1, { ["ec2QueryName"]: `Min`, ["xmlName"]: _m }]]];',
      'var B = [{ [other]: 1 }, _eQN];',
    ]);
  });

  it('describes every EC2 shape exactly as the original does', () => {
    const entry = shakeableSdkClient(root, '@aws-sdk/client-ec2');
    const copy = join(dirname(entry), 'schemas', 'schemas_0.js');
    expect(readFileSync(copy, 'utf8')).not.toMatch(/\[_eQN\]:/);
    const work = mkdtempSync(join(tmpdir(), 'cachegate-ec2-schemas-'));
    try {
      const [before, after] = [dump(original, work), dump(copy, work)];
      expect(Object.keys(JSON.parse(before) as object).length).toBeGreaterThan(3000);
      expect(after).toBe(before);
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  }, 120_000);
});

describe('a Client VPN function’s bundle', () => {
  let outdir: string;
  let source: string;
  beforeAll(() => {
    outdir = mkdtempSync(join(tmpdir(), 'cachegate-ec2-bundle-'));
    const app = new App({ outdir });
    cachegateFunction(new Stack(app, 'Ec2Bundle'), 'inspect-endpoint-crl', {
      logRetention: RetentionDays.ONE_YEAR,
    });
    app.synth();
    const [asset] = readdirSync(outdir).filter((entry) => entry.startsWith('asset.'));
    source = readFileSync(join(outdir, asset!, 'index.mjs'), 'utf8');
  }, 120_000);
  afterAll(() => rmSync(outdir, { recursive: true, force: true }));

  it(`carries the shapes its commands reach, not all of EC2 (under ${EC2_BUNDLE_BUDGET_BYTES / 1024} KB)`, () => {
    expect(source).toContain('"ExportClientVpnClientCertificateRevocationListRequest"');
    expect(source).not.toContain('"RunInstancesRequest"');
    expect(source.length).toBeLessThanOrEqual(EC2_BUNDLE_BUDGET_BYTES);
  });
});
