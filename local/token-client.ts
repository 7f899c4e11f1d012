import type { RedisConnection, RedisServer } from './redis-server.js';

export interface TokenClientReport {
  rounds: number;
  ok: number;
  /** One line per failed round (the server's reply, never the token). */
  failures: string[];
}

/**
 * A client as applications on AUTH run it, for the demo and the zero-downtime tests: each round a
 * fresh connection sends `AUTH <token>`, a write and a read, and one long-lived connection
 * re-authenticates and does the same. Runs until `stop()` says so; `onRound` sees each success.
 */
export async function runTokenClient(
  server: RedisServer,
  token: string,
  options: { key: string; stop: () => boolean; onRound?: () => void; pauseMs?: number },
): Promise<TokenClientReport> {
  const report: TokenClientReport = { rounds: 0, ok: 0, failures: [] };
  const longLived: RedisConnection = await server.connect();
  try {
    while (!options.stop()) {
      report.rounds += 1;
      const round = String(report.rounds);
      const fresh = await server.connect();
      try {
        for (const connection of [fresh, longLived]) {
          await connection.command(['AUTH', token]);
          await connection.command(['SET', options.key, round]);
          if ((await connection.command(['GET', options.key])) !== round) throw new Error('a write was lost');
        }
        report.ok += 1;
        options.onRound?.();
      } catch (error) {
        report.failures.push(`round ${round}: ${(error as Error).message}`);
      } finally {
        fresh.close();
      }
      await new Promise((resolve) => setTimeout(resolve, options.pauseMs ?? 5));
    }
  } finally {
    longLived.close();
  }
  return report;
}
