import { createHash } from 'node:crypto';
import {
  copyFileSync,
  existsSync,
  linkSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';

/**
 * An AWS SDK client describes every shape of its service in `dist-es/schemas/schemas_0.js`, one
 * array literal per shape, so that esbuild can drop the shapes a bundle never reaches. But a
 * shape with member traits is written `{ [_eQN]: 'Foo', [_xN]: _f }`: a computed key read from a
 * module constant, which esbuild cannot prove free of side effects (it inlines only very short
 * constants there), so it keeps that shape, and through it every shape it refers to. For
 * EC2 that is all ~6,000 of them: 550 KB and ~90 ms of CPU in each bundle that sends one Client
 * VPN command (docs/cold-start.md).
 *
 * `literalPropertyKeys` writes those keys as the string literals they hold; the objects are the
 * same (a test compares every export of both modules). `shakeableSdkClient` makes a copy of a
 * client package with its schema modules rewritten, which the Lambda bundles use in place of the
 * original through an esbuild alias; its other files are hard links to the originals.
 */
export function literalPropertyKeys(source: string): string {
  const strings = new Map(
    [...source.matchAll(/^const (_\w+) = ("[^"\\\n]*");$/gm)].map((m) => [m[1]!, m[2]!] as const),
  );
  return source.replace(/\[(_\w+)\]:/g, (key, name: string) => {
    const literal = strings.get(name);
    return literal === undefined ? key : `[${literal}]:`;
  });
}

/**
 * The copy of `node_modules/<client>` with literal keys, made once per client version (and
 * version of the rewrite) under
 * `node_modules/.cache/cachegate/`; returns the path of its ESM entry (`dist-es/index.js`).
 * The copy sits inside `node_modules`, so its own package imports resolve to the project's.
 */
export function shakeableSdkClient(root: string, client: string): string {
  const source = join(root, 'node_modules', client);
  const { version } = JSON.parse(readFileSync(join(source, 'package.json'), 'utf8')) as { version: string };
  // Named after the client's version and the rewrite itself: a changed rewrite makes a new copy.
  const rewrite = createHash('sha256').update(literalPropertyKeys.toString()).digest('hex').slice(0, 12);
  const target = join(
    root,
    'node_modules',
    '.cache',
    'cachegate',
    `${client.replace('/', '+')}@${version}-${rewrite}`,
  );
  const entry = join(target, 'dist-es', 'index.js');
  if (existsSync(entry)) return entry;

  // Built beside the target and renamed into place, so that parallel synths (jest workers) never
  // see half a copy; the loser of a race discards its own.
  const building = `${target}.${process.pid}`;
  rmSync(building, { recursive: true, force: true });
  mkdirSync(building, { recursive: true });
  linkOrCopy(join(source, 'package.json'), join(building, 'package.json'));
  mirror(join(source, 'dist-es'), join(building, 'dist-es'));
  const schemas = join(building, 'dist-es', 'schemas');
  for (const file of readdirSync(schemas).filter((f) => f.endsWith('.js'))) {
    const path = join(schemas, file);
    const rewritten = literalPropertyKeys(readFileSync(path, 'utf8'));
    rmSync(path); // a hard link: writing through it would change the original
    writeFileSync(path, rewritten);
  }
  try {
    renameSync(building, target);
  } catch (error) {
    if (!existsSync(entry)) throw error;
    rmSync(building, { recursive: true, force: true });
  }
  return entry;
}

function mirror(from: string, to: string): void {
  mkdirSync(to, { recursive: true });
  for (const entry of readdirSync(from, { withFileTypes: true })) {
    if (entry.isDirectory()) mirror(join(from, entry.name), join(to, entry.name));
    else linkOrCopy(join(from, entry.name), join(to, entry.name));
  }
}

function linkOrCopy(from: string, to: string): void {
  try {
    linkSync(from, to);
  } catch {
    copyFileSync(from, to);
  }
}
