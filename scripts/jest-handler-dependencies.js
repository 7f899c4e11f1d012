/**
 * Jest dependencyExtractor for mutation runs (stryker.config.mjs, `aws` part): the local runner
 * imports each Lambda handler by name (`import(\`../../functions/${name}/handler.js\`)`), which
 * Jest's static search for related tests cannot follow. Without this, a workflow suite that
 * reaches an adapter only through a handler would not be rerun against that adapter's mutants.
 */
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';

const RUNNER = path.join('local', 'runner', 'local-state-machine.ts');

export function extract(code, filePath, defaultExtract) {
  const dependencies = defaultExtract(code, filePath);
  if (filePath.endsWith(RUNNER)) {
    const functions = path.join(path.dirname(filePath), '..', '..', 'functions');
    for (const name of readdirSync(functions)) {
      if (existsSync(path.join(functions, name, 'handler.ts'))) {
        dependencies.add(`../../functions/${name}/handler.js`);
      }
    }
  }
  return dependencies;
}

export const getCacheKey = () => 'cachegate-handler-dependencies-1';
