// Runs the cdktf CLI with the project's own Terraform CLI config: providers the local mirror holds
// (PLATFORM_TF_PROVIDER_MIRROR, default /opt/tf-plugins) come from it, the rest from the registry. An existing
// TF_CLI_CONFIG_FILE that names a real file is respected. Refuses to run while cdktf.out holds a Terraform state (every
// synth replaces that folder, and `--skip-synth` or `destroy` would run Terraform against a state about to be lost).
// The commands that synthesize first (synth, diff, deploy, destroy) run the app itself before cdktf, with cdktf's
// `--skip-synth`: cdktf-cli prints a failing app's stderr twice (streamed as [ERROR], then again in its summary), the
// app prints each problem once.
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { cliConfigText, mirroredProviders, providerMirror } from "./harness/cli-config";
import { REPO_ROOT } from "./lib/repo";
import { stateGuard } from "../cli/state-guard";

/** One process to run: the compiled app, or the cdktf CLI with its arguments. */
export type Step = { readonly run: "app"; readonly args: readonly string[] } | { readonly run: "cdktf"; readonly args: readonly string[] };

const SYNTHESIZING = new Set(["synth", "diff", "deploy", "destroy"]);

/** What `tools/cdktf.ts <args>` runs, in order; a step that fails ends the run with its exit code. */
export function stepsFor(args: readonly string[]): Step[] {
  const [command, ...rest] = args;
  if (command === undefined || !SYNTHESIZING.has(command) || rest.includes("--skip-synth")) return [{ run: "cdktf", args }];
  const verbose = rest.filter((arg) => arg === "--verbose" || arg === "-v");
  const app: Step = { run: "app", args: verbose };
  return command === "synth" ? [app] : [app, { run: "cdktf", args: [command, "--skip-synth", ...rest] }];
}

function main(): number {
  const refusal = stateGuard(path.join(REPO_ROOT, "cdktf.out"), (file) => path.relative(REPO_ROOT, file) || file);
  if (refusal) {
    process.stderr.write(`${refusal}\n`);
    return 1;
  }
  const env: NodeJS.ProcessEnv = { ...process.env, CHECKPOINT_DISABLE: "1", DISABLE_VERSION_CHECK: "true" };
  if (!env.TF_CLI_CONFIG_FILE || !fs.existsSync(env.TF_CLI_CONFIG_FILE)) {
    const mirror = providerMirror(env);
    const file = path.join(REPO_ROOT, ".tmp", "terraform.rc");
    fs.mkdirSync(path.dirname(file), { recursive: true });
    const sources = mirroredProviders(mirror);
    fs.writeFileSync(file, sources.length > 0 ? cliConfigText(mirror, sources, true) : "# No local provider mirror: providers come from the registry.\n");
    env.TF_CLI_CONFIG_FILE = file;
  }
  for (const step of stepsFor(process.argv.slice(2))) {
    const [command, args] =
      step.run === "app"
        ? [process.execPath, [path.join(REPO_ROOT, "dist", "main.js"), ...step.args]]
        : [path.join(REPO_ROOT, "node_modules", ".bin", "cdktf"), [...step.args]];
    const result = spawnSync(command, args, { cwd: REPO_ROOT, env, stdio: "inherit" });
    if (result.status !== 0) return result.status ?? 1;
  }
  return 0;
}

if (require.main === module) process.exit(main());
