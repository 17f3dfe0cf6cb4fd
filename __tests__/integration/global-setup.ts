import * as fs from "fs";
import * as path from "path";
import { execFileSync } from "child_process";
import { runStacks } from "../../tools/harness/runner";
import { INTEGRATION_DIR, OUT_DIR, RESULTS_FILE } from "./paths";

/**
 * Synthesizes every shipped environment with the compiled app, then plans every AWS-only stack offline with the real
 * provider (in dependency order, two at a time). Test files only read the results, so each plan runs once per test
 * run. A missing terraform or provider mirror throws here: the run fails loudly instead of passing without plans.
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
  execFileSync(process.execPath, [app], {
    cwd: root,
    env: { ...process.env, CDKTF_OUTDIR: OUT_DIR, PLATFORM_CONFIG_DIR: path.join(root, "config"), PLATFORM_ENVS: "" },
    stdio: ["ignore", "ignore", "inherit"],
  });
  const synthSeconds = (Date.now() - started) / 1000;
  const results = await runStacks({
    outDir: OUT_DIR,
    workDir: INTEGRATION_DIR,
    mode: "offline",
    log: (line) => process.stderr.write(`  [terraform] ${line}\n`),
  });
  fs.writeFileSync(RESULTS_FILE, JSON.stringify({ synthSeconds, results }, null, 2));
}
