import { execFile } from "child_process";
import { ConfigError, EnvironmentConfig, formatProblem, loadEnvironments, optionsFromEnv } from "../../config";
import { PREFLIGHT_CHECKS, preflight } from "./checks";
import type { AwsCli } from "./types";

const USAGE = "usage: npm run preflight -- <environment> | --list";

/** The AWS CLI with the caller's credentials (the deploy role); checks only ever pass read-only commands. */
export const awsCli: AwsCli = (args) =>
  new Promise((resolve) => {
    execFile("aws", [...args, "--output", "json"], { maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) =>
      resolve({ ok: !error, stdout: String(stdout), stderr: error && !stderr ? error.message : String(stderr) }),
    );
  });

async function main(args: string[]): Promise<number> {
  if (args.includes("--list")) {
    for (const check of PREFLIGHT_CHECKS) process.stdout.write(`${check.id}: ${check.description}\n`);
    return 0;
  }
  const names = args.filter((arg) => !arg.startsWith("--"));
  const unknown = args.filter((arg) => arg.startsWith("--"));
  if (names.length !== 1 || unknown.length > 0) {
    process.stderr.write(`${USAGE}\n`);
    return 1;
  }
  let environment: EnvironmentConfig | undefined;
  try {
    [environment] = loadEnvironments({ ...optionsFromEnv(), environments: names });
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    for (const problem of error.problems) process.stderr.write(`${formatProblem(problem)}\n`);
    return 1;
  }
  if (environment === undefined) throw new Error(`no environment ${names.join(", ")}`);
  const { lines, missing } = await preflight(environment, awsCli);
  process.stdout.write(`${lines.join("\n")}\n`);
  return missing > 0 ? 1 : 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: Error) => {
    process.stderr.write(`${error.message}\n`);
    process.exit(1);
  },
);
