import { describe, expect, it } from '@jest/globals';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import ts from 'typescript';
import { repoRoot } from '../../../workflows/repo-root.js';

/**
 * Step Functions retries and catches a Lambda's error on its name (the `errorType` Lambda reports
 * is the error's `name`), and the Lambda bundles are minified without esbuild's `keepNames`
 * (docs/cold-start.md): a class name there is a letter. So every error class under functions/
 * writes its name out, `override readonly name: string = '<ClassName>'`, and this check makes sure
 * none forgets. The sandbox's and the CLI's errors follow the same rule: several extend
 * CachegateError, which no longer names an error after its class.
 */
const root = repoRoot();

type ClassInfo = { file: string; base: string; declaredName: string | undefined };

/** Every class declared in `source` with the base it extends and the string its `name` field holds. */
function classesOf(source: ts.SourceFile): Array<[string, ClassInfo]> {
  const found: Array<[string, ClassInfo]> = [];
  const visit = (node: ts.Node): void => {
    if (ts.isClassDeclaration(node) && node.name) {
      const base = node.heritageClauses
        ?.find((clause) => clause.token === ts.SyntaxKind.ExtendsKeyword)
        ?.types[0]?.expression.getText(source);
      const nameField = node.members.find(
        (member): member is ts.PropertyDeclaration =>
          ts.isPropertyDeclaration(member) && member.name.getText(source) === 'name',
      );
      const initializer = nameField?.initializer;
      found.push([
        node.name.text,
        {
          file: relative(root, source.fileName),
          base: base ?? '',
          declaredName: initializer && ts.isStringLiteral(initializer) ? initializer.text : undefined,
        },
      ]);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

/** The classes of `sources` that extend `Error`, directly or through each other. */
function errorClasses(sources: ts.SourceFile[]): Map<string, ClassInfo> {
  const all = new Map<string, ClassInfo>();
  for (const source of sources) {
    for (const [name, info] of classesOf(source)) {
      const other = all.get(name);
      // A Step Functions error name must point at one class.
      if (other) throw new Error(`class ${name} is declared twice: ${other.file} and ${info.file}`);
      all.set(name, info);
    }
  }
  const isError = (name: string, seen = new Set<string>()): boolean => {
    if (name === 'Error') return true;
    const info = all.get(name);
    if (!info || seen.has(name)) return false;
    seen.add(name);
    return isError(info.base, seen);
  };
  return new Map([...all].filter(([name]) => isError(name)));
}

/** Errors whose name is not their class's, and why. */
const NAMED_AT_RUNTIME: ReadonlyMap<string, string> = new Map([
  ['StatesError', "the local runner's error for any Step Functions error name (States.Timeout...)"],
]);

/** One line per error class whose `name` is not written out as its own class name. */
function unnamedErrors(classes: Map<string, ClassInfo>): string[] {
  return [...classes]
    .filter(([name, info]) => info.declaredName !== name && !NAMED_AT_RUNTIME.has(name))
    .map(([name, info]) =>
      info.declaredName === undefined
        ? `${info.file}: ${name} declares no name = '${name}'`
        : `${info.file}: ${name} is named '${info.declaredName}'`,
    );
}

function sourceFiles(dir: string): ts.SourceFile[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    if (!entry.name.endsWith('.ts') || entry.name.endsWith('.d.ts')) return [];
    return [ts.createSourceFile(path, readFileSync(path, 'utf8'), ts.ScriptTarget.ES2022, true)];
  });
}

const parse = (text: string) => [ts.createSourceFile('planted.ts', text, ts.ScriptTarget.ES2022, true)];

/** Every folder of TypeScript that is cachegate's own code (a CLI error's name reaches its output too). */
const OWN_CODE = ['functions', 'local', 'bin', 'workflows', 'infra', 'scripts'];

describe('error names survive minification', () => {
  const classes = errorClasses(OWN_CODE.flatMap((folder) => sourceFiles(join(root, folder))));

  it('finds the error classes (the check is not looking at nothing)', () => {
    expect(classes.size).toBeGreaterThanOrEqual(30);
    expect([...classes.keys()]).toEqual(expect.arrayContaining(['ValidationError', 'AccessStringError']));
  });

  it('every error class writes out its own name', () => {
    expect(unnamedErrors(classes)).toEqual([]);
  });

  it('the check fires on a forgotten name, a copied name and a name set another way', () => {
    const planted = errorClasses(
      parse(`
        class BaseError extends Error { override readonly name: string = 'BaseError'; }
        class ForgotError extends BaseError {}
        class CopiedError extends BaseError { override readonly name: string = 'BaseError'; }
        class AssignedError extends Error { constructor() { super(); this.name = 'AssignedError'; } }
        class NotAnError { readonly name = 'x'; }
      `),
    );
    expect(unnamedErrors(planted)).toEqual([
      "planted.ts: ForgotError declares no name = 'ForgotError'",
      "planted.ts: CopiedError is named 'BaseError'",
      "planted.ts: AssignedError declares no name = 'AssignedError'",
    ]);
  });
});
