import { describe, expect, it } from '@jest/globals';
import { approvalRequestMessage, escapeMrkdwn } from '../../../functions/core/api/slack-interaction.js';
import type { AccessRequestKind } from '../../../functions/core/access-request.js';

type Block = { type: string; text?: { type: string; text: string } };

const PING = '<!channel>';
const PHISHING = '<https://evil.example/approve|Security approval form>';

function message(
  kind: AccessRequestKind,
  requester = 'arn:aws:iam::111111111111:user/bob',
  justification = 'incident 4711, read only',
) {
  return approvalRequestMessage('C0APPROVALS', {
    approvalId: 'AP-ABCDEFGH23',
    requestId: 'req-0123456789abcdef',
    requester,
    justification,
    kind,
  });
}

/** Every text Slack parses as mrkdwn: the notification text and mrkdwn blocks. */
const mrkdwnOf = (m: ReturnType<typeof message>) => [
  m.text,
  ...(m.blocks as Block[]).filter((b) => b.text?.type === 'mrkdwn').map((b) => b.text?.text ?? ''),
];
const plainOf = (m: ReturnType<typeof message>) =>
  (m.blocks as Block[]).filter((b) => b.text?.type === 'plain_text').map((b) => b.text?.text ?? '');

describe('the Slack approval message', () => {
  it('puts no requester-written text into mrkdwn unescaped: no channel ping, no link, no code-span breakout', () => {
    const m = message(
      {
        type: 'cache-user',
        userId: 'orders-reader',
        userName: `reader\`${PING}`,
        accessString: 'on ~`x`* -@all +get',
        userGroupIds: [`${PING} ${PHISHING}`],
      },
      `bob ${PING}\``,
      `urgent ${PHISHING} \`\`\` *approve now*`,
    );
    for (const text of mrkdwnOf(m)) {
      expect(text).not.toMatch(/[<`]/);
      expect(text).not.toContain('https://evil.example');
    }
    expect(mrkdwnOf(m).join('\n')).toContain('bob &lt;!channel&gt;ˋ');
    // plain_text is shown verbatim and parsed for nothing: the approver sees exactly what was sent.
    const plain = plainOf(m).join('\n');
    expect(plain).toContain(`user groups ${PING} ${PHISHING}`);
    expect(plain).toContain(`Justification: urgent ${PHISHING}`);
    expect(
      (m.blocks as { text?: { type: string; emoji?: boolean } }[]).filter(
        (b) => b.text?.type === 'plain_text',
      ),
    ).not.toContainEqual(expect.objectContaining({ text: expect.objectContaining({ emoji: true }) }));
  });

  it('shows the normalised access string, what it means, and a warning per dangerous grant', () => {
    const m = message({
      type: 'cache-user',
      userId: 'orders-reader',
      userName: 'orders-reader',
      accessString: 'on ~orders:* +@read +flushall',
      userGroupIds: ['orders-group'],
    });
    const plain = plainOf(m).join('\n');
    expect(plain).toContain('Access string (normalised): on ~orders:* -@all +@read +flushall');
    expect(plain).toContain('keys: orders:* (read and write)');
    expect(mrkdwnOf(m).join('\n')).toMatch(
      /Dangerous grant:\* grants \d+ dangerous or administrative commands: .*flushall/,
    );
    const safe = message({
      type: 'cache-user',
      userId: 'orders-reader',
      userName: 'orders-reader',
      accessString: 'on ~orders:* -@all +get',
      userGroupIds: ['orders-group'],
    });
    expect(mrkdwnOf(safe).join('\n')).not.toContain('Dangerous grant');
  });

  it('escapes &, < and > as Slack documents, and replaces backticks', () => {
    expect(escapeMrkdwn('a & b <@U123> `x`')).toBe('a &amp; b &lt;@U123&gt; ˋxˋ');
  });
});
