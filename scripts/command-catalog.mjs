#!/usr/bin/env node
/**
 * Builds an access-string command catalog from an engine's own command definitions: the
 * `src/commands/*.json` files that Redis OSS (7.0+) and Valkey generate their command table from.
 * The categories are derived exactly as the server derives them at start-up
 * (`setImplicitACLCategories` in server.c): the JSON's `acl_categories`, plus @write for WRITE,
 * @read for READONLY (unless @scripting), @admin and @dangerous for ADMIN, @pubsub, @fast,
 * @blocking from their flags, and @slow for every command that is not @fast. Sentinel-only
 * commands are left out, as a data node does.
 *
 *   node scripts/command-catalog.mjs --git <clone> --ref <tag> --engine valkey --version 8.0 \
 *     > functions/core/access-string/valkey-8.0-catalog.ts
 *   node scripts/command-catalog.mjs --dir <checkout>/src/commands --engine valkey --version 8.0 > ...
 *
 * then `npx prettier --write` the file. docs/access-strings.md lists the commits the checked-in
 * catalogs come from and how the derivation was checked against a live redis-server.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

/** `ACL CAT` order: the category table in acl.c (identical in Redis OSS 7.x and Valkey 7.2–8.0). */
const CATEGORY_ORDER = [
  'keyspace',
  'read',
  'write',
  'set',
  'sortedset',
  'list',
  'hash',
  'string',
  'bitmap',
  'hyperloglog',
  'geo',
  'stream',
  'pubsub',
  'admin',
  'fast',
  'slow',
  'blocking',
  'dangerous',
  'connection',
  'transaction',
  'scripting',
];

/** Reads `{file name → JSON text}` from a directory or from a git ref of a clone. */
function readDefinitions({ dir, git, ref }) {
  if (dir !== undefined) {
    return readdirSync(dir)
      .filter((name) => name.endsWith('.json'))
      .map((name) => readFileSync(join(dir, name), 'utf8'));
  }
  const names = execFileSync('git', ['-C', git, 'ls-tree', '--name-only', `${ref}:src/commands`], {
    encoding: 'utf8',
  })
    .split('\n')
    .filter((name) => name.endsWith('.json'));
  return names.map((name) =>
    execFileSync('git', ['-C', git, 'show', `${ref}:src/commands/${name}`], {
      encoding: 'utf8',
      maxBuffer: 16 * 1024 * 1024,
    }),
  );
}

function buildCatalog(definitionTexts) {
  const commands = [];
  const noAuthCommands = [];
  const categories = Object.fromEntries(CATEGORY_ORDER.map((category) => [category, []]));
  for (const text of definitionTexts) {
    for (const [upperName, definition] of Object.entries(JSON.parse(text))) {
      const flags = definition.command_flags ?? [];
      if (flags.includes('ONLY_SENTINEL')) continue;
      const name =
        definition.container === undefined
          ? upperName.toLowerCase()
          : `${definition.container.toLowerCase()}|${upperName.toLowerCase()}`;
      commands.push(name);
      if (flags.includes('NO_AUTH')) noAuthCommands.push(name);
      for (const category of implicitCategories(definition.acl_categories ?? [], flags)) {
        if (categories[category] === undefined) throw new Error(`${name}: unknown ACL category ${category}`);
        categories[category].push(name);
      }
    }
  }
  for (const list of Object.values(categories)) list.sort();
  return { commands: commands.sort(), noAuthCommands: noAuthCommands.sort(), categories };
}

function implicitCategories(declared, flags) {
  const categories = new Set(declared.map((category) => category.toLowerCase()));
  if (flags.includes('WRITE')) categories.add('write');
  if (flags.includes('READONLY') && !categories.has('scripting')) categories.add('read');
  if (flags.includes('ADMIN')) categories.add('admin').add('dangerous');
  if (flags.includes('PUBSUB')) categories.add('pubsub');
  if (flags.includes('FAST')) categories.add('fast');
  if (flags.includes('BLOCKING')) categories.add('blocking');
  if (!categories.has('fast')) categories.add('slow');
  return categories;
}

function render(catalog, { engine, version, source }) {
  const list = (items) => `[${items.map((item) => `'${item}'`).join(', ')}]`;
  const categories = Object.entries(catalog.categories)
    .map(([name, commands]) => `  ${name}: ${list(commands)},`)
    .join('\n');
  return [
    `/** Generated from ${source} by scripts/command-catalog.mjs. Do not edit. */`,
    "import type { CatalogData } from './catalog.js';",
    '',
    `export const CATALOG: CatalogData = {`,
    `  engine: '${engine}',`,
    `  version: '${version}',`,
    `  source: '${source}',`,
    `  commands: ${list(catalog.commands)},`,
    `  noAuthCommands: ${list(catalog.noAuthCommands)},`,
    '  categories: {',
    categories,
    '  },',
    '};',
    '',
  ].join('\n');
}

const { values } = parseArgs({
  options: {
    dir: { type: 'string' },
    git: { type: 'string' },
    ref: { type: 'string' },
    engine: { type: 'string' },
    version: { type: 'string' },
    json: { type: 'boolean', default: false },
  },
});
if ((values.dir === undefined) === (values.git === undefined) || (values.git !== undefined && !values.ref)) {
  process.stderr.write('usage: command-catalog.mjs (--dir <src/commands> | --git <clone> --ref <tag>) ...\n');
  process.exit(2);
}
const catalog = buildCatalog(readDefinitions(values));
if (values.json) {
  process.stdout.write(`${JSON.stringify(catalog, null, 2)}\n`);
} else {
  if (!values.engine || !values.version) {
    process.stderr.write('--engine and --version are required to write a catalog module\n');
    process.exit(2);
  }
  const commit =
    values.git === undefined
      ? undefined
      : execFileSync('git', ['-C', values.git, 'rev-parse', `${values.ref}^{commit}`], {
          encoding: 'utf8',
        }).trim();
  const source =
    commit === undefined
      ? `${values.dir}`
      : `${values.engine} ${values.ref} (commit ${commit}), src/commands/*.json`;
  process.stdout.write(render(catalog, { engine: values.engine, version: values.version, source }));
}
