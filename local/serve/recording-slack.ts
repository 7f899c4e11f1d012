import type { SlackNotifier } from '../../functions/aws/slack-notifier.js';
import type { SlackMessage } from '../../functions/core/api/slack-interaction.js';

export interface RecordedSlackCall {
  method: 'chat.postMessage' | 'chat.update' | 'chat.postEphemeral';
  message: SlackMessage & { ts?: string; user?: string };
}

/** Slack for the sandbox: records every call (and tells `onCall`) instead of sending it. */
export class RecordingSlackNotifier implements SlackNotifier {
  readonly calls: RecordedSlackCall[] = [];
  private sequence = 0;

  constructor(private readonly onCall: (call: RecordedSlackCall) => void = () => undefined) {}

  async postMessage(message: SlackMessage): Promise<{ channel: string; ts: string }> {
    this.sequence += 1;
    const ts = `1700000000.${String(this.sequence).padStart(6, '0')}`;
    this.record({ method: 'chat.postMessage', message: { ...message, ts } });
    return { channel: message.channel, ts };
  }

  async updateMessage(message: SlackMessage & { ts: string }): Promise<void> {
    this.record({ method: 'chat.update', message });
  }

  async postEphemeral(message: SlackMessage & { user: string }): Promise<void> {
    this.record({ method: 'chat.postEphemeral', message });
  }

  private record(call: RecordedSlackCall): void {
    this.calls.push(call);
    this.onCall(call);
  }
}
