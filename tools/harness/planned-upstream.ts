// A pull request's plan of a downstream stack against its upstreams' PLANNED outputs, not their applied state: an
// upstream change that adds an output (a new AZ's subnet) otherwise fails the downstream plan ("Unsupported attribute")
// until the upstream is applied, and the downstream's part of the change is first seen at its approval. Writes, into
// the downstream's synthesized folder, local state files holding each upstream's planned outputs (the value where the
// plan knows it, the harness's placeholder of the right shape where only apply will) and an override file that points
// `terraform_remote_state` at them. For review plans only: a plan that will be applied must read the real state.
// usage: planned-upstream.ts <cdktf.out> <stack> <upstream stack>=<plan.json> [...]
import * as fs from "fs";
import * as path from "path";
import { standInValue, stubState } from "./remote-state";
import type { Plan } from "./runner";
import { harnessStacks, SynthesizedStackInfo } from "./stacks";

export const PLANNED_UPSTREAM_OVERRIDE = "zz_planned_upstream_override.tf.json";

/** The state (outputs only) an upstream will have once its plan is applied, as far as the plan knows. */
export function plannedOutputsState(upstream: SynthesizedStackInfo, plan: Pick<Plan, "planned_values">): string {
  const { context } = upstream;
  if (!context) throw new Error(`${upstream.name} has no AWS provider: the harness makes no stand-in of its outputs`);
  return stubState(
    Object.fromEntries(
      Object.entries(upstream.json.output ?? {}).map(([name, output]) => [
        name,
        standInValue(output.value, plan.planned_values.outputs?.[name]?.value, context),
      ]),
    ),
  );
}

/**
 * Writes the stand-in states and the override for `stackName` into `dir`; returns the files written. Every upstream
 * the stack reads must have a plan.
 */
export function writePlannedUpstreams(outDir: string, stackName: string, plans: Readonly<Record<string, Pick<Plan, "planned_values">>>, dir: string): string[] {
  const stacks = harnessStacks(outDir);
  const stack = stacks.find((candidate) => candidate.name === stackName);
  if (!stack) throw new Error(`${outDir}: no synthesized stack ${stackName}; have ${stacks.map((candidate) => candidate.name).join(", ")}`);
  const missing = [...new Set(Object.values(stack.upstreams))].filter((upstream) => !plans[upstream]);
  if (missing.length > 0) throw new Error(`${stackName} reads ${missing.join(", ")}: give each as <stack>=<plan.json>`);
  const written: string[] = [];
  const remoteStates: Record<string, unknown> = {};
  for (const [dataName, upstreamName] of Object.entries(stack.upstreams)) {
    const file = path.join(dir, `planned-${upstreamName}.tfstate`);
    fs.writeFileSync(
      file,
      plannedOutputsState(
        stacks.find((candidate) => candidate.name === upstreamName)!,
        plans[upstreamName]!,
      ),
    );
    written.push(file);
    remoteStates[dataName] = { backend: "local", config: { path: path.basename(file) } };
  }
  const override = path.join(dir, PLANNED_UPSTREAM_OVERRIDE);
  fs.writeFileSync(override, `${JSON.stringify({ data: { terraform_remote_state: remoteStates } }, null, 2)}\n`);
  return [...written, override];
}

if (process.argv[1] === __filename) {
  const [outDir, stackName, ...pairs] = process.argv.slice(2);
  if (!outDir || !stackName || pairs.length === 0 || pairs.some((pair) => !/^[^=]+=.+$/.test(pair))) {
    process.stderr.write("usage: planned-upstream.ts <cdktf.out> <stack> <upstream stack>=<plan.json> [...]\n");
    process.exit(1);
  }
  try {
    const plans = Object.fromEntries(
      pairs.map((pair) => {
        const [name = "", file = ""] = [pair.slice(0, pair.indexOf("=")), pair.slice(pair.indexOf("=") + 1)];
        return [name, JSON.parse(fs.readFileSync(file, "utf8")) as Plan];
      }),
    );
    const written = writePlannedUpstreams(outDir, stackName, plans, path.join(outDir, "stacks", stackName));
    process.stdout.write(`${written.map((file) => `wrote ${file}`).join("\n")}\n`);
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n`);
    process.exit(1);
  }
}
