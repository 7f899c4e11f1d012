/** Progress output for the demo: numbered chapters, steps, and live workflow state changes. */
export class Narrator {
  private chapter = 0;
  private readonly started = performance.now();

  constructor(
    private readonly write: (line: string) => void = (line) => process.stdout.write(`${line}\n`),
    /** Every workflow state as it is entered or retried; otherwise only chapters and steps. */
    private readonly verbose = false,
  ) {}

  heading(title: string): void {
    this.chapter += 1;
    this.write('');
    this.write(`━━ ${this.chapter}. ${title}`);
  }

  step(text: string): void {
    this.write(`${this.elapsed()}  ${text}`);
  }

  detail(text: string): void {
    this.write(`${' '.repeat(9)}${text}`);
  }

  /** With `verbose`, one line per state entered or retried: a workflow run's live progress. */
  workflowEvent(workflow: string, event: { type: string; state?: { name: string } }): void {
    if (!this.verbose) return;
    if (event.type === 'StateEntered' && event.state) this.detail(`${workflow} › ${event.state.name}`);
    if (event.type === 'StateRetried' && event.state)
      this.detail(`${workflow} › ${event.state.name} (retrying)`);
  }

  private elapsed(): string {
    return `[${((performance.now() - this.started) / 1000).toFixed(1).padStart(5)}s]`;
  }
}
