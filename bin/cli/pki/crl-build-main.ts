import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { runCrlBuild } from './pki-crl-build.js';

export { runCrlBuild };

/**
 * Entry of dist/crl-build.cjs, the CommonJS bundle that bin/cachegate's shell part runs directly
 * for `crl build`: no ES module loader and no ES-module facades of node:fs and node:crypto
 * (building those loads the stream and WebCrypto modules), ~5 ms of a ~90 ms command. Arguments
 * it does not take as-is go to the full CLI (an ES module), as `node bin/cachegate` does.
 */
export async function main(argv: string[] = process.argv): Promise<void> {
  const [command, subcommand, ...options] = argv.slice(2);
  const scannerWasm = join(__dirname, 'crl-index-scan.wasm');
  if (command === 'crl' && subcommand === 'build' && (await runCrlBuild(options, scannerWasm))) return;
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  // The bundle sits in dist/, next to the transpiled CLI.
  const fullCli = pathToFileURL(join(__dirname, 'bin', 'cli', 'main.js')).href;
  const { run } = (await import(fullCli)) as { run: (argv: string[]) => Promise<void> };
  await run(argv);
}

// Run as the main module (node dist/crl-build.cjs ...), not when bin/cachegate requires it.
if (typeof require !== 'undefined' && require.main === module) {
  main().catch((error: unknown) => {
    process.stderr.write(
      `cachegate: unexpected error: ${error instanceof Error ? error.message : String(error)}\n`,
    );
    process.exitCode = 1;
  });
}
