import { accountChecks } from "./account";
import { guardrailsCheck } from "./guardrails";
import { secretsCheck } from "./secrets";
import type { EnvironmentConfig } from "../../config";
import type { AwsCli, PreflightCheck, PreflightResult } from "./types";

/** Every check `npm run preflight` runs, in order. A new check file adds one line here. */
export const PREFLIGHT_CHECKS: readonly PreflightCheck[] = [...accountChecks, guardrailsCheck, secretsCheck];

export function formatResult(check: PreflightCheck, result: PreflightResult): string {
  return `${result.status.padEnd(9)} ${check.id}: ${result.message}`;
}

/** Who the caller is, or why nobody: `aws sts get-caller-identity` needs no permission, only credentials. */
export async function callerIdentity(aws: AwsCli, region: string): Promise<{ arn: string } | { error: string }> {
  const result = await aws(["sts", "get-caller-identity", "--region", region]);
  if (!result.ok) return { error: result.stderr.trim().split("\n")[0] || "no error message" };
  try {
    return { arn: String((JSON.parse(result.stdout) as { Arn?: string }).Arn) };
  } catch {
    return { error: "aws sts get-caller-identity printed no JSON" };
  }
}

/**
 * Runs every check against one environment; the exit code is 1 when anything is missing or could not be checked.
 * Without credentials no check runs: each says, in one line, what it could not check.
 */
export async function preflight(
  environment: EnvironmentConfig,
  aws: AwsCli,
  checks: readonly PreflightCheck[] = PREFLIGHT_CHECKS,
): Promise<{ lines: string[]; missing: number; unchecked: number }> {
  const lines: string[] = [];
  let missing = 0;
  let unchecked = 0;
  const caller = await callerIdentity(aws, environment.account.region);
  if ("error" in caller) {
    for (const check of checks) {
      unchecked += 1;
      lines.push(formatResult(check, { status: "unchecked", message: `could not check ${check.description}: no usable AWS credentials (${caller.error})` }));
    }
  } else {
    lines.push(`as ${caller.arn}`);
    for (const check of checks) {
      for (const result of await check.run({ environment, aws })) {
        if (result.status === "missing") missing += 1;
        if (result.status === "unchecked") unchecked += 1;
        lines.push(formatResult(check, result));
      }
    }
  }
  const problems = [missing > 0 ? `${missing} missing` : "", unchecked > 0 ? `${unchecked} not checked` : ""].filter((part) => part !== "");
  lines.push(`${environment.name}: ${problems.length === 0 ? "nothing missing" : problems.join(", ")} (${checks.length} checks)`);
  return { lines, missing, unchecked };
}
