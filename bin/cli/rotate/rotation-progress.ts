/**
 * The progress of a run over many users (`rotate --all`): users done, failed and remaining, and
 * an estimated time to the end from the pace so far. On a terminal one line is redrawn in place;
 * otherwise (a file, a CI log) a plain line is written at each tenth of the way and at the end,
 * so logs stay short.
 */
export interface ProgressCounts {
  /** Users finished without failing (rotated, or skipped with a reason). */
  done: number;
  failed: number;
}

export class RotationProgress {
  private readonly startedMs: number;
  private lastDecile = -1;
  private counts: ProgressCounts = { done: 0, failed: 0 };

  constructor(
    private readonly label: string,
    private readonly total: number,
    private readonly stream: Pick<NodeJS.WriteStream, 'write' | 'isTTY'> = process.stderr,
    private readonly nowMs: () => number = () => performance.now(),
  ) {
    this.startedMs = nowMs();
  }

  /** Records the new counts and redraws (terminal) or prints a line when a tenth is crossed. */
  update(counts: ProgressCounts): void {
    this.counts = counts;
    if (this.stream.isTTY) {
      this.stream.write(`\r${this.render()}\x1b[K`);
      return;
    }
    const finished = counts.done + counts.failed;
    const decile = this.total === 0 ? 10 : Math.floor((finished / this.total) * 10);
    if (decile === this.lastDecile) return;
    this.lastDecile = decile;
    this.stream.write(`${this.render()}\n`);
  }

  /** `rotate-all [######........] done 300 · failed 2 · remaining 698 · about 2m 10s left` */
  render(): string {
    const { done, failed } = this.counts;
    const finished = done + failed;
    const remaining = Math.max(0, this.total - finished);
    const ratio = this.total === 0 ? 1 : Math.min(1, finished / this.total);
    const width = 24;
    const filled = Math.round(ratio * width);
    const bar = `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}]`;
    return `${this.label} ${bar} done ${done} · failed ${failed} · remaining ${remaining} · ${this.estimate(finished, remaining)}`;
  }

  end(): void {
    if (this.stream.isTTY) this.stream.write('\n');
  }

  private estimate(finished: number, remaining: number): string {
    if (remaining === 0) return 'finished';
    if (finished === 0) return 'estimating time left';
    const elapsedMs = this.nowMs() - this.startedMs;
    return `about ${formatDuration((elapsedMs / finished) * remaining)} left`;
  }
}

/** 95_000 → "1m 35s"; under a minute "12s"; over an hour "1h 05m". */
export function formatDuration(ms: number): string {
  const seconds = Math.max(0, Math.round(ms / 1000));
  if (seconds < 60) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes}m ${String(seconds % 60).padStart(2, '0')}s`;
  return `${Math.floor(minutes / 60)}h ${String(minutes % 60).padStart(2, '0')}m`;
}

/** The per-user states of rotate-all where a user's run ends, and what each means for progress. */
export const USER_OUTCOME_STATES: Record<string, keyof ProgressCounts> = {
  UserRotated: 'done',
  UserRotationSkipped: 'done',
  UserRotationRefused: 'done',
  UserRotationFailed: 'failed',
};
