import { ConfigError, EnvironmentConfig, formatProblem, loadEnvironments, optionsFromEnv } from "../../config";
import { awsCli, disableInstanceMetadata } from "./aws-cli";
import { PREFLIGHT_CHECKS, preflight } from "./checks";
import type { AwsCli } from "./types";

// Before anything could call AWS: never wait on the instance-metadata service.
disableInstanceMetadata();

const USAGE = "usage: npm run preflight -- <environment> | --list";

/** `npm run preflight -- <environment> | --list`: the exit code; 1 when anything is missing or could not be checked. */
export async function main(args: string[], aws: AwsCli = awsCli, out: (text: string) => void = (text) => process.stdout.write(text)): Promise<number> {
  if (args.includes("--list")) {
    for (const check of PREFLIGHT_CHECKS) out(`${check.id}: ${check.description}\n`);
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
  const { lines, missing, unchecked } = await preflight(environment, aws);
  out(`${lines.join("\n")}\n`);
  return missing + unchecked > 0 ? 1 : 0;
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (error: Error) => {
      process.stderr.write(`${error.message}\n`);
      process.exit(1);
    },
  );
}
