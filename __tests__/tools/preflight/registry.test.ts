import { accountChecks } from "../../../tools/preflight/account";
import { AWS_CLI_ENV, awsCliWith, CALL_TIMEOUT_MS, disableInstanceMetadata, type ExecFile } from "../../../tools/preflight/aws-cli";
import { PREFLIGHT_CHECKS, preflight } from "../../../tools/preflight/checks";
import { guardrailsCheck } from "../../../tools/preflight/guardrails";
import { secretsCheck } from "../../../tools/preflight/secrets";
import type { AwsCli } from "../../../tools/preflight/types";
import { shippedEnvironments, testEnvironment } from "../../support/environments";

/** What the AWS CLI prints when it finds no credentials (and the metadata service is off). */
const NO_CREDENTIALS = 'Unable to locate credentials. You can configure credentials by running "aws configure".';

function recordingAws(reply: (args: readonly string[]) => { ok: boolean; stdout?: string; stderr?: string }): AwsCli & { calls: string[][] } {
  const calls: string[][] = [];
  const aws = (args: readonly string[]) => {
    calls.push([...args]);
    const { ok, stdout = "", stderr = "" } = reply(args);
    return Promise.resolve({ ok, stdout, stderr });
  };
  return Object.assign(aws, { calls });
}

describe("npm run preflight: the registry (break 12)", () => {
  it("runs the account checks the docs promise (service-linked role, GitHub OIDC provider, guardrails) and the secrets check", () => {
    expect(PREFLIGHT_CHECKS).toEqual([...accountChecks, guardrailsCheck, secretsCheck]);
    expect(PREFLIGHT_CHECKS.map((check) => check.id)).toEqual([
      "account-autoscaling-service-linked-role",
      "account-github-oidc-provider",
      "account-guardrails",
      "secrets",
    ]);
  });

  it("without credentials says, one line per check, what it could not check, and asks AWS nothing else", async () => {
    const environment = testEnvironment({ github: { repository: "acme/shop" } });
    const aws = recordingAws(() => ({ ok: false, stderr: `\n${NO_CREDENTIALS}\n` }));
    const { lines, missing, unchecked } = await preflight(environment, aws);
    expect(aws.calls).toEqual([["sts", "get-caller-identity", "--region", environment.account.region]]);
    expect(lines).toEqual([
      ...PREFLIGHT_CHECKS.map((check) => `unchecked ${check.id}: could not check ${check.description}: no usable AWS credentials (${NO_CREDENTIALS})`),
      `${environment.name}: ${PREFLIGHT_CHECKS.length} not checked (${PREFLIGHT_CHECKS.length} checks)`,
    ]);
    expect([missing, unchecked]).toEqual([0, PREFLIGHT_CHECKS.length]);
  });

  it("with credentials names the caller, then runs every check", async () => {
    const environment = testEnvironment();
    const aws = recordingAws((args) =>
      args[0] === "sts"
        ? { ok: true, stdout: JSON.stringify({ Arn: "arn:aws:sts::123456789012:assumed-role/deploy/x" }) }
        : args[1] === "get-role"
          ? { ok: true, stdout: "{}" }
          : { ok: false, stderr: "An error occurred (ResourceNotFoundException) when calling the DescribeSecret operation" },
    );
    const { lines } = await preflight(environment, aws);
    expect(lines[0]).toBe("as arn:aws:sts::123456789012:assumed-role/deploy/x");
    expect(lines.some((line) => line.startsWith("ok        account-autoscaling-service-linked-role:"))).toBe(true);
    expect(lines.some((line) => line.startsWith("info      account-github-oidc-provider:"))).toBe(true);
  });
});

describe("npm run preflight: the AWS CLI it runs", () => {
  /** An execFile stand-in: records the call and answers as told; no process is started. */
  function fakeExec(answer: { error?: Error & { killed?: boolean; code?: unknown }; stdout?: string; stderr?: string }) {
    const calls: { file: string; args: readonly string[]; options: Parameters<ExecFile>[2] }[] = [];
    const exec: ExecFile = (file, args, options, callback) => {
      calls.push({ file, args, options });
      callback(answer.error ?? null, answer.stdout ?? "", answer.stderr ?? "");
      return undefined;
    };
    return { exec, calls };
  }

  it("never lets the CLI wait on the instance-metadata service, bounds retries and every call's time", async () => {
    const { exec, calls } = fakeExec({ stdout: "{}" });
    // Even when the caller's environment says otherwise.
    const aws = awsCliWith(exec, { PATH: "/usr/bin", AWS_EC2_METADATA_DISABLED: "false", AWS_MAX_ATTEMPTS: "10" });
    expect(await aws(["sts", "get-caller-identity"])).toEqual({ ok: true, stdout: "{}", stderr: "" });
    const [{ file, args, options }] = calls;
    expect(file).toBe("aws");
    expect(options.env).toMatchObject({ PATH: "/usr/bin", AWS_EC2_METADATA_DISABLED: "true", AWS_MAX_ATTEMPTS: "2" });
    expect(options).toMatchObject({ timeout: CALL_TIMEOUT_MS, killSignal: "SIGKILL" });
    expect(args).toEqual(expect.arrayContaining(["--cli-connect-timeout", "--cli-read-timeout", "--output", "json"]));
    const bound = (flag: string) => Number(args[args.indexOf(flag) + 1]);
    expect(bound("--cli-connect-timeout") + bound("--cli-read-timeout")).toBeLessThan(CALL_TIMEOUT_MS / 1000);
  });

  it("turns a call it had to kill into one line that says so, and a missing CLI into one line too", async () => {
    const killed = Object.assign(new Error("Command failed"), { killed: true });
    expect(await awsCliWith(fakeExec({ error: killed }).exec, {})(["iam", "get-role"])).toEqual({
      ok: false,
      stdout: "",
      stderr: `aws iam get-role timed out after ${CALL_TIMEOUT_MS / 1000} s`,
    });
    const absent = Object.assign(new Error("spawn aws ENOENT"), { code: "ENOENT" });
    expect((await awsCliWith(fakeExec({ error: absent }).exec, {})(["sts", "get-caller-identity"])).stderr).toBe(
      "the AWS CLI (aws) is not installed or not on PATH",
    );
  });

  it("switches the metadata service off for the whole process, which the CLI entry point does before any call", async () => {
    const env: NodeJS.ProcessEnv = { AWS_EC2_METADATA_DISABLED: "false" };
    disableInstanceMetadata(env);
    expect(env).toMatchObject(AWS_CLI_ENV);
    const saved = process.env.AWS_EC2_METADATA_DISABLED;
    delete process.env.AWS_EC2_METADATA_DISABLED;
    try {
      const cli = await import("../../../tools/preflight/cli");
      expect(process.env.AWS_EC2_METADATA_DISABLED).toBe("true");
      // And the entry point, run in-process without credentials: one line per check, exit 1.
      const printed: string[] = [];
      const [shipped] = shippedEnvironments();
      const code = await cli.main(
        [shipped.name],
        () => Promise.resolve({ ok: false, stdout: "", stderr: NO_CREDENTIALS }),
        (text) => printed.push(text),
      );
      expect(code).toBe(1);
      expect(
        printed
          .join("")
          .trim()
          .split("\n")
          .filter((line) => line.startsWith("unchecked ")),
      ).toHaveLength(PREFLIGHT_CHECKS.length);
    } finally {
      if (saved === undefined) delete process.env.AWS_EC2_METADATA_DISABLED;
      else process.env.AWS_EC2_METADATA_DISABLED = saved;
    }
  });
});
