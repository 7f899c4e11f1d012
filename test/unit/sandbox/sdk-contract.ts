/**
 * The SDK contract of a sandbox model, read from the sources with the TypeScript compiler:
 *
 * - errors: every error a command handler can throw — the SDK exception classes and the string
 *   codes of `genericFault('Code', …)` reachable from the handler through the sandbox's own
 *   functions and methods (a call graph over local/sandbox/, by symbol) — must be one the SDK
 *   declares for that operation (`@throws` in `dist-types/commands/<Op>Command.d.ts`);
 * - outputs: every field of the handler's return type (recursively, through arrays and nested
 *   structures) must exist in the SDK's `<Op>CommandOutput`.
 *
 * The error set is an over-approximation (everything reachable, not only what a given input
 * triggers), which errs on the side of reporting.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';

export interface ModelUnderTest {
  /** The model class's file (for a folder model, its index.ts). */
  file: string;
  className: string;
  /** `@aws-sdk/client-…` package the commands belong to. */
  sdkPackage: string;
}

export interface OperationContract {
  operation: string;
  thrown: string[];
  declared: string[] | undefined;
  undeclaredErrors: string[];
  unknownOutputFields: string[];
}

const ROOT = path.resolve(import.meta.dirname, '../../..');
const SANDBOX_DIR = path.join(ROOT, 'local', 'sandbox') + path.sep;

/** The operation's declared errors, or undefined when the SDK has no command of that name. */
export function declaredErrors(sdkPackage: string, operation: string): string[] | undefined {
  return declaredErrorsIn(commandDts(sdkPackage, operation));
}

function declaredErrorsIn(file: string): string[] | undefined {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
  return [...text.matchAll(/@throws \{@link (\w+)\}/g)].map((m) => m[1] as string);
}

function commandDts(sdkPackage: string, operation: string): string {
  return path.join(ROOT, 'node_modules', sdkPackage, 'dist-types', 'commands', `${operation}Command.d.ts`);
}

/** One program for every model checked (the compiler's work is shared). */
export function checkModels(models: ModelUnderTest[]): Map<string, OperationContract[]> {
  const operationsByModel = new Map<ModelUnderTest, string[]>();
  const roots = models.map((m) => m.file);
  const program = ts.createProgram(roots, {
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    strict: true,
    skipLibCheck: true,
    noEmit: true,
    types: ['node'],
  });
  const checker = program.getTypeChecker();
  const commandsOf = (model: ModelUnderTest) => {
    const source = program.getSourceFile(model.file);
    if (!source) throw new Error(`not in the program: ${model.file}`);
    const declaration = source.statements.find(
      (s): s is ts.ClassDeclaration => ts.isClassDeclaration(s) && s.name?.text === model.className,
    );
    if (!declaration) throw new Error(`no class ${model.className} in ${model.file}`);
    const instance = checker.getTypeAtLocation(declaration);
    const commands = instance.getProperty('commands');
    if (!commands?.valueDeclaration) throw new Error(`${model.className} has no commands`);
    return checker.getPropertiesOfType(checker.getTypeOfSymbol(commands));
  };
  for (const model of models)
    operationsByModel.set(
      model,
      commandsOf(model).map((c) => c.name),
    );

  // The SDK output types: the models import their clients, so the command declarations are
  // usually in the program already; the others get a second, declarations-only program.
  const missing = models.flatMap((m) =>
    (operationsByModel.get(m) ?? [])
      .map((op) => commandDts(m.sdkPackage, op))
      .filter((file) => !program.getSourceFile(file) && declaredErrorsIn(file) !== undefined),
  );
  const extra =
    missing.length === 0
      ? undefined
      : ts.createProgram(missing, { ...program.getCompilerOptions(), types: [] });
  const sdkOutput = (sdkPackage: string, operation: string) => {
    const file = commandDts(sdkPackage, operation);
    const owner = program.getSourceFile(file) ? program : extra;
    const source = owner?.getSourceFile(file);
    const ownerChecker = owner?.getTypeChecker();
    const moduleSymbol = source && ownerChecker?.getSymbolAtLocation(source);
    const symbol = moduleSymbol
      ? ownerChecker?.getExportsOfModule(moduleSymbol).find((s) => s.name === `${operation}CommandOutput`)
      : undefined;
    return symbol && ownerChecker
      ? { type: ownerChecker.getDeclaredTypeOfSymbol(symbol), checker: ownerChecker }
      : undefined;
  };

  // The call graph follows the sandbox's code and the models' own folders (a test fixture's).
  const codeDirs = [SANDBOX_DIR, ...models.map((m) => path.dirname(m.file) + path.sep)];
  const result = new Map<string, OperationContract[]>();
  for (const model of models) {
    const contracts: OperationContract[] = [];
    for (const command of commandsOf(model)) {
      const declaration = command.valueDeclaration;
      if (!declaration) continue;
      const thrown = [...errorsReachableFrom(checker, declaration, codeDirs)].sort();
      const declared = declaredErrors(model.sdkPackage, command.name);
      const allowed = new Set(declared ?? []);
      const returned = handlerReturnType(checker, command, declaration);
      const output = sdkOutput(model.sdkPackage, command.name);
      contracts.push({
        operation: command.name,
        thrown,
        declared,
        undeclaredErrors: declared === undefined ? [] : thrown.filter((name) => !allowed.has(name)),
        unknownOutputFields:
          returned && output ? unknownFields(checker, returned, output.checker, output.type, '') : [],
      });
    }
    result.set(model.className, contracts);
  }
  return result;
}

/** The handler's result, awaited. */
function handlerReturnType(
  checker: ts.TypeChecker,
  command: ts.Symbol,
  declaration: ts.Declaration,
): ts.Type | undefined {
  const type = checker.getTypeOfSymbolAtLocation(command, declaration);
  const signature = type.getCallSignatures()[0];
  if (!signature) return undefined;
  const returned = signature.getReturnType();
  return checker.getAwaitedType(returned) ?? returned;
}

/**
 * The error names reachable from a node: SDK exception classes referenced, `genericFault` string
 * codes, and the same for every sandbox function, method or constant the node refers to.
 */
function errorsReachableFrom(checker: ts.TypeChecker, start: ts.Node, codeDirs: string[]): Set<string> {
  const errors = new Set<string>();
  const visited = new Set<ts.Node>();
  const visitDeclaration = (declaration: ts.Declaration) => {
    if (visited.has(declaration)) return;
    const file = declaration.getSourceFile().fileName;
    if (codeDirs.some((dir) => path.resolve(file).startsWith(dir))) {
      // Code only: a parameter or a class is not followed (its type would pull in every method).
      const code =
        ts.isFunctionDeclaration(declaration) ||
        ts.isMethodDeclaration(declaration) ||
        ts.isVariableDeclaration(declaration) ||
        ts.isPropertyDeclaration(declaration) ||
        ts.isGetAccessorDeclaration(declaration);
      if (!code) return;
      visited.add(declaration);
      walk(declaration);
      return;
    }
    if (ts.isClassDeclaration(declaration) && /[\\/]@aws-sdk[\\/]client-/.test(file)) {
      const name = declaration.name?.text;
      if (
        name &&
        /(Exception|Fault|Error|Required|NotFound)$/.test(name) &&
        !name.endsWith('ServiceException')
      ) {
        errors.add(name);
      }
    }
  };
  const walk = (node: ts.Node): void => {
    if (ts.isTypeNode(node)) return;
    if (
      ts.isCallExpression(node) &&
      ts.isIdentifier(node.expression) &&
      node.expression.text === 'genericFault'
    ) {
      const code = node.arguments[0];
      if (code && ts.isStringLiteralLike(code)) errors.add(code.text);
    }
    if (ts.isIdentifier(node) && !isDeclarationName(node)) {
      let symbol = checker.getSymbolAtLocation(node);
      if (symbol && symbol.flags & ts.SymbolFlags.Alias) symbol = checker.getAliasedSymbol(symbol);
      for (const declaration of symbol?.declarations ?? []) visitDeclaration(declaration);
    }
    ts.forEachChild(node, walk);
  };
  walk(start);
  return errors;
}

function isDeclarationName(node: ts.Identifier): boolean {
  const parent = node.parent;
  return (
    (ts.isPropertyAssignment(parent) || ts.isVariableDeclaration(parent) || ts.isParameter(parent)) &&
    parent.name === node
  );
}

/** Field paths of `model` that `sdk` does not have (`Users[].Bogus`). */
function unknownFields(
  checker: ts.TypeChecker,
  model: ts.Type,
  sdkChecker: ts.TypeChecker,
  sdk: ts.Type,
  at: string,
): string[] {
  const modelParts = objectParts(checker, model);
  const sdkParts = objectParts(sdkChecker, sdk);
  if (modelParts.length === 0 || sdkParts.length === 0) return [];
  // An SDK map (`Record<string, T>`) takes any key.
  if (sdkParts.some((t) => t.getStringIndexType())) return [];
  const problems = new Set<string>();
  for (const part of modelParts) {
    for (const property of checker.getPropertiesOfType(part)) {
      if (property.name === '$metadata') continue;
      const field = at ? `${at}.${property.name}` : property.name;
      const sdkProperty = sdkParts.map((t) => t.getProperty(property.name)).find(Boolean);
      if (!sdkProperty) {
        problems.add(field);
        continue;
      }
      const declaration = property.valueDeclaration ?? property.declarations?.[0];
      const sdkDeclaration = sdkProperty.valueDeclaration ?? sdkProperty.declarations?.[0];
      if (!declaration || !sdkDeclaration) continue;
      const inner = elementOrSelf(checker, checker.getTypeOfSymbolAtLocation(property, declaration));
      const sdkInner = elementOrSelf(
        sdkChecker,
        sdkChecker.getTypeOfSymbolAtLocation(sdkProperty, sdkDeclaration),
      );
      const suffix = inner.array ? '[]' : '';
      for (const problem of unknownFields(checker, inner.type, sdkChecker, sdkInner.type, field + suffix)) {
        problems.add(problem);
      }
    }
  }
  return [...problems];
}

/** The object members of a type (undefined/null and primitives dropped; Dates are not structures). */
function objectParts(checker: ts.TypeChecker, type: ts.Type): ts.Type[] {
  const parts = type.isUnion() ? type.types : [type];
  return parts.filter(
    (t) =>
      t.flags & ts.TypeFlags.Object &&
      !checker.isArrayType(t) &&
      t.getSymbol()?.name !== 'Date' &&
      t.getSymbol()?.name !== 'Uint8Array' &&
      t.getCallSignatures().length === 0,
  );
}

function elementOrSelf(checker: ts.TypeChecker, type: ts.Type): { type: ts.Type; array: boolean } {
  const parts = type.isUnion() ? type.types : [type];
  const array = parts.find((t) => checker.isArrayType(t));
  if (array) {
    const element = checker.getTypeArguments(array as ts.TypeReference)[0];
    if (element) return { type: element, array: true };
  }
  return { type, array: false };
}
