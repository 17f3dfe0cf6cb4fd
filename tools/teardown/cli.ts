import * as fs from "fs";
import * as path from "path";
import { REPO_ROOT } from "../lib/repo";
import { synthesizeCompiledApp } from "../lib/synth-output";
import { executePlan } from "./execute";
import { formatPlan, refuseProtectedData, teardownPlan, teardownTarget } from "./plan";

/**
 * `npm run teardown -- <env> [--execute] [--accept-data-loss]`: prints the teardown plan of an environment (plan.ts);
 * with `--execute` it runs it (execute.ts) and stops at the first failure, exit 1. docs/operations.md#teardown.
 */
async function main(args: readonly string[]): Promise<void> {
  const environment = args.find((arg) => !arg.startsWith("--"));
  if (!environment) throw new Error("usage: npm run teardown -- <environment> [--execute] [--accept-data-loss]");
  const target = teardownTarget(synthesizeCompiledApp([environment]), environment);
  const acceptDataLoss = args.includes("--accept-data-loss");
  const kubeconfig = path.join(REPO_ROOT, ".tmp", "teardown", `${environment}.kubeconfig`);
  const phases = teardownPlan(target, { kubeconfig, acceptDataLoss });
  process.stdout.write(formatPlan(target, phases));
  if (!args.includes("--execute")) return;
  refuseProtectedData(target, acceptDataLoss);
  fs.mkdirSync(path.dirname(kubeconfig), { recursive: true });
  await executePlan(phases, (line) => process.stdout.write(`${line}\n`));
  process.stdout.write(`\n${environment} is destroyed: ${target.destroyOrder.join(", ")}\n`);
}

main(process.argv.slice(2)).catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
