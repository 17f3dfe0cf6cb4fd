import { Baseline, buildBaseline, RungOptions, runScenario, SynthError } from "./rung";
import { evaluate, ScenarioResult } from "./report";
import { Scenario } from "./scenarios";

export interface RungResult {
  /** The applied-state baselines: the shipped config's first, then each scenario's own starting point. */
  readonly baselines: Readonly<Record<string, Baseline>>;
  readonly results: readonly ScenarioResult[];
}

/**
 * Builds the applied state of the environment (and of each scenario's own starting point), then plans each scenario
 * against it. A scenario whose config is refused or whose stacks do not plan is a result with its error, not a crash:
 * the table shows every scenario.
 */
export async function runRung(options: RungOptions, scenarios: readonly Scenario[]): Promise<RungResult> {
  const baselines: Record<string, Baseline> = { baseline: await buildBaseline(options) };
  const results: ScenarioResult[] = [];
  for (const scenario of scenarios) {
    let baseline = baselines.baseline!;
    if (scenario.from) {
      try {
        baselines[scenario.from.id] ??= await buildBaseline(options, scenario.from.id, scenario.from.edit);
      } catch (error) {
        results.push(evaluate(scenario, { error: `its starting point ${scenario.from.id} did not build: ${(error as Error).message}` }));
        continue;
      }
      baseline = baselines[scenario.from.id]!;
    }
    try {
      results.push(evaluate(scenario, await runScenario(options, baseline, scenario.id, scenario.edit)));
    } catch (error) {
      if (!(error instanceof SynthError)) throw error;
      results.push(evaluate(scenario, { error: error.message.split("\n")[0] ?? "" }));
    }
  }
  return { baselines, results };
}
