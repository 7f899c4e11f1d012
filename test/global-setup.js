import { readFileSync } from 'node:fs';
import { build } from '../scripts/build.mjs';

// CLI tests spawn bin/cachegate, which runs the transpiled dist/ tree: build it once per run.
// The Lambdas ship on the `.nvmrc` major; an older Node still runs the suite (docs/decisions.md)
// but must say that it is not testing the shipping runtime.
export default async function globalSetup() {
  const shipped = Number(readFileSync(new URL('../.nvmrc', import.meta.url), 'utf8').trim());
  const running = Number(process.versions.node.split('.')[0]);
  if (running < shipped) {
    console.warn(
      `\nNode.js ${process.versions.node}: the Lambdas run Node.js ${shipped} (nodejs${shipped}.x) and CI ` +
        `tests on it; this run uses an older major. Put Node.js ${shipped} first on PATH to test the shipping runtime.`,
    );
  }
  await build();
}
