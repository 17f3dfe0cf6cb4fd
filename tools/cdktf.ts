// Runs the cdktf CLI with the project's own Terraform CLI config: providers the local mirror holds
// (PLATFORM_TF_PROVIDER_MIRROR, default /opt/tf-plugins) come from it, the rest from the registry. An existing
// TF_CLI_CONFIG_FILE that names a real file is respected. Refuses to run while cdktf.out holds a Terraform state (every
// synth replaces that folder, and `--skip-synth` or `destroy` would run Terraform against a state about to be lost).
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { cliConfigText, mirroredProviders, providerMirror } from "./harness/cli-config";
import { REPO_ROOT } from "./lib/repo";
import { stateGuard } from "../cli/state-guard";

const refusal = stateGuard(path.join(REPO_ROOT, "cdktf.out"), (file) => path.relative(REPO_ROOT, file) || file);
if (refusal) {
  process.stderr.write(`${refusal}\n`);
  process.exit(1);
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
const cli = path.join(REPO_ROOT, "node_modules", ".bin", "cdktf");
const result = spawnSync(cli, process.argv.slice(2), { cwd: REPO_ROOT, env, stdio: "inherit" });
process.exit(result.status ?? 1);
