import { describe, expect, it } from '@jest/globals';
import { existsSync, readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import * as esbuild from 'esbuild';
import { repoRoot } from '../../workflows/repo-root.js';

/**
 * What a deployed function carries (docs/architecture.md, "Layers"): its handler's import graph
 * as esbuild bundles it for Lambda (infra/constructs/cachegate-function.ts). The lint rules keep
 * each import pointing the right way; this looks at the result: no file of the development
 * emulator (`local/`), the operator CLI (`bin/`), the CDK app (`infra/`) or the tests may end up
 * in any function's bundle, whatever path (a re-export, a dynamic import) brought it in.
 */
const root = repoRoot();
const NOT_IN_PRODUCTION = ['local/', 'bin/', 'infra/', 'test/', 'bench/', 'scripts/'];

const handlers = readdirSync(join(root, 'functions'))
  .filter((name) => existsSync(join(root, 'functions', name, 'handler.ts')))
  .sort();

/** Every repository file (not node_modules) in each function's bundle, and the packages it imports. */
async function bundleInputs(entries: string[]): Promise<Map<string, string[]>> {
  return (await bundles(entries)).files;
}

async function bundles(entries: string[]) {
  const result = await esbuild.build({
    absWorkingDir: root,
    entryPoints: Object.fromEntries(entries.map((name) => [name, `functions/${name}/handler.ts`])),
    bundle: true,
    write: false,
    metafile: true,
    format: 'esm',
    platform: 'node',
    target: 'node24',
    outdir: 'out',
    logLevel: 'silent',
    // The SDK and the rest of node_modules are not the question here; the repository's own files are.
    packages: 'external',
  });
  const files = new Map<string, string[]>();
  const packages = new Map<string, string[]>();
  for (const output of Object.values(result.metafile.outputs)) {
    const name = /^functions\/([^/]+)\/handler\.ts$/.exec(output.entryPoint ?? '')?.[1];
    if (!name) continue;
    files.set(
      name,
      Object.keys(output.inputs).map((input) => relative(root, join(root, input))),
    );
    packages.set(
      name,
      output.imports.filter((i) => i.external).map((i) => i.path),
    );
  }
  return { files, packages };
}

describe('production bundles', () => {
  it('every deployed function bundles to its handler and the Lambda application only (no emulator, CLI or infra code)', async () => {
    expect(handlers.length).toBeGreaterThan(50);
    const inputs = await bundleInputs(handlers);
    expect([...inputs.keys()].sort()).toEqual(handlers);
    const offenders = [...inputs].flatMap(([name, files]) =>
      files.filter((f) => NOT_IN_PRODUCTION.some((dir) => f.startsWith(dir))).map((f) => `${name}: ${f}`),
    );
    expect(offenders).toEqual([]);
    for (const files of inputs.values()) {
      expect(files.every((f) => f.startsWith('functions/') || f.startsWith('workflows/'))).toBe(true);
    }
  }, 120_000);

  it("no function imports zod's full API: Lambda code uses zod/mini (docs/cold-start.md)", async () => {
    const { files, packages } = await bundles(handlers);
    const offenders = [...packages].filter(([, imports]) => imports.includes('zod')).map(([name]) => name);
    expect(offenders).toEqual([]);
    // The check looks at what it should: every function's bundle imports zod/mini.
    expect([...packages.values()].every((imports) => imports.includes('zod/mini'))).toBe(true);
    // zod/mini loads no locale: without functions/core/zod-english.ts a message zod writes itself
    // would read "Invalid input" instead of naming what was expected.
    const noEnglish = [...files].filter(([, inputs]) => !inputs.includes('functions/core/zod-english.ts'));
    expect(noEnglish.map(([name]) => name)).toEqual([]);
  }, 120_000);

  it('would catch an emulator file reached through a dynamic import', async () => {
    // The check itself must see what a bundle would really contain: a handler-shaped entry that
    // imports the sandbox lazily must be reported.
    const result = await esbuild.build({
      absWorkingDir: root,
      stdin: {
        contents: "export const handler = async () => (await import('./local/state-dir.js')).localStateDir;",
        resolveDir: root,
        sourcefile: 'planted-handler.ts',
        loader: 'ts',
      },
      bundle: true,
      write: false,
      metafile: true,
      format: 'esm',
      platform: 'node',
      outdir: 'out',
      logLevel: 'silent',
      packages: 'external',
    });
    const files = Object.values(result.metafile.outputs).flatMap((o) => Object.keys(o.inputs));
    expect(files.some((f) => f.startsWith('local/'))).toBe(true);
  });
});
