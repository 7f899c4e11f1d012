import { describe, expect, it } from '@jest/globals';
import {
  APPROVE_ACTION,
  approvalRequestMessage,
  parseSlackInteraction,
} from '../../../functions/core/api/slack-interaction.js';
import {
  BadSlackSignatureError,
  MissingSlackSignatureError,
  slackSignature,
  StaleSlackTimestampError,
  verifySlackRequest,
} from '../../../functions/core/slack-signature.js';

const SECRET = '8f742231b10e8888abcd99yyyzzz85a5';
const NOW = new Date('2025-03-01T12:00:00Z');
const ts = (offsetSeconds = 0) => String(Math.floor(NOW.getTime() / 1000) + offsetSeconds);
const body = 'payload=%7B%22type%22%3A%22block_actions%22%7D';

describe('Slack v0 request signatures', () => {
  it('matches Slack’s documented example', () => {
    // https://api.slack.com/authentication/verifying-requests-from-slack (worked example)
    const exampleBody =
      'token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c';
    expect(slackSignature(SECRET, '1531420618', exampleBody)).toBe(
      'v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503',
    );
  });

  it('accepts a correctly signed request inside the window, either side of now', () => {
    for (const offset of [0, -299, 299]) {
      const t = ts(offset);
      expect(() =>
        verifySlackRequest(
          { timestamp: t, signature: slackSignature(SECRET, t, body), rawBody: body },
          SECRET,
          NOW,
        ),
      ).not.toThrow();
    }
  });

  it('refuses a forged signature and a tampered body', () => {
    const t = ts();
    const forged = slackSignature('another-secret-entirely', t, body);
    expect(() => verifySlackRequest({ timestamp: t, signature: forged, rawBody: body }, SECRET, NOW)).toThrow(
      BadSlackSignatureError,
    );
    const good = slackSignature(SECRET, t, body);
    expect(() =>
      verifySlackRequest({ timestamp: t, signature: good, rawBody: `${body}x` }, SECRET, NOW),
    ).toThrow(BadSlackSignatureError);
  });

  it('refuses a timestamp more than 5 minutes old or in the future, even with a valid signature', () => {
    for (const offset of [-301, 301, -86_400]) {
      const t = ts(offset);
      expect(() =>
        verifySlackRequest(
          { timestamp: t, signature: slackSignature(SECRET, t, body), rawBody: body },
          SECRET,
          NOW,
        ),
      ).toThrow(StaleSlackTimestampError);
    }
  });

  it('refuses missing or malformed headers without comparing anything', () => {
    const t = ts();
    const good = slackSignature(SECRET, t, body);
    expect(() =>
      verifySlackRequest({ timestamp: undefined, signature: good, rawBody: body }, SECRET, NOW),
    ).toThrow(MissingSlackSignatureError);
    expect(() =>
      verifySlackRequest({ timestamp: '12e3', signature: good, rawBody: body }, SECRET, NOW),
    ).toThrow(MissingSlackSignatureError);
    expect(() =>
      verifySlackRequest({ timestamp: t, signature: 'v1=abc', rawBody: body }, SECRET, NOW),
    ).toThrow(MissingSlackSignatureError);
  });

  it('never puts the secret in an error message', () => {
    let thrown: unknown;
    try {
      verifySlackRequest({ timestamp: ts(), signature: `v0=${'0'.repeat(64)}`, rawBody: body }, SECRET, NOW);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(BadSlackSignatureError);
    expect((thrown as Error).message).not.toContain(SECRET);
  });
});

describe('Slack interaction payloads', () => {
  const payload = (overrides: Record<string, unknown> = {}) =>
    new URLSearchParams({
      payload: JSON.stringify({
        type: 'block_actions',
        user: { id: 'U0ALICE' },
        container: { channel_id: 'C1', message_ts: '1.2' },
        actions: [{ action_id: APPROVE_ACTION, value: 'AP-ABCDEFGHJK' }],
        ...overrides,
      }),
    }).toString();

  it('takes the approver from the signed payload and the approval ID from the button', () => {
    expect(parseSlackInteraction(payload())).toEqual({
      approvalId: 'AP-ABCDEFGHJK',
      approver: 'U0ALICE',
      decision: 'APPROVED',
      message: { channel: 'C1', ts: '1.2' },
    });
  });

  it('names the bad field', () => {
    expect(() => parseSlackInteraction('nothing=here')).toThrow(/payload: form field is required/);
    expect(() => parseSlackInteraction('payload=%7B')).toThrow(/payload: must be JSON/);
    expect(() =>
      parseSlackInteraction(payload({ actions: [{ action_id: 'x', value: 'AP-ABCDEFGHJK' }] })),
    ).toThrow(/payload\.actions\.0\.action_id/);
    expect(() =>
      parseSlackInteraction(payload({ actions: [{ action_id: APPROVE_ACTION, value: 'task-token-abc' }] })),
    ).toThrow(/payload\.actions\.0\.value: must be an approval ID/);
  });

  it('puts only the approval ID on the buttons', () => {
    const message = approvalRequestMessage('C1', {
      approvalId: 'AP-ABCDEFGHJK',
      requestId: 'req-1',
      requester: 'bob',
      justification: 'incident 4711',
      kind: { type: 'vpn-certificate', commonName: 'bob' },
    });
    const buttons = JSON.stringify(message.blocks).match(/"value":"[^"]*"/g);
    expect(buttons).toEqual(['"value":"AP-ABCDEFGHJK"', '"value":"AP-ABCDEFGHJK"']);
  });
});
