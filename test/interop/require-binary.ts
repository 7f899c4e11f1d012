/**
 * Interop suites run against real tools (openssl, easy-rsa, openvpn, redis-server). Locally a
 * missing tool skips the suite with a printed reason; in CI it is a failure.
 */
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';

/**
 * True when `CI` holds any value a CI system sets (`true`, `1`, `yes`, `True`...): GitHub Actions,
 * GitLab and most others set `true`, some set `1`. Unset, empty, `0` and `false` mean a local run.
 */
export function interopMandatory(ci: string | undefined): boolean {
  const value = (ci ?? '').trim().toLowerCase();
  return value !== '' && value !== '0' && value !== 'false';
}

/** Skips locally with a printed `reason`; throws in CI, where interop suites are mandatory. */
export function skipOrFail(reason: string): false {
  if (interopMandatory(process.env.CI)) throw new Error(`${reason}: interop suites are mandatory in CI`);
  console.warn(`skipping interop suite: ${reason}`);
  return false;
}

export function requireBinary(name: string): boolean {
  const found = (process.env.PATH ?? '')
    .split(delimiter)
    .filter((dir) => dir.length > 0)
    .some((dir) => isExecutable(join(dir, name)));
  return found || skipOrFail(`${name} not found on PATH`);
}

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}
