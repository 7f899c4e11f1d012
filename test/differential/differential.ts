/**
 * The differential harness: one scenario of SDK calls runs against the sandbox and against
 * moto_server, each outcome reduced to what AWS documents (labels per version, values, error
 * names; no ARNs' random suffixes, no dates), and the two are compared. Where moto disagrees with
 * the AWS documentation, the case names the documented outcome and its source, and the test
 * checks that the sandbox gives that outcome (and that moto still differs, so a fixed moto is
 * noticed). Every run prints its figure: cases, agreements, documented differences.
 */
import { afterAll, expect, it } from '@jest/globals';

/** What a scenario returns: plain JSON data. */
export type Outcome = unknown;

export interface AcceptedDifference {
  /** What AWS does, per the source: the sandbox must give exactly this. */
  aws: Outcome;
  reason: string;
  source: string;
}

export interface DifferentialCase<Clients> {
  name: string;
  run(clients: Clients, ns: string): Promise<Outcome>;
  /** Set when moto is known to disagree with the AWS documentation. */
  differs?: AcceptedDifference;
}

/** An SDK call's outcome: its output reduced by `pick`, or the error's name. */
export async function attempt<T>(
  call: Promise<T>,
  pick: (output: T) => Outcome = () => 'ok',
): Promise<Outcome> {
  try {
    return { ok: pick(await call) };
  } catch (error) {
    return { error: (error as Error).name };
  }
}

/**
 * Registers one Jest test per case, and prints the figure of `title` after them. `sides()` gives
 * the two client sets once the servers run; a case's namespace keeps its resources apart from
 * the others' on both sides.
 */
export function differentialCases<Clients>(
  suite: string,
  title: string,
  cases: DifferentialCase<Clients>[],
  sides: () => { sandbox: Clients; moto: Clients },
): void {
  const figure = { cases: 0, agreements: 0, documentedDifferences: 0 };
  afterAll(() => {
    console.log(
      `differential ${title}: ${figure.cases} cases, ${figure.agreements} agreements, ${figure.documentedDifferences} documented differences`,
    );
  });
  const names = new Set<string>();
  cases.forEach((testCase, index) => {
    if (names.has(testCase.name)) throw new Error(`duplicate differential case: ${testCase.name}`);
    names.add(testCase.name);
    figure.cases += 1;
    it(testCase.name, async () => {
      const ns = `${suite}-${index}`;
      const { sandbox, moto } = sides();
      const [local, independent] = [await testCase.run(sandbox, ns), await testCase.run(moto, ns)];
      if (testCase.differs) {
        expect(local).toEqual(testCase.differs.aws);
        expect(independent).not.toEqual(local);
        figure.documentedDifferences += 1;
      } else {
        expect(local).toEqual(independent);
        figure.agreements += 1;
      }
    });
  });
}
