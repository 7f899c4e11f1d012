import { build } from '../scripts/build.mjs';

// CLI tests spawn bin/cachegate, which runs the transpiled dist/ tree: build it once per run.
export default async function globalSetup() {
  await build();
}
