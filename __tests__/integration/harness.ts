import { shippedEnvironments } from "../support/environments";
import * as fs from "fs";
import { Plan, PlannedResource, StackRun } from "../../tools/harness/runner";
import { RESULTS_FILE } from "./paths";

export type { Plan, PlannedResource } from "../../tools/harness/runner";

interface Results {
  readonly synthSeconds: number;
  readonly results: Record<string, StackRun>;
  /** The runs of the Terraform Cloud fixture (terraform-cloud-fixture.ts), by stack. */
  readonly terraformCloud: Record<string, StackRun>;
}

// Test files ask for the same plans in every test; each file reads the results and each plan once.
let cachedResults: Results | undefined;
const cachedPlans = new Map<StackRun, Plan>();

function results(): Results {
  cachedResults ??= JSON.parse(fs.readFileSync(RESULTS_FILE, "utf8")) as Results;
  return cachedResults;
}

/** Every stack the offline run knows of, planned or not (with the reason). */
export function stackRuns(): Record<string, StackRun> {
  return results().results;
}

/** Every stack of the Terraform Cloud fixture the offline run knows of, planned or not (with the reason). */
export function terraformCloudRuns(): Record<string, StackRun> {
  return results().terraformCloud;
}

/** The offline plan of a stack (`terraform show -json`); fails with terraform's own output when it did not plan. */
export function planOf(stack: string, runs: Record<string, StackRun> = results().results): Plan {
  const run = runs[stack];
  if (!run) {
    throw new Error(`no stack ${stack} was synthesized; synthesized: ${Object.keys(runs).join(", ")}`);
  }
  if (!run.planned || !run.planFile) {
    throw new Error(`${stack} did not plan:\n${run.error ?? "(no error recorded)"}`);
  }
  let plan = cachedPlans.get(run);
  if (!plan) {
    plan = JSON.parse(fs.readFileSync(run.planFile, "utf8")) as Plan;
    cachedPlans.set(run, plan);
  }
  return plan;
}

/** Managed resources in a plan, optionally of one type. */
export function plannedResources(plan: Plan, type?: string): PlannedResource[] {
  return (plan.planned_values.root_module.resources ?? []).filter((resource) => resource.mode === "managed" && (type === undefined || resource.type === type));
}

/** Count of planned managed resources per type. */
export function countsByType(plan: Plan): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const resource of plannedResources(plan)) counts[resource.type] = (counts[resource.type] ?? 0) + 1;
  return counts;
}

/** Data sources the configuration declares (from the plan's configuration section). */
export function dataSources(plan: Plan): string[] {
  return (plan.configuration.root_module.resources ?? []).filter((resource) => resource.mode === "data").map((resource) => resource.type);
}

/** Planned actions other than create/no-op (update, delete, replace), by address. */
export function nonCreateActions(plan: Plan): string[] {
  return (plan.resource_changes ?? [])
    .filter((change) => change.change.actions.some((action) => action !== "create" && action !== "no-op" && action !== "read"))
    .map((change) => `${change.address}: ${change.change.actions.join("+")}`);
}

/** The environments the offline plans run over: every file of the shipped (or PLATFORM_CONFIG_DIR) config folder. */
export const SHIPPED_ENVIRONMENTS: readonly string[] = shippedEnvironments().map((environment) => environment.name);

/** Asserts that every named stack planned; a failure shows terraform's own error for each stack that did not. */
export function expectPlanned(stacks: readonly string[], runs: Record<string, StackRun> = stackRuns()): void {
  expect(stacks.map((stack) => ({ stack, planned: runs[stack]?.planned, error: runs[stack]?.error }))).toEqual(
    stacks.map((stack) => ({ stack, planned: true, error: undefined })),
  );
}
