import * as fs from "fs";
import * as path from "path";
import { execFileSync } from "child_process";
import { runStacks } from "../../tools/harness/runner";
import { INTEGRATION_DIR, OUT_DIR, RESULTS_FILE } from "./paths";
import { TERRAFORM_CLOUD_CONFIG_DIR, TERRAFORM_CLOUD_OUT_DIR, TERRAFORM_CLOUD_WORK_DIR, writeTerraformCloudConfig } from "./terraform-cloud-fixture";

/**
 * Synthesizes every shipped environment with the compiled app, then plans every AWS-only stack offline with the real
 * provider (in dependency order, two at a time); then the same for the Terraform Cloud fixture (terraform-cloud-fixture.ts),
 * whose `cloud` block and `remote` state reads the harness swaps for the local backend and stand-ins. Test files only
 * read the results, so each plan runs once per test run. A missing terraform or provider mirror throws here: the run
 * fails loudly instead of passing without plans.
 */
export default async function globalSetup(): Promise<void> {
  const root = path.resolve(__dirname, "..", "..");
  const app = path.join(root, "dist", "main.js");
  if (!fs.existsSync(app)) {
    throw new Error(`${app} is missing: run \`npm run test:integration\` (it builds first) or \`npm run build\``);
  }
  fs.rmSync(OUT_DIR, { recursive: true, force: true });
  fs.mkdirSync(INTEGRATION_DIR, { recursive: true });
  const started = Date.now();
  const synth = (outDir: string, configDir: string) =>
    execFileSync(process.execPath, [app], {
      cwd: root,
      env: { ...process.env, CDKTF_OUTDIR: outDir, PLATFORM_CONFIG_DIR: configDir, PLATFORM_ENVS: "" },
      stdio: ["ignore", "ignore", "inherit"],
    });
  synth(OUT_DIR, path.join(root, "config"));
  const synthSeconds = (Date.now() - started) / 1000;
  const log = (line: string) => process.stderr.write(`  [terraform] ${line}\n`);
  const results = await runStacks({ outDir: OUT_DIR, workDir: INTEGRATION_DIR, mode: "offline", log });
  fs.rmSync(TERRAFORM_CLOUD_OUT_DIR, { recursive: true, force: true });
  writeTerraformCloudConfig(path.join(root, "config"));
  synth(TERRAFORM_CLOUD_OUT_DIR, TERRAFORM_CLOUD_CONFIG_DIR);
  const terraformCloud = await runStacks({ outDir: TERRAFORM_CLOUD_OUT_DIR, workDir: TERRAFORM_CLOUD_WORK_DIR, mode: "offline", log });
  fs.writeFileSync(RESULTS_FILE, JSON.stringify({ synthSeconds, results, terraformCloud }, null, 2));
}
