import { execFile } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { parse, stringify } from "yaml";
import type { EnvironmentInput } from "../../config/schema/environment";
import { defaultPlanCache, PlanCache } from "../harness/plan-cache";
import { Plan, runStacks, StackRun } from "../harness/runner";
import { harnessStacks, isPlannable, PlannableStack, SynthesizedStackInfo } from "../harness/stacks";
import { canonicalJson } from "../harness/plan-cache";
import { appliedState, changedAddresses, resourceSchemas, ResourceSchemas } from "./applied-state";
import { prepareToolchain, TerraformToolchain } from "../harness/terraform";

/**
 * Rung 6b of the verification ladder: a state that stands for each AWS-only stack of an environment as applied (built
 * from its own offline plan), and config changes planned against it. Every plan goes through the plan cache, so a stack
 * whose JSON, prior state and stand-in upstream state did not change costs nothing.
 */

/** A config document as the YAML file holds it (the schema's input type); scenarios edit it in place. */
export type ConfigDocument = EnvironmentInput;

export interface RungOptions {
  /** The config folder the environment comes from (every `.yaml` in it is copied, then the environment's is edited). */
  readonly configDir: string;
  readonly environment: string;
  /** Scratch folder: synth outputs and Terraform working folders. */
  readonly workDir: string;
  readonly cache?: PlanCache;
  readonly log?: (line: string) => void;
  /** The compiled app that synthesizes (`npm run build` writes it). @default <repo>/dist/main.js */
  readonly app?: string;
}

export interface Baseline {
  readonly id: string;
  readonly outDir: string;
  /** The environment's stacks Terraform can plan here (AWS provider only), in synth order. */
  readonly stacks: readonly string[];
  /** Stand-in applied state per stack (state file text). */
  readonly states: Readonly<Record<string, string>>;
  /** Plans of the unchanged configuration against those states: each is a plan of no changes. */
  readonly plans: Readonly<Record<string, Plan>>;
  /** How many plans against a built state it took until every stack planned no changes. */
  readonly rounds: number;
}

/**
 * Synthesizes the environment from a copy of the config folder, after `edit` changed its document; resolves to the out
 * dir, or rejects with a SynthError. A child process each (the compiled app), so the rung can run two at a time.
 */
export async function synthesize(options: RungOptions, id: string, edit: (config: ConfigDocument) => void): Promise<string> {
  const dir = path.join(options.workDir, id);
  const configDir = path.join(dir, "config");
  const outDir = path.join(dir, "out");
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(configDir, { recursive: true });
  for (const file of fs.readdirSync(options.configDir).filter((name) => name.endsWith(".yaml"))) {
    fs.copyFileSync(path.join(options.configDir, file), path.join(configDir, file));
  }
  const file = path.join(configDir, `${options.environment}.yaml`);
  const document = parse(fs.readFileSync(file, "utf8")) as ConfigDocument;
  edit(document);
  fs.writeFileSync(file, stringify(document));
  const app = options.app ?? path.resolve(__dirname, "..", "..", "dist", "main.js");
  const failure = await new Promise<{ error: Error; stderr: string } | undefined>((resolve) => {
    execFile(
      process.execPath,
      [app],
      {
        cwd: path.resolve(__dirname, "..", ".."),
        env: { ...process.env, CDKTF_OUTDIR: outDir, PLATFORM_CONFIG_DIR: configDir, PLATFORM_ENVS: options.environment },
        maxBuffer: 64 * 1024 * 1024,
      },
      (error, _stdout, stderr) => resolve(error ? { error, stderr: String(stderr) } : undefined),
    );
  });
  if (failure) {
    // The loader names the copied file; the message names the environment's file as the user knows it.
    const root = path.resolve(__dirname, "..", "..");
    const stderr = failure.stderr.split(configDir).join("config").split(path.relative(root, configDir)).join("config").trim();
    throw new SynthError(stderr || failure.error.message);
  }
  return outDir;
}

/** The synth refused the changed config (the loader's one-line messages). */
export class SynthError extends Error {}

function environmentStacks(outDir: string, environment: string): PlannableStack[] {
  return harnessStacks(outDir).filter((stack): stack is PlannableStack => stack.name.startsWith(`${environment}-`) && isPlannable(stack, ["hashicorp/aws"]));
}

/**
 * Plans the environment (`synthesized`: the out dir `synthesize` resolves to) from nothing, builds each stack's applied
 * state from its plan, and plans again against the states until no stack changes (a value Terraform would change on
 * every plan is a perpetual diff: after `maxRounds` the remaining changes are the error).
 */
export async function buildBaseline(options: RungOptions, id: string, synthesized: Promise<string>, maxRounds = 4): Promise<Baseline> {
  const log = options.log ?? (() => undefined);
  const outDir = await synthesized;
  const stacks = environmentStacks(outDir, options.environment);
  const names = stacks.map((stack) => stack.name);
  const workDir = path.join(options.workDir, id, "plans");
  let runs = await runStacks({ outDir, workDir, mode: "offline", only: names, cache: options.cache, log });
  const schemas = await schemasFor(workDir, stacks, options);
  for (let round = 1; round <= maxRounds; round++) {
    const states = statesFrom(runs, stacks, schemas);
    runs = await runStacks({ outDir, workDir, mode: "offline", only: names, cache: options.cache, log, priorStates: states });
    const plans = plansOf(runs, names);
    const changing = names.flatMap((name) => changedAddresses(plans[name]!).map((change) => `${name}: ${change}`));
    if (changing.length === 0) return { id, outDir, stacks: names, states, plans, rounds: round };
    if (round === maxRounds) {
      throw new Error(`the applied state of ${options.environment} still plans changes after ${maxRounds} rounds (a perpetual diff):\n${changing.join("\n")}`);
    }
  }
  throw new Error("unreachable");
}

async function schemasFor(workDir: string, stacks: readonly SynthesizedStackInfo[], options: RungOptions): Promise<ResourceSchemas> {
  const providers = Object.assign({}, ...stacks.map((stack) => stack.providers)) as Record<string, string>;
  const toolchain: TerraformToolchain = await prepareToolchain(workDir, providers);
  // The schemas are kept where the plans are (by default the plan cache, as runStacks does): one `providers schema` per
  // toolchain, not one per run.
  return resourceSchemas(toolchain, path.join(workDir, "plugin-cache-warmup"), (options.cache ?? defaultPlanCache()).dir);
}

function plansOf(runs: Record<string, StackRun>, names: readonly string[]): Record<string, Plan> {
  return Object.fromEntries(
    names.map((name) => {
      const run = runs[name];
      if (!run?.planned || !run.planFile) throw new Error(`${name} did not plan:\n${run?.error ?? "(not run)"}`);
      return [name, JSON.parse(fs.readFileSync(run.planFile, "utf8")) as Plan];
    }),
  );
}

function statesFrom(runs: Record<string, StackRun>, stacks: readonly PlannableStack[], schemas: ResourceSchemas): Record<string, string> {
  const plans = plansOf(
    runs,
    stacks.map((stack) => stack.name),
  );
  return Object.fromEntries(stacks.map((stack) => [stack.name, appliedState(plans[stack.name]!, stack.json, schemas, stack.context)]));
}

export interface ScenarioRun {
  /** Stacks whose synthesized JSON the change alters, and the stacks that read their outputs. */
  readonly changedStacks: readonly string[];
  /** Plans of those stacks against the baseline's applied states (stand-in upstream state from the upstream's plan). */
  readonly plans: Readonly<Record<string, Plan>>;
  /** Stacks that did not plan, with Terraform's error. */
  readonly failures: Readonly<Record<string, string>>;
  /** Plans that came from the cache. */
  readonly cached: readonly string[];
}

/**
 * Plans the changed config (`synthesized`: the out dir `synthesize` resolves to) against the baseline's applied states:
 * the stacks whose JSON differs from the baseline's and every stack downstream of one (their stand-in upstream state
 * follows the upstream's plan, so a new upstream output is planned end to end). Stacks with identical JSON and inputs
 * are not planned.
 */
export async function runScenario(options: RungOptions, baseline: Baseline, id: string, synthesized: Promise<string>): Promise<ScenarioRun> {
  const log = options.log ?? (() => undefined);
  const outDir = await synthesized;
  const before = new Map(environmentStacks(baseline.outDir, options.environment).map((stack) => [stack.name, canonicalJson(stack.json)]));
  const stacks = environmentStacks(outDir, options.environment);
  const changed = new Set(stacks.filter((stack) => before.get(stack.name) !== canonicalJson(stack.json)).map((stack) => stack.name));
  for (let grew = true; grew;) {
    grew = false;
    for (const stack of stacks) {
      if (!changed.has(stack.name) && Object.values(stack.upstreams).some((upstream) => changed.has(upstream))) {
        changed.add(stack.name);
        grew = true;
      }
    }
  }
  const changedStacks = stacks.map((stack) => stack.name).filter((name) => changed.has(name));
  if (changedStacks.length === 0) return { changedStacks, plans: {}, failures: {}, cached: [] };
  const runs = await runStacks({
    outDir,
    workDir: path.join(options.workDir, id, "plans"),
    mode: "offline",
    only: changedStacks,
    cache: options.cache,
    log,
    priorStates: baseline.states,
  });
  const plans: Record<string, Plan> = {};
  const failures: Record<string, string> = {};
  for (const name of changedStacks) {
    const run = runs[name];
    if (run?.planned && run.planFile) plans[name] = JSON.parse(fs.readFileSync(run.planFile, "utf8")) as Plan;
    else failures[name] = run?.error ?? "(not run)";
  }
  return { changedStacks, plans, failures, cached: changedStacks.filter((name) => runs[name]?.cached) };
}
