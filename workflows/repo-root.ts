import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root, found from this file whether it runs from source or from dist/. */
export function repoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'statemachines'))) {
    const parent = dirname(dir);
    if (parent === dir)
      throw new Error('cannot find the cachegate repository root (no statemachines/ folder)');
    dir = parent;
  }
  return dir;
}
