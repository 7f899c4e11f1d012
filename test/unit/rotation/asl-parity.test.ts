import { describe, expect, it } from '@jest/globals';
import { readAsl } from '../../../workflows/asl-files.js';
import { rotationConcurrency } from '../../../functions/core/rotation/selection.js';

type States = Record<string, Record<string, unknown>>;
const rotatePassword = (JSON.parse(readAsl('rotate-password')) as { States: States }).States;
const rotateAll = JSON.parse(readAsl('rotate-all')) as {
  States: {
    RotateEachUser: {
      ItemProcessor: { States: States; ProcessorConfig: unknown };
      MaxConcurrencyPath: string;
    };
  };
};
const perUser = rotateAll.States.RotateEachUser.ItemProcessor.States;

/** A state with the names of its terminal targets blanked (those differ by design). */
function shape(state: Record<string, unknown>, terminals: string[]): unknown {
  return JSON.parse(JSON.stringify(state), (key, value: unknown) =>
    (key === 'Next' || key === 'Default') && typeof value === 'string' && terminals.includes(value)
      ? 'TERMINAL'
      : value,
  );
}

describe('rotate-all runs the very same per-user steps as rotate-password', () => {
  const terminals = [
    'RotationRefused',
    'RotationFailed',
    'AnotherRotationRunning',
    'Rotated',
    'UserRotationRefused',
    'UserRotationFailed',
    'UserRotationSkipped',
    'UserRotated',
  ];
  const shared = Object.keys(rotatePassword).filter((name) => !terminals.includes(name));

  it.each(shared)('%s is identical in both workflows (terminal targets aside)', (name) => {
    expect(perUser[name]).toBeDefined();
    expect(shape(perUser[name] as Record<string, unknown>, terminals)).toEqual(
      shape(rotatePassword[name] as Record<string, unknown>, terminals),
    );
  });

  it('runs every user as a child execution, as many at a time as the selection step says: 10, or 400 in an emergency', () => {
    expect(rotateAll.States.RotateEachUser.MaxConcurrencyPath).toBe('$.selection.maxConcurrency');
    expect(rotationConcurrency(false)).toBe(10);
    expect(rotationConcurrency(true)).toBe(400);
    expect(rotateAll.States.RotateEachUser.ItemProcessor.ProcessorConfig).toEqual({
      Mode: 'DISTRIBUTED',
      ExecutionType: 'STANDARD',
    });
  });
});
