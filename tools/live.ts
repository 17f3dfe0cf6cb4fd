import { execFileSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { destroyStacks, runStacks, stackDir } from "./harness/runner";

/**
 * Opt-in live run against a real AWS account: apply an environment's AWS-only stacks (local state, in dependency
 * order), check what was created, then destroy everything in reverse order, even when a check fails.
 *   PLATFORM_LIVE=1 npm run test:live -- dev
 * Never runs in CI, and refuses to start without the opt-in: it creates billable resources.
 */
const REQUIRED_TAGS = ["project", "environment", "stack", "managed-by"];

async function main(): Promise<void> {
  const [environment] = process.argv.slice(2);
  if (process.env.CI) throw new Error("the live run never runs in CI: it creates billable resources in a real account");
  if (process.env.PLATFORM_LIVE !== "1") throw new Error("set PLATFORM_LIVE=1 to confirm applying to a real AWS account");
  if (!environment) throw new Error("usage: PLATFORM_LIVE=1 npm run test:live -- <environment>");
  const root = path.resolve(__dirname, "..");
  const workDir = path.join(root, ".tmp", "live", environment);
  const outDir = path.join(workDir, "out");
  fs.mkdirSync(outDir, { recursive: true });
  execFileSync(process.execPath, [path.join(root, "dist", "main.js")], {
    env: { ...process.env, CDKTF_OUTDIR: outDir, PLATFORM_ENVS: environment },
    stdio: "inherit",
  });
  const stacks = fs.readdirSync(path.join(outDir, "stacks")).filter((stack) => stack.startsWith(`${environment}-`));
  const log = (line: string) => process.stdout.write(`${line}\n`);
  const results = await runStacks({ outDir, workDir, mode: "live", only: stacks, concurrency: 1, log });
  const applied = Object.values(results)
    .filter((run) => run.planned)
    .map((run) => run.stack);
  const problems = Object.values(results)
    .filter((run) => stacks.includes(run.stack) && !run.planned)
    .map((run) => `${run.stack}: ${run.error}`);
  for (const stack of applied) {
    const state = JSON.parse(fs.readFileSync(path.join(stackDir(workDir, stack), "state.json"), "utf8")) as {
      values?: { root_module?: { resources?: { address: string; values: Record<string, unknown> }[] } };
    };
    for (const resource of state.values?.root_module?.resources ?? []) {
      const tags = resource.values.tags_all as Record<string, string> | undefined;
      if (tags && !REQUIRED_TAGS.every((tag) => tags[tag])) problems.push(`${stack}: ${resource.address} lacks tags ${REQUIRED_TAGS.join(", ")}`);
    }
  }
  try {
    await destroyStacks({ outDir, workDir, mode: "live", log }, applied);
  } catch (error) {
    problems.push(`destroy failed, clean up by hand: ${(error as Error).message}`);
  }
  if (problems.length > 0) throw new Error(problems.join("\n"));
  log(`live run of ${environment}: applied, checked and destroyed ${applied.join(", ")}`);
}

main().catch((error) => {
  process.stderr.write(`${(error as Error).message}\n`);
  process.exit(1);
});
