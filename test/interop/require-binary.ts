/**
 * Interop suites run against real tools (openssl, easy-rsa, openvpn, redis-server). Locally a
 * missing tool skips the suite with a printed reason; in CI (`CI=true`) it is a failure.
 */
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';

export function requireBinary(name: string): boolean {
  const found = (process.env.PATH ?? '')
    .split(delimiter)
    .filter((dir) => dir.length > 0)
    .some((dir) => isExecutable(join(dir, name)));
  if (found) return true;
  const reason = `${name} not found on PATH`;
  if (process.env.CI === 'true') throw new Error(`${reason}: interop suites are mandatory in CI`);
  console.warn(`skipping interop suite: ${reason}`);
  return false;
}

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}
