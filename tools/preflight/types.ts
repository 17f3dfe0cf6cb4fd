import type { EnvironmentConfig } from "../../config";

/** The outcome of one read-only look at the account before a deploy. */
export interface PreflightResult {
  /**
   * `ok`: in place; `missing`: the deploy (or the feature it serves) needs it first; `info`: a fact that decides a
   * config switch; `unchecked`: the account could not be asked (no credentials, no permission, a timeout).
   */
  readonly status: "ok" | "missing" | "info" | "unchecked";
  /** One line: what was checked, what was found, and what to do (the command or config key) when it is missing. */
  readonly message: string;
}

/** Runs one read-only AWS CLI call (`aws <args> --output json`) with the caller's credentials. */
export type AwsCli = (args: readonly string[]) => Promise<{ readonly ok: boolean; readonly stdout: string; readonly stderr: string }>;

export interface PreflightContext {
  readonly environment: EnvironmentConfig;
  readonly aws: AwsCli;
}

/** One check `npm run preflight -- <env>` runs; checks never change the account. */
export interface PreflightCheck {
  readonly id: string;
  /** What the check looks at, for `--list`. */
  readonly description: string;
  run(context: PreflightContext): Promise<PreflightResult[]>;
}
