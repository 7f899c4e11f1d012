import { describe, expect, it } from '@jest/globals';
import { RotationProgress, formatDuration } from '../../../bin/cli/rotate/rotation-progress.js';

/** A stream that records what was written, as a terminal (isTTY) or as a file/pipe. */
function stream(isTTY: boolean) {
  const writes: string[] = [];
  return { isTTY, writes, write: (text: string) => writes.push(text) > 0 };
}

describe('rotate --all progress', () => {
  it('shows done / failed / remaining and an estimate from the pace so far', () => {
    let now = 0;
    const out = stream(true);
    const progress = new RotationProgress('rotate-all', 100, out, () => now);
    progress.update({ done: 0, failed: 0 });
    expect(out.writes.at(-1)).toContain('done 0 · failed 0 · remaining 100 · estimating time left');
    now = 30_000;
    progress.update({ done: 18, failed: 2 });
    // 20 users in 30 s: 80 more take 120 s.
    const line = out.writes.at(-1) ?? '';
    expect(line.startsWith('\r')).toBe(true);
    expect(line.endsWith('\x1b[K')).toBe(true);
    expect(line).toContain('rotate-all [#####...');
    expect(line).toContain('done 18 · failed 2 · remaining 80 · about 2m 00s left');
    now = 150_000;
    progress.update({ done: 97, failed: 3 });
    expect(out.writes.at(-1)).toContain('done 97 · failed 3 · remaining 0 · finished');
    progress.end();
    expect(out.writes.at(-1)).toBe('\n');
  });

  it('on a terminal redraws one line in place; in a file writes a plain line per tenth', () => {
    const tty = stream(true);
    const file = stream(false);
    const onTty = new RotationProgress('rotate-all', 50, tty, () => 0);
    const inFile = new RotationProgress('rotate-all', 50, file, () => 0);
    for (let done = 1; done <= 50; done += 1) {
      onTty.update({ done, failed: 0 });
      inFile.update({ done, failed: 0 });
    }
    onTty.end();
    inFile.end();
    expect(tty.writes).toHaveLength(51);
    expect(tty.writes.slice(0, -1).every((w) => w.startsWith('\r') && !w.includes('\n'))).toBe(true);
    // The first user, then each tenth of the way.
    expect(file.writes).toHaveLength(11);
    expect(file.writes.every((w) => !w.includes('\r') && !w.includes('\x1b') && w.endsWith('\n'))).toBe(true);
    expect(file.writes.at(-1)).toContain('done 50 · failed 0 · remaining 0 · finished');
  });

  it('formats durations for people', () => {
    expect(formatDuration(12_400)).toBe('12s');
    expect(formatDuration(95_000)).toBe('1m 35s');
    expect(formatDuration(3_900_000)).toBe('1h 05m');
  });
});
