import { execFileSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { partitionOf } from "../../config/environment";
import { scalarText } from "../../constructs/core/json";
import { transpile } from "../transpile";
import { REPO_ROOT } from "./repo";

/**
 * The one reader of cdktf's synthesized output (`cdktf.out/`: `manifest.json` and each stack's `cdk.tf.json`) for the
 * tools: the offline harness, contracts, cost, diagram, teardown and the deploy pipeline's change detection.
 */

/** A block of a synthesized stack (resource, data source, provider): its Terraform arguments. */
export type ResourceValues = Record<string, unknown>;

/** The parts of a synthesized `cdk.tf.json` the tools read. */
export interface StackJson {
  readonly terraform?: {
    readonly backend?: Record<string, Record<string, unknown>>;
    /** Terraform Cloud's workspace of the stack, instead of a backend. */
    readonly cloud?: Record<string, unknown>;
    readonly required_providers?: Record<string, { readonly source?: string; readonly version?: string }>;
  };
  readonly provider?: Record<string, ResourceValues[]>;
  readonly output?: Record<string, { readonly value: unknown; readonly sensitive?: boolean }>;
  readonly data?: Record<string, Record<string, ResourceValues>>;
  readonly resource?: Record<string, Record<string, ResourceValues>>;
}

/** One stack of a synth: its name, the stacks it depends on (cdktf's manifest) and its JSON. */
export interface SynthesizedStack {
  readonly name: string;
  readonly dependencies: readonly string[];
  readonly json: StackJson;
}

/** Reads cdktf's `manifest.json` and every stack's JSON from a synth output folder, in manifest order. */
export function readSynthesizedStacks(outDir: string): SynthesizedStack[] {
  const manifest = JSON.parse(fs.readFileSync(path.join(outDir, "manifest.json"), "utf8")) as {
    stacks: Record<string, { dependencies: string[]; synthesizedStackPath: string }>;
  };
  return Object.entries(manifest.stacks).map(([name, entry]) => ({
    name,
    dependencies: entry.dependencies,
    json: JSON.parse(fs.readFileSync(path.join(outDir, entry.synthesizedStackPath), "utf8")) as StackJson,
  }));
}

/**
 * Runs the app as `npm run synth` does (the transpile step brings dist/ up to date, in a fraction of a second when
 * nothing changed) into a fresh folder under `.tmp/ops/` and reads what it wrote. No type-check: that is
 * `npm run typecheck`'s. `environments` narrows the synth like `PLATFORM_ENVS`; empty means every shipped environment.
 * `printed`, when given, receives the lines the app printed (what `npm run synth` shows), its output folder as it was.
 */
export function synthesizeCompiledApp(environments: readonly string[] = [], printed?: string[]): SynthesizedStack[] {
  transpile();
  const app = path.join(REPO_ROOT, "dist", "main.js");
  const parent = path.join(REPO_ROOT, ".tmp", "ops");
  fs.mkdirSync(parent, { recursive: true });
  const outDir = fs.mkdtempSync(path.join(parent, "synth-"));
  try {
    const stdout = execFileSync(process.execPath, [app], {
      cwd: REPO_ROOT,
      env: { ...process.env, CDKTF_OUTDIR: outDir, PLATFORM_ENVS: environments.join(","), CHECKPOINT_DISABLE: "1" },
      stdio: ["ignore", "pipe", "inherit"],
      encoding: "utf8",
      maxBuffer: 64 * 1024 * 1024,
    });
    printed?.push(...stdout.split("\n").filter((line) => line.length > 0));
    return readSynthesizedStacks(outDir);
  } finally {
    fs.rmSync(outDir, { recursive: true, force: true });
  }
}

/** Bootstrap stacks (`bootstrap`, `bootstrap-<account>`) belong to an account, not to an environment. */
export function isBootstrapStack(stackName: string): boolean {
  return stackName === "bootstrap" || stackName.startsWith("bootstrap-");
}

/** Guardrails stacks (`guardrails-<account>`) belong to an account, not to an environment. */
export function isGuardrailsStack(stackName: string): boolean {
  return /^guardrails-\d{12}$/.test(stackName);
}

/** Account-level stacks (bootstrap, guardrails): an administrator applies them with the bootstrap credentials, no pipeline. */
export function isAccountStack(stackName: string): boolean {
  return isBootstrapStack(stackName) || isGuardrailsStack(stackName);
}

/** The environment a stack belongs to: its name up to the last `-` (`prod-data` → `prod`); none for account-level stacks. */
export function environmentOf(stackName: string): string | undefined {
  if (isAccountStack(stackName)) return undefined;
  const dash = stackName.lastIndexOf("-");
  return dash > 0 ? stackName.slice(0, dash) : undefined;
}

/** The stack's layer: its name after the last `-` (`prod-data` → `data`), or the whole name. */
export function layerOf(stackName: string): string {
  return stackName.slice(stackName.lastIndexOf("-") + 1);
}

/** Every resource of a stack as `{ type, name, values }`, in the JSON's order. */
export function resourcesOf(stack: Pick<SynthesizedStack, "json">): { type: string; name: string; values: ResourceValues }[] {
  return Object.entries(stack.json.resource ?? {}).flatMap(([type, byName]) => Object.entries(byName).map(([name, values]) => ({ type, name, values })));
}

/**
 * The region of the AWS provider a block runs on: the aliased one its `provider` argument names (`aws.recovery`), or
 * the stack's default (un-aliased) one. Undefined when the stack has no default AWS provider; throws when the block
 * names an alias the stack does not configure (Terraform would refuse the stack).
 */
export function regionOf(stack: Pick<SynthesizedStack, "name" | "json">, provider?: unknown): string | undefined {
  const providers = stack.json.provider?.aws ?? [];
  const alias = typeof provider === "string" && provider.startsWith("aws.") ? provider.slice("aws.".length) : undefined;
  const match = providers.find((candidate) => (alias ? candidate.alias === alias : candidate.alias === undefined || candidate.alias === null));
  if (alias && !match) throw new Error(`${stack.name}: a block runs on provider aws.${alias}, which the stack does not configure`);
  return scalarText(match?.region);
}

/** Where a stack deploys: its default AWS provider's region, that region's partition and the account it allows. */
export interface AwsLocation {
  readonly region: string;
  /** aws, aws-cn or aws-us-gov, from the region (as the config derives it). */
  readonly partition: string;
  /** The first of the provider's `allowed_account_ids`, when it sets them. */
  readonly accountId?: string;
}

/** The location of a stack's default AWS provider; throws when the stack has none. */
export function awsLocation(stack: Pick<SynthesizedStack, "name" | "json">): AwsLocation {
  const region = regionOf(stack);
  if (region === undefined) throw new Error(`${stack.name}: no default AWS provider (one without an alias) with a region`);
  const provider = (stack.json.provider?.aws ?? []).find((candidate) => candidate.alias === undefined || candidate.alias === null);
  const [accountId] = (provider?.allowed_account_ids as string[] | undefined) ?? [];
  return { region, partition: partitionOf(region), ...(accountId === undefined ? {} : { accountId: String(accountId) }) };
}
