import { execFile } from "child_process";
import type { AwsCli } from "./types";

/**
 * The environment every AWS CLI call of the preflight runs with. The instance-metadata service is never asked for
 * credentials: off EC2 the CLI would wait on 169.254.169.254 for seconds per call before failing, and the preflight is
 * run with the deploy role's credentials from the environment or a profile. Retries are bounded too.
 */
export const AWS_CLI_ENV: Readonly<Record<string, string>> = {
  AWS_EC2_METADATA_DISABLED: "true",
  AWS_RETRY_MODE: "standard",
  AWS_MAX_ATTEMPTS: "2",
};

/** Per call: the CLI's own connect and read timeouts, and a hard limit after which the process is killed. */
export const CONNECT_TIMEOUT_SECONDS = 5;
export const READ_TIMEOUT_SECONDS = 15;
export const CALL_TIMEOUT_MS = 30_000;

export type ExecFile = (
  file: string,
  args: readonly string[],
  options: { env: NodeJS.ProcessEnv; timeout: number; killSignal: NodeJS.Signals; maxBuffer: number },
  callback: (error: (Error & { killed?: boolean; code?: unknown }) | null, stdout: string | Buffer, stderr: string | Buffer) => void,
) => unknown;

/** Applies AWS_CLI_ENV to this process, so any SDK or CLI call made from it, now or later, skips the metadata service. */
export function disableInstanceMetadata(env: NodeJS.ProcessEnv = process.env): void {
  Object.assign(env, AWS_CLI_ENV);
}

/** The AWS CLI with the caller's credentials (the deploy role), bounded in time; checks only ever pass read-only commands. */
export function awsCliWith(exec: ExecFile, env: NodeJS.ProcessEnv = process.env): AwsCli {
  return (args) =>
    new Promise((resolve) => {
      const cliArgs = [
        ...args,
        "--output",
        "json",
        "--cli-connect-timeout",
        String(CONNECT_TIMEOUT_SECONDS),
        "--cli-read-timeout",
        String(READ_TIMEOUT_SECONDS),
      ];
      const options = { env: { ...env, ...AWS_CLI_ENV }, timeout: CALL_TIMEOUT_MS, killSignal: "SIGKILL" as const, maxBuffer: 16 * 1024 * 1024 };
      exec("aws", cliArgs, options, (error, stdout, stderr) => {
        if (error?.killed) {
          resolve({ ok: false, stdout: "", stderr: `aws ${args.slice(0, 2).join(" ")} timed out after ${CALL_TIMEOUT_MS / 1000} s` });
          return;
        }
        if (error?.code === "ENOENT") {
          resolve({ ok: false, stdout: "", stderr: "the AWS CLI (aws) is not installed or not on PATH" });
          return;
        }
        resolve({ ok: !error, stdout: String(stdout), stderr: error && String(stderr).trim() === "" ? error.message : String(stderr) });
      });
    });
}

export const awsCli: AwsCli = awsCliWith(execFile);
