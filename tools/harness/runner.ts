import * as fs from "fs";
import * as path from "path";
import { prepareToolchain, run, TerraformToolchain, terraformEnv } from "./terraform";
import { plannedOutputsState } from "./planned-upstream";
import { defaultPlanCache, PlanCache, planKey, readCachedPlan, withFileContents, writeCachedPlan } from "./plan-cache";
import { dependencyOrder, harnessStacks, isPlannable, SynthesizedStackInfo } from "./stacks";

/** The parts of `terraform show -json` of a plan that assertions use. */
export interface Plan {
  readonly format_version: string;
  readonly planned_values: {
    readonly outputs?: Record<string, { sensitive: boolean; value?: unknown }>;
    readonly root_module: { readonly resources?: PlannedResource[] };
  };
  readonly resource_changes?: ResourceChange[];
  readonly configuration: { readonly root_module: { readonly resources?: { address: string; mode: string; type: string }[] } };
}

export interface ResourceChange {
  readonly address: string;
  readonly type: string;
  readonly name: string;
  readonly mode: string;
  readonly index?: string | number;
  readonly provider_name?: string;
  readonly action_reason?: string;
  readonly change: {
    readonly actions: string[];
    readonly before?: unknown;
    readonly after?: unknown;
    readonly after_unknown?: unknown;
    readonly after_sensitive?: unknown;
    readonly replace_paths?: (string | number)[][];
  };
}

export interface PlannedResource {
  readonly address: string;
  readonly mode: "managed" | "data";
  readonly type: string;
  readonly name: string;
  readonly values: Record<string, unknown>;
}

export interface StackRun {
  readonly stack: string;
  readonly planned: boolean;
  /** Why the stack was not planned or what failed (terraform's own output). */
  readonly error?: string;
  readonly planFile?: string;
  readonly seconds: number;
  /** True when the plan came from the plan cache (plan-cache.ts) and Terraform did not run. */
  readonly cached?: boolean;
}

export type Mode = "offline" | "live";

export interface RunPlansOptions {
  readonly outDir: string;
  readonly workDir: string;
  /** offline: fake credentials and stand-ins for upstream state; live: real credentials, upstream's real local state. */
  readonly mode: Mode;
  /** Stacks to run; their upstreams are run first. @default every plannable stack */
  readonly only?: readonly string[];
  readonly concurrency?: number;
  readonly log?: (line: string) => void;
  /**
   * Offline only: the state each stack's plan starts from (state file text, by stack name), e.g. the change rung's
   * stand-in for the applied stack. Without, a stack is planned from nothing.
   */
  readonly priorStates?: Readonly<Record<string, string>>;
  /** Offline only: where plans are reused from and stored; false plans everything again. @default defaultPlanCache() */
  readonly cache?: PlanCache | false;
}

const OFFLINE_PROVIDER_SETTINGS = {
  access_key: "AKIAIOSFODNN7EXAMPLE",
  secret_key: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
  skip_credentials_validation: true,
  skip_requesting_account_id: true,
  skip_metadata_api_check: true,
  skip_region_validation: true,
  max_retries: 1,
  // The account id cannot be learned without calling STS, so the allow-list is lifted for offline plans only.
  allowed_account_ids: null,
};

/**
 * Plans (offline) or applies (live) stacks in dependency order: for each, a working folder with the synthesized JSON
 * and an override file that swaps the remote backend for a local one and, offline, adds fake credentials and points
 * `terraform_remote_state` at stand-in state files. Nothing the user deploys carries these settings.
 */
export async function runStacks(options: RunPlansOptions): Promise<Record<string, StackRun>> {
  const log = options.log ?? (() => undefined);
  fs.mkdirSync(options.workDir, { recursive: true });
  const all = harnessStacks(options.outDir);
  const mirrored = ["hashicorp/aws"];
  const results: Record<string, StackRun> = {};
  for (const stack of all.filter((candidate) => !isPlannable(candidate, mirrored))) {
    results[stack.name] = {
      stack: stack.name,
      planned: false,
      error: `not planned: needs providers ${Object.keys(stack.providers)
        .filter((p) => !mirrored.includes(p))
        .join(", ")} that have no local mirror`,
      seconds: 0,
    };
  }
  const wanted = selectWithUpstreams(all, options.only).filter((stack) => isPlannable(stack, mirrored));
  const providers = Object.assign({}, ...wanted.map((stack) => stack.providers)) as Record<string, string>;
  const toolchain = await prepareToolchain(options.workDir, providers);
  const ordered = dependencyOrder(wanted);
  const done = new Map<string, Promise<StackRun>>();
  const limit = createLimiter(options.concurrency ?? 2);
  for (const stack of ordered) {
    const upstreamRuns = Object.values(stack.upstreams).map((upstream) => done.get(upstream)!);
    done.set(
      stack.name,
      Promise.all(upstreamRuns).then((upstreams) => {
        const failed = upstreams.find((upstream) => !upstream.planned);
        if (failed) {
          return { stack: stack.name, planned: false, error: `upstream stack ${failed.stack} failed`, seconds: 0 };
        }
        return limit(() => runStack(stack, all, options, toolchain, log));
      }),
    );
  }
  for (const [name, promise] of done) {
    results[name] = await promise;
  }
  return results;
}

async function runStack(
  stack: SynthesizedStackInfo,
  all: readonly SynthesizedStackInfo[],
  options: RunPlansOptions,
  toolchain: TerraformToolchain,
  log: (line: string) => void,
): Promise<StackRun> {
  const started = Date.now();
  const dir = stackDir(options.workDir, stack.name);
  fs.mkdirSync(dir, { recursive: true });
  if (options.mode === "offline") {
    // A plan or state left by an earlier run must never be mistaken for this run's (live runs keep their state).
    for (const stale of ["plan.tfplan", "plan.json", "terraform.tfstate"]) fs.rmSync(path.join(dir, stale), { force: true });
  }
  const priorState = options.mode === "offline" ? options.priorStates?.[stack.name] : undefined;
  if (priorState !== undefined) fs.writeFileSync(path.join(dir, "terraform.tfstate"), priorState);
  const override = overrideFor(stack, all, options);
  fs.writeFileSync(path.join(dir, "cdk.tf.json"), JSON.stringify(stack.json, null, 2));
  fs.writeFileSync(path.join(dir, "zz_harness_override.tf.json"), JSON.stringify(override, null, 2));
  const env = terraformEnv(toolchain);
  const tf = (args: string[], timeoutMs = 300_000) => run(toolchain.terraform, args, { cwd: dir, env, timeoutMs });
  // Offline there is nothing to refresh from: a prior state is taken as it is (and refreshing it would call AWS).
  const planArgs = ["plan", "-input=false", "-no-color", "-lock=false", "-refresh=false", "-out=plan.tfplan"];
  const cache = options.mode === "offline" && options.cache !== false ? (options.cache ?? defaultPlanCache()) : undefined;
  const key = cache && planKey({ stack: stack.json, override: withFileContents(override), priorState, args: planArgs, toolchain: toolchain.fingerprint });
  const cached = cache && key ? readCachedPlan(cache, key) : undefined;
  if (cached !== undefined) {
    fs.writeFileSync(path.join(dir, "plan.json"), cached);
    const seconds = (Date.now() - started) / 1000;
    log(`${stack.name}: plan reused from the cache (${key?.slice(0, 12) ?? ""})`);
    return { stack: stack.name, planned: true, planFile: path.join(dir, "plan.json"), seconds, cached: true };
  }
  try {
    await toolchain.ready();
    await tf(["init", "-input=false", "-no-color"]);
    // No `terraform validate` first: plan (and apply) validate the configuration themselves, with the same errors.
    if (options.mode === "offline") {
      await tf(planArgs);
      const shown = await tf(["show", "-json", "-no-color", "plan.tfplan"]);
      fs.writeFileSync(path.join(dir, "plan.json"), shown.stdout);
      if (cache && key) writeCachedPlan(cache, key, shown.stdout);
    } else {
      await tf(["apply", "-input=false", "-no-color", "-auto-approve"], 3_600_000);
      const shown = await tf(["show", "-json", "-no-color"]);
      fs.writeFileSync(path.join(dir, "state.json"), shown.stdout);
    }
    const seconds = (Date.now() - started) / 1000;
    log(`${stack.name}: ${options.mode === "offline" ? "planned" : "applied"} in ${seconds.toFixed(1)}s`);
    return { stack: stack.name, planned: true, planFile: path.join(dir, "plan.json"), seconds };
  } catch (error) {
    log(`${stack.name}: FAILED`);
    return { stack: stack.name, planned: false, error: (error as Error).message, seconds: (Date.now() - started) / 1000 };
  }
}

/** Destroys applied live stacks in reverse dependency order. */
export async function destroyStacks(options: RunPlansOptions, stackNames: readonly string[]): Promise<void> {
  const all = harnessStacks(options.outDir);
  const ordered = dependencyOrder(all.filter((stack) => stackNames.includes(stack.name))).reverse();
  const providers = Object.assign({}, ...ordered.map((stack) => stack.providers)) as Record<string, string>;
  const toolchain = await prepareToolchain(options.workDir, providers);
  await toolchain.ready();
  for (const stack of ordered) {
    await run(toolchain.terraform, ["destroy", "-input=false", "-no-color", "-auto-approve"], {
      cwd: stackDir(options.workDir, stack.name),
      env: terraformEnv(toolchain),
      timeoutMs: 3_600_000,
    });
    options.log?.(`${stack.name}: destroyed`);
  }
}

export function stackDir(workDir: string, stack: string): string {
  return path.join(workDir, "stacks", stack);
}

function overrideFor(stack: SynthesizedStackInfo, all: readonly SynthesizedStackInfo[], options: RunPlansOptions): Record<string, unknown> {
  const override: Record<string, unknown> = { terraform: { backend: { local: { path: "terraform.tfstate" } } } };
  if (options.mode === "offline") {
    override.provider = {
      aws: (stack.json.provider?.aws ?? []).map((provider) => ({ ...(provider.alias ? { alias: provider.alias } : {}), ...OFFLINE_PROVIDER_SETTINGS })),
    };
  }
  const remoteStates: Record<string, unknown> = {};
  for (const [dataName, upstreamName] of Object.entries(stack.upstreams)) {
    const upstreamDir = stackDir(options.workDir, upstreamName);
    let statePath = path.join(upstreamDir, "terraform.tfstate");
    if (options.mode === "offline") {
      statePath = path.join(stackDir(options.workDir, stack.name), `upstream-${upstreamName}.tfstate`);
      const upstreamPlan = JSON.parse(fs.readFileSync(path.join(upstreamDir, "plan.json"), "utf8")) as Plan;
      fs.writeFileSync(
        statePath,
        plannedOutputsState(
          all.find((candidate) => candidate.name === upstreamName)!,
          upstreamPlan,
        ),
      );
    }
    remoteStates[dataName] = { backend: "local", config: { path: statePath } };
  }
  if (Object.keys(remoteStates).length > 0) {
    override.data = { terraform_remote_state: remoteStates };
  }
  return override;
}

function selectWithUpstreams(all: readonly SynthesizedStackInfo[], only: readonly string[] | undefined): SynthesizedStackInfo[] {
  if (!only) return [...all];
  const byName = new Map(all.map((stack) => [stack.name, stack]));
  const selected = new Set<string>();
  const add = (name: string): void => {
    const stack = byName.get(name);
    if (!stack) throw new Error(`no synthesized stack named ${name}; have ${[...byName.keys()].join(", ")}`);
    if (selected.has(name)) return;
    selected.add(name);
    Object.values(stack.upstreams).forEach(add);
  };
  only.forEach(add);
  return all.filter((stack) => selected.has(stack.name));
}

/** Runs at most `concurrency` of the tasks handed to it at a time, the others in the order they came. */
export function createLimiter(concurrency: number): <T>(task: () => Promise<T>) => Promise<T> {
  let active = 0;
  const queue: (() => void)[] = [];
  return <T>(task: () => Promise<T>) =>
    new Promise<T>((resolve, reject) => {
      const start = () => {
        active++;
        task()
          .then(resolve, reject)
          .finally(() => {
            active--;
            queue.shift()?.();
          });
      };
      if (active < concurrency) start();
      else queue.push(start);
    });
}
