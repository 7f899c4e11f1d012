import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from './repo-root.js';

/** The text of `statemachines/<name>.asl.json`, as reviewed (placeholders unfilled). */
export function readAsl(name: string): string {
  return readFileSync(join(repoRoot(), 'statemachines', `${name}.asl.json`), 'utf8');
}

/** Every workflow's name (`onboard-user` for statemachines/onboard-user.asl.json), sorted. */
export function workflowNames(): string[] {
  return readdirSync(join(repoRoot(), 'statemachines'))
    .filter((f) => f.endsWith('.asl.json'))
    .map((f) => f.replace(/\.asl\.json$/, ''))
    .sort();
}
