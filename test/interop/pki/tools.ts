import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { accessSync, constants, mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { requireBinary } from '../require-binary.js';

export const repoRoot = process.cwd();

/** easy-rsa is usually not on PATH (Debian installs it in /usr/share/easy-rsa). */
export function findEasyRsa(): string | undefined {
  const candidates = [
    process.env.EASYRSA_BIN,
    '/usr/share/easy-rsa/easyrsa',
    '/usr/local/share/easy-rsa/easyrsa',
  ];
  for (const path of candidates) {
    if (!path) continue;
    try {
      accessSync(path, constants.X_OK);
      return path;
    } catch {
      // try the next location
    }
  }
  if (requireBinary('easyrsa')) return 'easyrsa';
  return undefined;
}

export function tempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), `cachegate-${prefix}-`));
}

export interface RunResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

function result(r: SpawnSyncReturns<string>): RunResult {
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

export function cachegate(args: string[], cwd = repoRoot): RunResult {
  return result(
    spawnSync(process.execPath, [join(repoRoot, 'bin/cachegate'), ...args], {
      cwd,
      encoding: 'utf8',
      timeout: 30_000,
    }),
  );
}

export function run(
  command: string,
  args: string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv } = {},
): RunResult {
  return result(
    spawnSync(command, args, {
      cwd: options.cwd,
      env: { ...process.env, ...options.env },
      encoding: 'utf8',
      timeout: 60_000,
    }),
  );
}

/** Content of every file under `dir` (path → bytes as base64), to prove a failed command changed nothing. */
export function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (rel: string): void => {
    for (const name of readdirSync(join(dir, rel))) {
      const path = join(rel, name);
      if (statSync(join(dir, path)).isDirectory()) walk(path);
      else out[path] = readFileSync(join(dir, path)).toString('base64');
    }
  };
  walk('');
  return out;
}
