import { beforeAll, describe, expect, it } from '@jest/globals';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { API_ROUTES } from '../../local/serve/api-gateway.js';
import { workflowNames, readAsl } from '../../workflows/asl-files.js';
import { functionNameOf, placeholdersOf } from '../../workflows/placeholders.js';
import { repoRoot } from '../../workflows/repo-root.js';
import { apiSampleName } from '../api-samples.js';
import { synthesizedResources } from './iam-policies.js';

/**
 * The repository's conventions, checked rather than hoped for (docs/architecture.md):
 * - every folder of functions/ (other than core, aws, commons, use-cases) is one deployed Lambda
 *   with a handler, and every deployed Lambda is one such folder;
 * - every workflow and every API route has a sample event in events/ that a test loads;
 * - the local API (cachegate serve) and the CDK API declare the same routes, served by the
 *   same Lambdas;
 * - one spelling (US English) in every name that becomes a deployed name.
 */
const root = repoRoot();
type Resource = { Type: string; Properties?: Record<string, unknown> };
let resources: Record<string, Resource>;
beforeAll(() => {
  resources = synthesizedResources();
});

const NOT_LAMBDAS = new Set(['core', 'aws', 'commons', 'use-cases']);
const functionFolders = () =>
  readdirSync(join(root, 'functions'), { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && !NOT_LAMBDAS.has(entry.name))
    .map((entry) => entry.name)
    .sort();

/** Every test file's text, to find which sample events the tests load. */
function testSources(dir = join(root, 'test')): string {
  return readdirSync(dir, { withFileTypes: true })
    .map((entry) => {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) return entry.name === 'iam-expectations' ? '' : testSources(path);
      return /\.(ts|mjs|js)$/.test(entry.name) ? readFileSync(path, 'utf8') : '';
    })
    .join('\n');
}

describe('function folders are Lambdas', () => {
  it('each folder has a handler.ts and is deployed as cachegate-<folder>, and nothing else is', () => {
    const deployed = Object.values(resources)
      .filter((r) => r.Type === 'AWS::Lambda::Function')
      .map((r) => String(r.Properties?.FunctionName ?? ''))
      .filter((name) => name.startsWith('cachegate-'))
      .map((name) => name.slice('cachegate-'.length))
      .sort();
    const folders = functionFolders();
    expect(folders.filter((f) => !existsSync(join(root, 'functions', f, 'handler.ts')))).toEqual([]);
    expect(deployed).toEqual([...new Set(folders)]);
  });

  it('every ${XxxFunctionArn} placeholder of every workflow names an existing folder', () => {
    const missing = workflowNames().flatMap((workflow) =>
      placeholdersOf(readAsl(workflow))
        .map(functionNameOf)
        .filter((name): name is string => name !== undefined)
        .filter((name) => !existsSync(join(root, 'functions', name, 'handler.ts')))
        .map((name) => `${workflow}: ${name}`),
    );
    expect(missing).toEqual([]);
  });
});

describe('sample events', () => {
  const sources = testSources();

  it.each(workflowNames())('workflow %s has events/<name>.json, and a test loads it', (workflow) => {
    const file = join(root, 'events', `${workflow}.json`);
    expect(existsSync(file)).toBe(true);
    expect(() => JSON.parse(readFileSync(file, 'utf8'))).not.toThrow();
    const loaded =
      sources.includes(`events/${workflow}.json`) ||
      new RegExp(`sampleInput(<[^(]*?>)?\\(\\s*'${workflow}'`).test(sources);
    expect(loaded).toBe(true);
  });

  it.each(API_ROUTES.map((r) => [`${r.method} ${r.resource}`, r] as const))(
    'API route %s has a sample proxy event in events/api/ that matches the route',
    (_, route) => {
      const file = join(root, 'events', 'api', `${apiSampleName(route)}.json`);
      expect(existsSync(file)).toBe(true);
      const event = JSON.parse(readFileSync(file, 'utf8')) as {
        httpMethod: string;
        resource: string;
        path: string;
        pathParameters: Record<string, string> | null;
      };
      expect([event.httpMethod, event.resource]).toEqual([route.method, route.resource]);
      const params = route.resource.match(/\{(\w+)\}/g)?.map((p) => p.slice(1, -1)) ?? [];
      expect(Object.keys(event.pathParameters ?? {})).toEqual(params);
      const expanded = params.reduce(
        (path, name) => path.replace(`{${name}}`, event.pathParameters?.[name] ?? ''),
        route.resource,
      );
      expect(event.path).toBe(expanded);
    },
  );
});

describe('the local API and the CDK API agree', () => {
  it('same methods on the same resources, served by the same Lambdas', () => {
    const paths = new Map<string, string>();
    const pathOf = (ref: unknown): string => {
      const id = (ref as { Ref?: string }).Ref;
      if (!id) return ''; // the API's root resource (Fn::GetAtt RootResourceId)
      const cached = paths.get(id);
      if (cached !== undefined) return cached;
      const props = resources[id]?.Properties ?? {};
      const path = `${pathOf(props.ParentId)}/${String(props.PathPart)}`;
      paths.set(id, path);
      return path;
    };
    const functionNameOf = (logicalId: string) => String(resources[logicalId]?.Properties?.FunctionName);
    const deployed = Object.values(resources)
      .filter((r) => r.Type === 'AWS::ApiGateway::Method' && r.Properties?.HttpMethod !== 'OPTIONS')
      .map((r) => {
        const uri = JSON.stringify((r.Properties?.Integration as { Uri?: unknown } | undefined)?.Uri ?? '');
        const lambda = /"Fn::GetAtt":\["([^"]+)","Arn"\]/.exec(uri)?.[1];
        return {
          method: String(r.Properties?.HttpMethod),
          resource: pathOf(r.Properties?.ResourceId) || '/',
          lambda: lambda ? functionNameOf(lambda).replace(/^cachegate-/, '') : 'none',
        };
      });
    const key = (r: { method: string; resource: string; lambda: string }) =>
      `${r.method} ${r.resource} → ${r.lambda}`;
    expect(deployed.map(key).sort()).toEqual(API_ROUTES.map(key).sort());
  });
});

describe('one spelling', () => {
  // British forms that have crept into names before (summarise-rotation); names become deployed
  // function and state names, so one spelling is what an operator searches for.
  const BRITISH =
    /summaris|initialis|authoris|organis|recognis|normalis|serialis|finalis|behaviour|colour|cancell/i;

  it('no function folder, workflow, state or placeholder name uses a British spelling', () => {
    const names = [
      ...functionFolders(),
      ...workflowNames(),
      ...workflowNames().flatMap((w) => collectStateNames(readAsl(w))),
    ];
    expect(names.filter((n) => BRITISH.test(n))).toEqual([]);
  });

  it('the check fires on a British name', () => {
    expect(BRITISH.test('SummariseRotation')).toBe(true);
  });
});

function collectStateNames(text: string): string[] {
  const names: string[] = [];
  const walk = (node: unknown): void => {
    if (!node || typeof node !== 'object') return;
    const states = (node as { States?: Record<string, unknown> }).States;
    if (states) {
      for (const [name, state] of Object.entries(states)) {
        names.push(name);
        walk(state);
      }
    }
    for (const value of Object.values(node)) if (value && typeof value === 'object') walk(value);
  };
  walk(JSON.parse(text));
  return names;
}
