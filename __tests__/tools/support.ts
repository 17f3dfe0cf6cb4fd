import * as path from "path";
import { EnvironmentConfig, loadEnvironments } from "../../config";
import { readSynthesizedStacks, SynthesizedStack } from "../../tools/lib/synth-output";
import { REPO_ROOT, shippedEnvironments } from "../support/environments";
import { sharedFolder } from "../support/synth-cache";

/**
 * The whole app of these environments as `cdktf synth` writes it (manifest.json and every stack's JSON), read back as
 * the ops scripts read the app's output. Synthesized once per test run for the same environments (support/synth-cache.ts).
 */
export function synthesizeApp(environments: readonly EnvironmentConfig[]): SynthesizedStack[] {
  const dir = sharedFolder("app", environments, (outdir) => {
    // Loaded only by the suite that synthesizes: the others read JSON and need neither cdktf nor the app's modules.
    /* eslint-disable @typescript-eslint/no-require-imports -- a static import would load the whole app into every suite */
    const { Testing } = require("cdktf") as typeof import("cdktf");
    const { buildApp } = require("../../main") as typeof import("../../main");
    /* eslint-enable @typescript-eslint/no-require-imports */
    buildApp(Testing.app({ outdir }), environments).synth();
  });
  return readSynthesizedStacks(dir);
}

/** Every shipped environment synthesized in-process (once per run), read back as the ops scripts read the app's output. */
export function synthesizeShipped(): SynthesizedStack[] {
  return synthesizeApp(shippedEnvironments());
}

/** The repository's own config/ synthesized (not PLATFORM_CONFIG_DIR's): what the generated docs describe. */
export function synthesizeRepositoryConfig(): SynthesizedStack[] {
  return synthesizeApp(loadEnvironments({ dir: path.join(REPO_ROOT, "config") }));
}

/** A hand-made stack for fixtures: an AWS provider in `region` (and aliased ones) and the given resources. */
export function fixtureStack(
  name: string,
  resources: Record<string, Record<string, Record<string, unknown>>>,
  options: { region?: string; dependencies?: string[]; aliases?: Record<string, string> } = {},
): SynthesizedStack {
  const aliased = Object.entries(options.aliases ?? {}).map(([alias, region]) => ({ alias, region }));
  return {
    name,
    dependencies: options.dependencies ?? [],
    json: { provider: { aws: [{ region: options.region ?? "eu-west-1" }, ...aliased] }, resource: resources },
  };
}
