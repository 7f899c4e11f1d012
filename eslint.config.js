import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/**
 * The layers (docs/architecture.md) as import rules: what a folder may not import. A lint error
 * here means a dependency points the wrong way; test/unit/conventions/layers.test.ts proves each
 * rule fires.
 */
const AWS_SDK = {
  group: ['@aws-sdk/*', '@smithy/*', 'aws-sdk'],
  message: 'core is pure: AWS calls belong in functions/aws (an adapter behind a port).',
};
const EMULATOR = {
  group: ['**/local/**', '**/local/*'],
  message: 'production code never imports the development emulator (local/).',
};
const CLI = { group: ['**/bin/**', '**/bin/*'], message: 'only the CLI imports the CLI.' };
const CLI_ENTRY = {
  group: [
    '**/bin/cli/main.js',
    '**/bin/cli/**/*-commands.js',
    '**/bin/cli/*-commands.js',
    '**/bin/cli/commands.js',
  ],
  message: 'the demo plays the operator through the CLI actions, never through the command wiring.',
};
const INFRA = { group: ['**/infra/**', '**/infra/*'], message: 'only the CDK app imports infra/.' };
const TESTS = { group: ['**/test/**', '**/test/*'], message: 'production code never imports tests.' };
const ADAPTERS = {
  group: ['**/aws/**', '**/aws/*', '**/commons/**', '**/commons/*'],
  message: 'core is pure: it takes plain data; adapters and Powertools stay outside.',
};
const USE_CASES = {
  group: ['**/use-cases/**', '**/use-cases/*'],
  message: 'use cases sit above core and the adapters: handlers, the CLI and the emulator call them.',
};
const SDK_OUTSIDE_ADAPTERS = {
  ...AWS_SDK,
  message: 'only the adapters (functions/aws) talk to the AWS SDK; they return outcomes, not SDK exceptions.',
};
const HANDLERS = {
  group: ['../../*/handler.js', '../*/handler.js', '**/handler.js'],
  message: 'a handler is an entry point: import the code it calls, not the handler.',
};
const IO_MODULES = [
  'node:fs',
  'node:fs/promises',
  'node:child_process',
  'node:net',
  'node:http',
  'node:https',
  'node:os',
  'fs',
  'child_process',
].map((name) => ({
  name,
  message: 'core is pure: no I/O (files, processes, network); take the data as an argument.',
}));

const ZOD_NAMED_Z = {
  selector:
    "ImportDeclaration[source.value=/^zod(\\/mini)?$/][importKind!='type'] > ImportSpecifier[imported.name='z']",
  message:
    "Use `import * as z from 'zod'` (or 'zod/mini'): the named `z` keeps every zod locale in a bundle (+360 KB, docs/cold-start.md).",
};

const ZOD_FULL_API = {
  selector: "ImportDeclaration[source.value='zod']",
  message:
    "Lambda code uses `import * as z from 'zod/mini'`: the full zod API costs every bundle ~70 KB and ~10 ms of its cold start (docs/cold-start.md).",
};

export const layerRules = [
  {
    files: ['functions/core/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: IO_MODULES,
          patterns: [AWS_SDK, ADAPTERS, USE_CASES, EMULATOR, CLI, INFRA, TESTS, HANDLERS],
        },
      ],
    },
  },
  {
    files: ['functions/aws/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [USE_CASES, EMULATOR, CLI, INFRA, TESTS, HANDLERS] }],
    },
  },
  {
    files: ['functions/**/*.ts'],
    ignores: ['functions/core/**', 'functions/aws/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: [SDK_OUTSIDE_ADAPTERS, EMULATOR, CLI, INFRA, TESTS, HANDLERS] },
      ],
    },
  },
  {
    files: ['workflows/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: [EMULATOR, CLI, INFRA, TESTS] }] },
  },
  {
    files: ['infra/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: [EMULATOR, CLI, TESTS] }] },
  },
  // The operator CLI runs workflows locally (the emulator) or on AWS, and reaches AWS only
  // through the adapters, like the Lambdas do.
  {
    files: ['bin/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              ...AWS_SDK,
              message: 'the CLI reaches AWS through the adapters (functions/aws), as the Lambdas do.',
            },
            INFRA,
            TESTS,
          ],
        },
      ],
    },
  },
  {
    files: ['local/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: [CLI, INFRA, TESTS] }] },
  },
  // The demo narrates what an operator does, so it calls the CLI's actions (bin/cli/<group>/*),
  // the same code the commands call; the rest of the emulator stays below the CLI.
  {
    files: ['local/demo/**/*.ts', 'local/demo.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: [CLI_ENTRY, INFRA, TESTS] }] },
  },
];

export default tseslint.config(
  { ignores: ['node_modules/', 'dist/', 'cdk.out/', 'coverage/', 'reports/', '.stryker-tmp/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      globals: {
        process: 'readonly',
        console: 'readonly',
        Buffer: 'readonly',
        setTimeout: 'readonly',
        clearTimeout: 'readonly',
        URL: 'readonly',
        setImmediate: 'readonly',
        structuredClone: 'readonly',
      },
    },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-restricted-syntax': ['error', ZOD_NAMED_Z],
    },
  },
  {
    files: ['functions/**/*.ts'],
    rules: { 'no-restricted-syntax': ['error', ZOD_NAMED_Z, ZOD_FULL_API] },
  },
  ...layerRules,
  // A promise whose executor takes no `resolve` never settles: a hang. In a test's handler the
  // sandbox runner cannot tell it from slow real work and waits its 30 s real-time allowance
  // (local/runner/local-state-machine.ts); hangForever() tells it, so the timeout comes on the
  // sandbox clock. The rule repeats the zod rule because a later no-restricted-syntax replaces it.
  {
    files: ['test/**/*.ts', 'local/**/*.ts', 'bench/**/*.mjs'],
    ignores: ['local/sandbox/faults.ts'],
    rules: {
      'no-restricted-syntax': [
        'error',
        ZOD_NAMED_Z,
        {
          selector: 'NewExpression[callee.name="Promise"] > :function[params.length=0]',
          message:
            'a promise that can never settle is a hang: use hangForever() (local/sandbox/faults.ts), which the sandbox runner times out on its own clock.',
        },
      ],
    },
  },
);
