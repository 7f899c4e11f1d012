/**
 * Reads the command and ACL category catalog from a live redis-server. The interop suite checks
 * the shipped static catalog against it; running this file with tsx regenerates that catalog:
 *   npx tsx test/interop/access-string/redis-catalog.ts > functions/core/access-string/redis-catalog.ts
 */
import { pathToFileURL } from 'node:url';
import { startRedisServer, type RedisServer } from '../redis-server.js';

export interface RedisCatalog {
  version: string;
  commands: string[];
  /** Commands flagged `no_auth` (AUTH, HELLO...): Redis lets every user run them. */
  noAuthCommands: string[];
  categories: Record<string, string[]>;
}

export async function readRedisCatalog(server: RedisServer): Promise<RedisCatalog> {
  const info = String(await server.command(['INFO', 'server']));
  const version = /redis_version:(\S+)/.exec(info)?.[1] ?? 'unknown';
  const commands = asStrings(await server.command(['COMMAND', 'LIST'])).map((c) => c.toLowerCase());
  const noAuthCommands: string[] = [];
  for (const name of commands) {
    const info = await server.command(['COMMAND', 'INFO', name]);
    const flags = Array.isArray(info) && Array.isArray(info[0]) ? info[0][2] : undefined;
    if (Array.isArray(flags) && flags.includes('no_auth')) noAuthCommands.push(name);
  }
  const categories: Record<string, string[]> = {};
  for (const category of asStrings(await server.command(['ACL', 'CAT']))) {
    categories[category] = asStrings(await server.command(['ACL', 'CAT', category]))
      .map((c) => c.toLowerCase())
      .sort();
  }
  return { version, commands: commands.sort(), noAuthCommands: noAuthCommands.sort(), categories };
}

export function renderCatalogModule(catalog: RedisCatalog): string {
  const list = (items: string[]): string => `[${items.map((item) => `'${item}'`).join(', ')}]`;
  const categories = Object.entries(catalog.categories)
    .map(([name, commands]) => `  ${name}: ${list(commands)},`)
    .join('\n');
  return [
    `/** Generated from redis-server ${catalog.version} by test/interop/access-string/redis-catalog.ts. */`,
    '',
    `export const REDIS_CATALOG_VERSION = '${catalog.version}';`,
    '',
    '/** `COMMAND LIST`: every command, subcommands as `container|sub`. */',
    `export const REDIS_COMMANDS: readonly string[] = ${list(catalog.commands)};`,
    '',
    '/** Commands flagged `no_auth`: every user may run them, whatever the ACL rules say. */',
    `export const REDIS_NO_AUTH_COMMANDS: readonly string[] = ${list(catalog.noAuthCommands)};`,
    '',
    '/** `ACL CAT <category>` for every category, in `ACL CAT` order. */',
    'export const REDIS_CATEGORIES: Readonly<Record<string, readonly string[]>> = {',
    categories,
    '};',
    '',
  ].join('\n');
}

function asStrings(reply: unknown): string[] {
  if (!Array.isArray(reply)) throw new Error(`expected an array reply, got ${JSON.stringify(reply)}`);
  return reply.map(String);
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const server = await startRedisServer();
  try {
    process.stdout.write(renderCatalogModule(await readRedisCatalog(server)));
  } finally {
    await server.stop();
  }
}
