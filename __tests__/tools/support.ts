import { Testing } from "cdktf";
import { buildApp } from "../../main";
import { readSynthesizedStacks, SynthesizedStack } from "../../tools/lib/synth-output";
import * as path from "path";
import { loadEnvironments } from "../../config";
import { REPO_ROOT, shippedEnvironments } from "../support/environments";

/** Every shipped environment synthesized in-process, read back as the ops scripts read the compiled app's output. */
export function synthesizeShipped(): SynthesizedStack[] {
  const app = buildApp(Testing.app(), shippedEnvironments());
  app.synth();
  return readSynthesizedStacks(app.outdir);
}

/** The repository's own config/ synthesized (not PLATFORM_CONFIG_DIR's): what the generated docs describe. */
export function synthesizeRepositoryConfig(): SynthesizedStack[] {
  const app = buildApp(Testing.app(), loadEnvironments({ dir: path.join(REPO_ROOT, "config") }));
  app.synth();
  return readSynthesizedStacks(app.outdir);
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
