/**
 * Jest setup file for the ASL mutator's baseline run (scripts/mutate-asl.ts): records, for each
 * test, which states of which state machine it entered and which of them raised an error, in
 * JSON lines appended to $ASL_COVERAGE_FILE. A mutant then runs only the tests that can notice it:
 * a Retry or Catch is read only when its state raises an error, a Choice only when it is entered.
 */
import { expect } from '@jest/globals';
import { appendFileSync } from 'node:fs';
import { LocalStateMachine } from '../local/runner/local-state-machine.js';

export interface AslCoverageLine {
  machine: string;
  testPath: string;
  testName: string;
  entered: string[];
  failed: string[];
}

const file = process.env.ASL_COVERAGE_FILE;
const run = LocalStateMachine.prototype.run;
if (file) {
  LocalStateMachine.prototype.run = async function recordingRun(this: LocalStateMachine, input: unknown) {
    const { testPath = '', currentTestName = '' } = expect.getState();
    const execution = await run.call(this, input);
    const entered = new Set<string>();
    const failed = new Set<string>();
    for (const event of execution.events as { type: string; state?: { name: string } }[]) {
      const name = event.state?.name;
      if (name === undefined) continue;
      if (event.type === 'StateEntered') entered.add(name);
      if (['StateFailed', 'StateRetried', 'StateCaught'].includes(event.type)) failed.add(name);
    }
    const line: AslCoverageLine = {
      machine: this.name,
      testPath,
      testName: currentTestName,
      entered: [...entered],
      failed: [...failed],
    };
    appendFileSync(file, `${JSON.stringify(line)}\n`);
    return execution;
  };
}
