/**
 * Every IAM role in the synthesized stack, summarized per principal that uses it: each Lambda
 * function (`lambda/<FunctionName>`), each state machine (`states/<StateMachineName>`) and any
 * other role (`role/<logical ID>`). The summary is what the role may do: who assumes it, its
 * managed policies and every statement of every policy attached to it, with CloudFormation
 * intrinsics written out as `${LogicalId}` / `${LogicalId.Attr}` so it reads and diffs as text.
 *
 * test/infra/iam-exact.test.ts compares these summaries with the reviewed files in
 * test/infra/iam-expectations/; `npm run iam:update` rewrites those files (see that test's header).
 */
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { buildApp } from '../../infra/app.js';

export interface PolicyStatement {
  Effect: string;
  Action?: string[];
  NotAction?: string[];
  Resource?: string[];
  NotResource?: string[];
  Condition?: unknown;
}

export interface RoleSummary {
  role: string;
  assumedBy: string[];
  managedPolicies: string[];
  statements: PolicyStatement[];
}

type Resource = { Type: string; Properties?: Record<string, unknown> };
type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** Synthesizes the example stack (without bundling: assets do not change a policy). */
export function synthesizedResources(): Record<string, Resource> {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  const template = Template.fromStack(buildApp(app).stack).toJSON() as {
    Resources: Record<string, Resource>;
  };
  return template.Resources;
}

/** Role summaries keyed `lambda/<name>`, `states/<name>` or `role/<logical ID>`, sorted by key. */
export function roleSummaries(resources: Record<string, Resource>): Map<string, RoleSummary> {
  const users = new Map<string, string>();
  for (const [id, resource] of Object.entries(resources)) {
    const props = resource.Properties ?? {};
    const roleId = refOf(props.Role ?? props.RoleArn);
    if (roleId === undefined) continue;
    if (resource.Type === 'AWS::Lambda::Function')
      users.set(roleId, `lambda/${String(props.FunctionName ?? id)}`);
    if (resource.Type === 'AWS::StepFunctions::StateMachine')
      users.set(roleId, `states/${String(props.StateMachineName ?? id)}`);
  }
  const summaries = new Map<string, RoleSummary>();
  for (const [roleId, role] of Object.entries(resources)) {
    if (role.Type !== 'AWS::IAM::Role') continue;
    const props = role.Properties ?? {};
    const documents = [
      ...((props.Policies as { PolicyDocument: unknown }[] | undefined) ?? []).map((p) => p.PolicyDocument),
      ...Object.values(resources)
        .filter(
          (r) =>
            (r.Type === 'AWS::IAM::Policy' || r.Type === 'AWS::IAM::ManagedPolicy') &&
            ((r.Properties?.Roles as unknown[] | undefined) ?? []).some((ref) => refOf(ref) === roleId),
        )
        .map((r) => r.Properties?.PolicyDocument),
    ];
    const statements = documents
      .flatMap((doc) => [(doc as { Statement: unknown }).Statement].flat())
      .map((s) => normalizeStatement(s as Record<string, Json>));
    summaries.set(users.get(roleId) ?? `role/${roleId}`, {
      role: roleId,
      assumedBy: sorted(
        [(props.AssumeRolePolicyDocument as { Statement: unknown }).Statement]
          .flat()
          .flatMap((s) => principalsOf(s as Record<string, Json>)),
      ),
      managedPolicies: sorted(
        ((props.ManagedPolicyArns as Json[] | undefined) ?? []).map((arn) => render(arn) as string),
      ),
      statements: statements.sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b))),
    });
  }
  return new Map([...summaries].sort(([a], [b]) => a.localeCompare(b)));
}

/** One line per action and resource a summary allows or denies: what a widened grant adds. */
export function grantLines(summary: RoleSummary): string[] {
  const lines = summary.statements.flatMap((s) => {
    const condition = s.Condition === undefined ? '' : ` when ${JSON.stringify(s.Condition)}`;
    const actions = s.Action ?? (s.NotAction ?? []).map((a) => `NOT ${a}`);
    const resources = s.Resource ?? (s.NotResource ?? []).map((r) => `NOT ${r}`);
    return actions.flatMap((a) => resources.map((r) => `${s.Effect} ${a} on ${r}${condition}`));
  });
  const roleLines = [
    ...summary.assumedBy.map((p) => `assumed by ${p}`),
    ...summary.managedPolicies.map((p) => `managed policy ${p}`),
  ];
  return sorted([...roleLines, ...lines]);
}

/** The file of a summary key under the expectations directory: `lambda/cachegate-x` → `lambda/cachegate-x.json`. */
export const expectationFile = (key: string): string => `${key}.json`;

function normalizeStatement(statement: Record<string, Json>): PolicyStatement {
  const out: PolicyStatement = { Effect: String(statement.Effect) };
  for (const field of ['Action', 'NotAction', 'Resource', 'NotResource'] as const) {
    const value = statement[field];
    if (value !== undefined) out[field] = sorted([value].flat().map((v) => render(v) as string));
  }
  if (statement.Condition !== undefined) out.Condition = render(statement.Condition);
  return out;
}

function principalsOf(statement: Record<string, Json>): string[] {
  const principal = statement.Principal;
  if (
    principal === undefined ||
    principal === null ||
    typeof principal !== 'object' ||
    Array.isArray(principal)
  )
    return [String(render(principal ?? ''))];
  return Object.entries(principal).flatMap(([kind, value]) =>
    [value].flat().map((v) => `${kind}:${String(render(v))}`),
  );
}

/** CloudFormation intrinsics as text: `${Id}`, `${Id.Attr}`, joins and subs written out. */
function render(value: Json): Json {
  if (Array.isArray(value)) return value.map(render);
  if (value === null || typeof value !== 'object') return value;
  const keys = Object.keys(value);
  if (keys.length === 1) {
    const [key] = keys as [string];
    const arg = value[key] as Json;
    if (key === 'Ref') return `\${${String(arg)}}`;
    if (key === 'Fn::GetAtt') return `\${${[arg].flat().join('.')}}`;
    if (key === 'Fn::Join' && Array.isArray(arg)) {
      const [separator, parts] = arg as [string, Json[]];
      return parts.map((part) => asText(render(part))).join(separator);
    }
    if (key === 'Fn::Sub')
      return Array.isArray(arg)
        ? `${asText(arg[0])} with ${JSON.stringify(render(arg[1] ?? null))}`
        : asText(arg);
    if (key.startsWith('Fn::')) return `\${${key}(${JSON.stringify(arg)})}`;
  }
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, render(v)]));
}

const asText = (value: Json | undefined): string =>
  typeof value === 'string' ? value : JSON.stringify(value);

function refOf(value: unknown): string | undefined {
  if (value === null || typeof value !== 'object') return undefined;
  const v = value as { Ref?: unknown; 'Fn::GetAtt'?: unknown };
  if (typeof v.Ref === 'string') return v.Ref;
  const att = v['Fn::GetAtt'];
  return Array.isArray(att) && typeof att[0] === 'string' ? att[0] : undefined;
}

const sorted = (items: string[]): string[] => [...new Set(items)].sort();
