import { execFileSync } from "child_process";
import * as fs from "fs";
import * as path from "path";

/** A resource block of a synthesized stack: its Terraform arguments. */
export type ResourceValues = Record<string, unknown>;

/** The parts of a synthesized `cdk.tf.json` the ops scripts read. */
export interface StackJson {
  readonly resource?: Record<string, Record<string, ResourceValues>>;
  readonly provider?: Record<string, ResourceValues[]>;
}

/** One stack of a synth: its name, the stacks it depends on (cdktf's manifest) and its JSON. */
export interface SynthesizedStack {
  readonly name: string;
  readonly dependencies: readonly string[];
  readonly json: StackJson;
}

export const REPO_ROOT = path.resolve(__dirname, "..");

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
 * Runs the compiled app (`npm run build` first) into a fresh folder under `.tmp/ops/` and reads what it wrote.
 * `environments` narrows the synth like `PLATFORM_ENVS`; empty means every shipped environment.
 */
export function synthesizeCompiledApp(environments: readonly string[] = []): SynthesizedStack[] {
  const app = path.join(REPO_ROOT, "dist", "main.js");
  if (!fs.existsSync(app)) throw new Error(`${app} is missing: run \`npm run build\` first`);
  const parent = path.join(REPO_ROOT, ".tmp", "ops");
  fs.mkdirSync(parent, { recursive: true });
  const outDir = fs.mkdtempSync(path.join(parent, "synth-"));
  try {
    execFileSync(process.execPath, [app], {
      cwd: REPO_ROOT,
      env: { ...process.env, CDKTF_OUTDIR: outDir, PLATFORM_ENVS: environments.join(","), CHECKPOINT_DISABLE: "1" },
      stdio: ["ignore", "ignore", "inherit"],
    });
    return readSynthesizedStacks(outDir);
  } finally {
    fs.rmSync(outDir, { recursive: true, force: true });
  }
}

/**
 * The environment a stack belongs to: its name up to the last `-` (`prod-data` → `prod`). Bootstrap stacks
 * (`bootstrap`, `bootstrap-<account>`) belong to an account, not an environment.
 */
export function environmentOf(stackName: string): string | undefined {
  if (stackName === "bootstrap" || stackName.startsWith("bootstrap-")) return undefined;
  const dash = stackName.lastIndexOf("-");
  return dash > 0 ? stackName.slice(0, dash) : undefined;
}

/** The stack's layer: its name after the last `-` (`prod-data` → `data`), or the whole name. */
export function layerOf(stackName: string): string {
  return stackName.slice(stackName.lastIndexOf("-") + 1);
}

/** Every resource of a stack as `{ type, name, values }`, in the JSON's order. */
export function resourcesOf(stack: SynthesizedStack): { type: string; name: string; values: ResourceValues }[] {
  return Object.entries(stack.json.resource ?? {}).flatMap(([type, byName]) => Object.entries(byName).map(([name, values]) => ({ type, name, values })));
}
