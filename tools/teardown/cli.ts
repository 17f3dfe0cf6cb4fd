import * as fs from "fs";
import * as path from "path";
import { processIo, runTool, ToolIo, UsageError } from "../lib/cli";
import { REPO_ROOT } from "../lib/repo";

const USAGE = "usage: npm run teardown -- <environment> [--execute] [--accept-data-loss]";

/**
 * `npm run teardown -- <env> [--execute] [--accept-data-loss]`: prints the teardown plan of an environment (plan.ts);
 * with `--execute` it runs it (execute.ts) and stops at the first failure, exit 1. docs/operations.md#teardown.
 */
export async function main(args: readonly string[], io: ToolIo = processIo): Promise<number> {
  const environment = args.find((arg) => !arg.startsWith("--"));
  if (!environment || args.includes("--help")) throw new UsageError(USAGE);
  // Loaded once the arguments are understood, so usage never waits for the app's modules.
  /* eslint-disable @typescript-eslint/no-require-imports -- import() cannot load .ts under tsx/cjs */
  const { synthesizeCompiledApp } = require("../lib/synth-output") as typeof import("../lib/synth-output");
  const { formatPlan, refuseProtectedData, teardownPlan, teardownTarget } = require("./plan") as typeof import("./plan");
  const { executePlan } = require("./execute") as typeof import("./execute");
  /* eslint-enable @typescript-eslint/no-require-imports */
  const target = teardownTarget(synthesizeCompiledApp([environment]), environment);
  const acceptDataLoss = args.includes("--accept-data-loss");
  const kubeconfig = path.join(REPO_ROOT, ".tmp", "teardown", `${environment}.kubeconfig`);
  const phases = teardownPlan(target, { kubeconfig, acceptDataLoss });
  io.out(formatPlan(target, phases));
  if (!args.includes("--execute")) return 0;
  refuseProtectedData(target, acceptDataLoss);
  fs.mkdirSync(path.dirname(kubeconfig), { recursive: true });
  await executePlan(phases, (line) => io.out(`${line}\n`));
  io.out(`\n${environment} is destroyed: ${target.destroyOrder.join(", ")}\n`);
  return 0;
}

if (require.main === module) runTool(main);
