import { createLimiter } from "../harness/runner";
import { Baseline, buildBaseline, ConfigDocument, RungOptions, runScenario, synthesize, SynthError } from "./rung";
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
  // Every synth the rung needs starts now, two at a time, in the order they are needed: the planning of one scenario
  // (mostly plans reused from the cache) overlaps the synths of the next ones. A failed synth is that scenario's result.
  const limit = createLimiter(2);
  const synths = new Map<string, Promise<string>>();
  const synthOf = (id: string, edit: (config: ConfigDocument) => void): Promise<string> => {
    let synth = synths.get(id);
    if (!synth) {
      synth = limit(() => synthesize(options, id, edit));
      // Awaited where the scenario runs; until then a refusal must not count as an unhandled rejection.
      synth.catch(() => undefined);
      synths.set(id, synth);
    }
    return synth;
  };
  // Started here, awaited (and their refusals handled) where each is used below.
  void synthOf("baseline", () => undefined);
  for (const scenario of scenarios) {
    if (scenario.from) void synthOf(scenario.from.id, scenario.from.edit);
    void synthOf(scenario.id, scenario.edit);
  }
  const baselines: Record<string, Baseline> = {
    baseline: await buildBaseline(
      options,
      "baseline",
      synthOf("baseline", () => undefined),
    ),
  };
  const results: ScenarioResult[] = [];
  for (const scenario of scenarios) {
    let baseline = baselines.baseline!;
    if (scenario.from) {
      try {
        baselines[scenario.from.id] ??= await buildBaseline(options, scenario.from.id, synthOf(scenario.from.id, scenario.from.edit));
      } catch (error) {
        results.push(evaluate(scenario, { error: `its starting point ${scenario.from.id} did not build: ${(error as Error).message}` }));
        continue;
      }
      baseline = baselines[scenario.from.id]!;
    }
    try {
      results.push(evaluate(scenario, await runScenario(options, baseline, scenario.id, synthOf(scenario.id, scenario.edit))));
    } catch (error) {
      if (!(error instanceof SynthError)) throw error;
      results.push(evaluate(scenario, { error: error.message.split("\n")[0] ?? "" }));
    }
  }
  return { baselines, results };
}
