import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { getRequest } from '../../functions/aws/access-requests-table.js';
import { setSlackNotifier } from '../../functions/aws/slack-notifier.js';
import { executionArnFor } from '../../functions/core/api/workflow-arns.js';
import { decideApproval } from '../../functions/use-cases/decide-approval.js';
import type { Sandbox } from '../../local/sandbox/index.js';
import type { StepFunctionsModel } from '../../local/sandbox/models/step-functions.js';
import { invokeRoute } from '../../local/serve/api-gateway.js';
import type { LocalTriggers } from '../../local/serve/local-triggers.js';
import { stateMachineArn } from '../../local/workflows.js';
import { startAccessRequestSandbox, waitFor } from './access-request-fixture.js';
import { testCsr } from '../unit/pki/ca-fixture.js';

/*
 * The access-request API as an attacker sees it: hostile bodies, content types, keys and values.
 * Each must be refused with a 4xx whose message names the field, before anything is recorded, no
 * approval is asked and no workflow starts. Then the regression for a grant hidden from the
 * approver: what Slack shows is the normalised access string and what it means.
 */
const BOB = { iamArn: 'arn:aws:iam::111111111111:user/bob' };

let sandbox: Sandbox;
let triggers: LocalTriggers;

beforeAll(async () => {
  ({ sandbox, triggers } = await startAccessRequestSandbox({ approvers: ['U0ALICE'] }));
});
afterAll(async () => {
  setSlackNotifier(undefined);
  await sandbox.close();
});

const cacheUser = {
  type: 'cache-user',
  userId: 'orders-reader',
  userName: 'orders-reader',
  accessString: 'on ~orders:* -@all +@read',
  userGroupIds: ['orders-group'],
};
const justification = 'read access to the orders cache for incident 4711';
const withKind = (changes: Record<string, unknown>) => ({
  kind: { ...cacheUser, ...changes },
  justification,
});
const vpn = (changes: Record<string, unknown>) => ({
  kind: { type: 'vpn-certificate', commonName: 'bob-laptop', ...changes },
  justification,
});

interface Case {
  what: string;
  body: string | object;
  headers?: Record<string, string>;
  status: number;
  field: string;
}

const HIDDEN = [
  '\u0000',
  '\u0007',
  '\b',
  '\t',
  '\n',
  '\r',
  '\u001b',
  '\u007f',
  '\u0085',
  '\u009b',
  '\u00ad',
  '\u061c',
  '\u200b',
  '\u200d',
  '\u200e',
  '\u200f',
  '\u2028',
  '\u2029',
  '\u202a',
  '\u202e',
  '\u2066',
  '\u2069',
  '\ufeff',
  '\u180e',
];

function hostileCases(): Case[] {
  const cases: Case[] = [];
  const add = (
    what: string,
    body: string | object,
    status: number,
    field: string,
    headers?: Record<string, string>,
  ) => cases.push({ what, body, status, field, ...(headers ? { headers } : {}) });
  const valid = withKind({});

  for (const type of [
    'text/plain',
    'application/x-www-form-urlencoded',
    'multipart/form-data; boundary=x',
    'text/json',
    'application/xml',
    'application/jsonp',
    'application/json-patch+json',
    'application/vnd.api+json',
    'text/html',
    'application/octet-stream',
    '*/*',
    'json',
  ])
    add(`Content-Type ${type}`, valid, 415, 'Content-Type', {
      'content-type': type,
      'Idempotency-Key': 'media-type-key',
    });
  add('no Content-Type', valid, 415, 'Content-Type', { 'Idempotency-Key': 'media-type-key' });

  add('a 65 KiB justification', { ...valid, justification: 'x'.repeat(65 * 1024) }, 413, 'body');
  add('a 1 MiB body', ' '.repeat(1024 * 1024), 413, 'body');
  add('20,000 nested arrays', `${'['.repeat(20_000)}${']'.repeat(20_000)}`, 400, 'body');
  add(
    'nine levels of nesting',
    { ...valid, kind: { ...cacheUser, userName: { a: { b: { c: [[[[1]]]] } } } } },
    400,
    'body',
  );
  add('5,000 nested objects', `${'{"a":'.repeat(5000)}1${'}'.repeat(5000)}`, 400, 'body');
  add(
    'nesting inside kind',
    { ...valid, kind: { ...cacheUser, userName: { a: { b: [1] } } } },
    400,
    'kind.userName',
  );

  for (const char of HIDDEN) {
    const code = `U+${char.codePointAt(0)?.toString(16).padStart(4, '0')}`;
    add(
      `${code} in the justification`,
      { ...valid, justification: `${justification}${char}more text` },
      400,
      'justification',
    );
    add(`${code} in the user name`, withKind({ userName: `orders${char}reader` }), 400, 'kind.userName');
    add(
      `${code} in a group ID`,
      withKind({ userGroupIds: [`orders${char}group`] }),
      400,
      'kind.userGroupIds.0',
    );
    add(
      `${code} in the access string`,
      withKind({ accessString: `on ~orders:* -@all +@read${char}` }),
      400,
      'kind.accessString',
    );
  }
  add(
    'a grant hidden after 40 blank lines',
    withKind({ accessString: `on ~orders:* -@all +@read${'\n'.repeat(40)}+@all allkeys` }),
    400,
    'kind.accessString',
  );
  add(
    'a hidden character in a key',
    `{"kind":${JSON.stringify(cacheUser)},"justification":"${justification}","x\\u202ey":1}`,
    400,
    'x?y',
  );

  for (const key of ['__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty']) {
    add(
      `${key} at the top`,
      `{"${key}":{"isAdmin":true},"kind":${JSON.stringify(cacheUser)},"justification":"${justification}"}`,
      400,
      key,
    );
    add(
      `${key} inside kind`,
      `{"kind":{"${key}":{"type":"admin"},${JSON.stringify(cacheUser).slice(1)},"justification":"${justification}"}`,
      400,
      `kind.${key}`,
    );
  }
  for (const key of ['requester', 'requestId', 'approver', 'decision', 'status'])
    add(`unknown top-level key ${key}`, { ...valid, [key]: 'alice' }, 400, key);
  for (const key of [
    'requester',
    'service',
    'engine',
    'status',
    'approvedBy',
    'passwords',
    'noPasswordRequired',
  ])
    add(`unknown cache-user key ${key}`, withKind({ [key]: 'x' }), 400, `kind.${key}`);
  for (const key of ['requester', 'privateKey', 'days'])
    add(`unknown vpn-certificate key ${key}`, vpn({ [key]: 'x' }), 400, `kind.${key}`);

  for (const userId of [
    '',
    '1reader',
    'a--b',
    'reader-',
    'r'.repeat(41),
    'read_er',
    'read er',
    'rea<der',
    'read/er',
    "read'er",
    'lecteur-é',
    'reader`x',
    7,
  ])
    add(`user ID ${JSON.stringify(userId)}`, withKind({ userId }), 400, 'kind.userId');
  for (const userName of ['', 'orders reader', 'n'.repeat(121), null, ['a']])
    add(`user name ${JSON.stringify(userName)}`, withKind({ userName }), 400, 'kind.userName');
  for (const [what, ids, field] of [
    ['no group', [], 'kind.userGroupIds'],
    ['a channel ping', ['<!channel>'], 'kind.userGroupIds.0'],
    ['a phishing link', ['<https://evil.example/approve|Security approval form>'], 'kind.userGroupIds.0'],
    ['a code-span breakout', ['orders`*bold*`'], 'kind.userGroupIds.0'],
    ['a double hyphen', ['orders--group'], 'kind.userGroupIds.0'],
    ['a trailing hyphen', ['orders-'], 'kind.userGroupIds.0'],
    ['a 41-character ID', ['g'.repeat(41)], 'kind.userGroupIds.0'],
    ['a repeated group', ['orders-group', 'orders-group'], 'kind.userGroupIds'],
    ['101 groups', Array.from({ length: 101 }, (_, i) => `group-${i}`), 'kind.userGroupIds'],
    ['a number', [1], 'kind.userGroupIds.0'],
    ['a space', ['orders group'], 'kind.userGroupIds.0'],
    ['a string, not a list', 'orders-group', 'kind.userGroupIds'],
  ] as const)
    add(`group IDs: ${what}`, withKind({ userGroupIds: ids }), 400, field);
  for (const accessString of [
    '',
    'on ~* +@all reset',
    'on >secretpass1234567',
    'on nopass ~* +get',
    'on resetpass ~* +get',
    `on #${'0'.repeat(64)}`,
    'on ~* +config',
    'on ~* +config|set',
    'on ~* +debug',
    'on ~* +shutdown',
    'on ~* +bogus',
    'on ~* +@nosuchcat',
    'on ~* +get extra',
    'on ~* -@all +get|x',
    'on ~* + ',
    'on ~* +@all ~',
    'on ~* +@all clearselectors',
    'on ~* +@all (~x +get)',
    'on %X~* +get',
    'on ~* +@all +select|0',
    'a'.repeat(2049),
    42,
  ])
    add(
      `access string ${JSON.stringify(accessString).slice(0, 40)}`,
      withKind({ accessString }),
      400,
      'kind.accessString',
    );
  for (const commonName of [
    '',
    '-bob',
    'bob/../../etc',
    'bob laptop',
    'c'.repeat(65),
    '<!channel>',
    'bob`x`',
    null,
  ])
    add(`common name ${JSON.stringify(commonName)}`, vpn({ commonName }), 400, 'kind.commonName');
  const good = testCsr();
  for (const [what, csrPem] of [
    ['not PEM', 'hello'],
    ['an empty block', '-----BEGIN CERTIFICATE REQUEST-----\n-----END CERTIFICATE REQUEST-----\n'],
    ['garbage base64', '-----BEGIN CERTIFICATE REQUEST-----\nAAAA\n-----END CERTIFICATE REQUEST-----\n'],
    ['text before the block', `note: mine\n${good}`],
    ['text after the block', `${good}<!channel>\n`],
    ['two blocks', `${good}${good}`],
    ['a certificate label', good.replaceAll('CERTIFICATE REQUEST', 'CERTIFICATE')],
    ['a tab in the base64', good.replace('\n', '\n\t')],
    ['an RSA-1024 key', testCsr({ bits: 1024 })],
    ['an EC key', testCsr({ ec: true })],
    ['a signature that does not verify', testCsr({ tamper: true })],
    ['a truncated request', good.replace(/\n[A-Za-z0-9+/=]+\n-----END/, '\n-----END')],
    ['a number', 7],
  ] as const)
    add(`CSR: ${what}`, vpn({ csrPem }), 400, 'kind.csrPem');

  add('justification too short', { ...valid, justification: 'need it' }, 400, 'justification');
  add('justification too long', { ...valid, justification: 'j'.repeat(1001) }, 400, 'justification');
  add('justification missing', { kind: cacheUser }, 400, 'justification');
  add('justification a number', { ...valid, justification: 1234567890123 }, 400, 'justification');
  add('kind missing', { justification }, 400, 'kind');
  add('kind type admin', withKind({ type: 'admin' }), 400, 'kind.type');
  add('kind a list', { kind: [cacheUser], justification }, 400, 'kind');
  for (const body of [
    '',
    'null',
    '[]',
    '"text"',
    '42',
    'true',
    '{',
    '{"kind":',
    "{'kind':1}",
    '{"kind":1,}',
    'NaN',
    '\u0000',
  ])
    add(`body ${JSON.stringify(body)}`, body, 400, 'body');
  for (const key of ['', 'short', 'with space inside', 'k'.repeat(129), 'semi;colon-key', 'ключ-ключ-ключ'])
    add(`Idempotency-Key ${JSON.stringify(key)}`, valid, 400, 'Idempotency-Key', {
      'content-type': 'application/json',
      ...(key === '' ? {} : { 'Idempotency-Key': key }),
    });
  return cases;
}

describe('hostile requests to POST /access-requests', () => {
  it('answers every one with a 4xx naming the field; nothing is recorded, asked or started', async () => {
    const cases = hostileCases();
    expect(cases.length).toBeGreaterThanOrEqual(150);
    const startsBefore = sandbox.faults.calls('SFN', 'StartExecution');
    const writesBefore = sandbox.faults.calls('DynamoDB', 'PutItem');
    const outcomes: string[] = [];
    for (const [index, c] of cases.entries()) {
      const response = await invokeRoute({
        method: 'POST',
        path: '/access-requests',
        headers: c.headers ?? {
          'content-type': 'application/json',
          'Idempotency-Key': `hostile-${index}-key`,
        },
        body: typeof c.body === 'string' ? c.body : JSON.stringify(c.body),
        identity: BOB,
      });
      const json = JSON.parse(response.body) as { field?: string; message?: string };
      const ok =
        response.statusCode === c.status &&
        json.field === c.field &&
        json.message?.startsWith(`${c.field}: `) === true &&
        !(json.message ?? '').includes('\u0000');
      if (!ok) outcomes.push(`${c.what}: ${response.statusCode} ${response.body.slice(0, 160)}`);
    }
    expect(outcomes).toEqual([]);
    expect(sandbox.faults.calls('SFN', 'StartExecution')).toBe(startsBefore);
    expect(sandbox.faults.calls('DynamoDB', 'PutItem')).toBe(writesBefore);
    expect(triggers.slack.calls).toEqual([]);
  });
});

describe('what the approver is shown', () => {
  it('a grant hidden at the end of the access string is shown normalised, explained and flagged', async () => {
    const response = await invokeRoute({
      method: 'POST',
      path: '/access-requests',
      headers: { 'content-type': 'application/json', 'Idempotency-Key': 'hidden-grant-1' },
      body: JSON.stringify(
        withKind({ accessString: `on ~orders:* -@all +@read ${' '.repeat(300)} +@all allkeys` }),
      ),
      identity: BOB,
    });
    expect(response.statusCode).toBe(202);
    const { requestId } = JSON.parse(response.body) as { requestId: string };
    const message = await waitFor(
      () => triggers.slack.calls.find((c) => c.message.text.includes(requestId))?.message,
      `the approval message of ${requestId}`,
    );
    const shown = JSON.stringify(message.blocks);
    // What will be created is what is shown: the normalised string, stored as such.
    expect((await getRequest(requestId)).kind).toMatchObject({ accessString: 'on ~* +@all' });
    expect(shown).toContain('Access string (normalised): on ~* +@all');
    expect(shown).toContain('keys: every key, read and write');
    expect(shown).toContain('Dangerous grant:* grants every key');
    expect(shown).toContain('Dangerous grant:* grants every command');
    expect(shown).not.toContain('+@read');
    await decideApproval({
      approvalId: (await getRequest(requestId)).approvalId as string,
      approver: 'U0ALICE',
      decision: 'REJECTED',
      allowedApprovers: ['U0ALICE'],
    });
    await sandbox
      .model<StepFunctionsModel>('SFN')
      .waitForExecution(executionArnFor(stateMachineArn(sandbox, 'access-request'), requestId));
  });
});
