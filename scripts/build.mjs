// Transpiles (does not bundle) the TypeScript sources into dist/ so the CLI starts as plain
// Node.js: no TypeScript compilation at run time, and each command imports only what it uses.
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';
import initWabt from 'wabt';

const root = fileURLToPath(new URL('..', import.meta.url));
const sourceDirs = ['functions', 'workflows', 'local', 'bin/cli'];

async function listTs(dir) {
  const entries = await readdir(join(root, dir), { withFileTypes: true, recursive: true });
  return entries
    .filter((e) => e.isFile() && e.name.endsWith('.ts') && !e.name.endsWith('.d.ts'))
    .map((e) => join(e.parentPath ?? e.path, e.name));
}

/**
 * functions/core/pki/crl-index-scan.wat → dist/crl-index-scan.wasm (wabt's wat2wasm): the CLI's
 * `crl build` scans index.txt with it (bin/cli/pki/crl-build-main.ts), and the tests check it
 * against the JavaScript scanner. The reviewed source is the .wat; the binary is never committed.
 */
async function compileWasm() {
  const source = join(root, 'functions/core/pki/crl-index-scan.wat');
  const wabt = await initWabt();
  const module = wabt.parseWat(source, await readFile(source, 'utf8'));
  try {
    module.validate();
    await mkdir(join(root, 'dist'), { recursive: true });
    await writeFile(join(root, 'dist', 'crl-index-scan.wasm'), module.toBinary({}).buffer);
  } finally {
    module.destroy();
  }
}

// The CLI also runs on Node.js 20 (tolerated for local development: docs/decisions.md).
const cliTarget = 'node20';

export async function build() {
  await compileWasm();
  const entryPoints = (await Promise.all(sourceDirs.map(listTs))).flat();
  await esbuild.build({
    entryPoints,
    outdir: join(root, 'dist'),
    outbase: root,
    format: 'esm',
    platform: 'node',
    target: cliTarget,
    bundle: false,
    sourcemap: false,
    logLevel: 'warning',
  });
  // `cachegate crl build` loads one bundled module (~10 ms faster than ~15 transpiled ones); it is
  // benchmarked against openssl as a whole process (bin/cli/pki/pki-crl-build.ts, bench/crl-bench.mjs).
  await esbuild.build({
    entryPoints: [join(root, 'bin/cli/pki/crl-build-main.ts')],
    outfile: join(root, 'dist', 'crl-build.cjs'),
    // CommonJS: bin/cachegate's shell part runs it directly, without the ES module loader.
    format: 'cjs',
    platform: 'node',
    target: cliTarget,
    bundle: true,
    sourcemap: false,
    logLevel: 'warning',
  });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  await build();
}
