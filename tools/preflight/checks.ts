import { secretsCheck } from "./secrets";
import type { EnvironmentConfig } from "../../config";
import type { AwsCli, PreflightCheck, PreflightResult } from "./types";

/** Every check `npm run preflight` runs, in order. A new check file adds one line here. */
export const PREFLIGHT_CHECKS: readonly PreflightCheck[] = [secretsCheck];

export function formatResult(check: PreflightCheck, result: PreflightResult): string {
  return `${result.status.padEnd(7)} ${check.id}: ${result.message}`;
}

/** Runs every check against one environment; the exit code is 1 when anything is missing. */
export async function preflight(
  environment: EnvironmentConfig,
  aws: AwsCli,
  checks: readonly PreflightCheck[] = PREFLIGHT_CHECKS,
): Promise<{ lines: string[]; missing: number }> {
  const lines: string[] = [];
  let missing = 0;
  for (const check of checks) {
    for (const result of await check.run({ environment, aws })) {
      if (result.status === "missing") missing += 1;
      lines.push(formatResult(check, result));
    }
  }
  lines.push(`${environment.name}: ${missing === 0 ? "nothing missing" : `${missing} missing`} (${checks.length} checks)`);
  return { lines, missing };
}
