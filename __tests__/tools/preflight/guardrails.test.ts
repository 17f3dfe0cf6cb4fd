import { guardrailsCheck } from "../../../tools/preflight/guardrails";
import type { AwsCli } from "../../../tools/preflight/types";
import { testEnvironment } from "../../support/environments";

type Reply = { ok: boolean; stdout?: string; stderr?: string };

function awsAnswering(replies: Record<string, Reply>): AwsCli & { calls: string[] } {
  const calls: string[] = [];
  const aws = (args: readonly string[]) => {
    const command = args.slice(0, 2).join(" ");
    calls.push(command);
    const { ok, stdout = "", stderr = "" } = replies[command] ?? { ok: false, stderr: `unexpected call ${command}` };
    return Promise.resolve({ ok, stdout, stderr });
  };
  return Object.assign(aws, { calls });
}

const NOTHING_ON: Record<string, Reply> = {
  "guardduty list-detectors": { ok: true, stdout: '{"DetectorIds": []}' },
  "configservice describe-configuration-recorders": { ok: true, stdout: '{"ConfigurationRecorders": []}' },
  "securityhub describe-hub": {
    ok: false,
    stderr: "An error occurred (InvalidAccessException) when calling the DescribeHub operation: Account 123456789012 is not subscribed to AWS Security Hub",
  },
};

describe("npm run preflight: the account's guardrail services", () => {
  const guarded = testEnvironment({ guardrails: { enabled: true } });

  it("finds nothing in the way in an account where GuardDuty, Config and Security Hub are off", async () => {
    const results = await guardrailsCheck.run({ environment: guarded, aws: awsAnswering(NOTHING_ON) });
    expect(results.map((result) => result.status)).toEqual(["ok", "ok", "ok"]);
  });

  it("reports each service already on as missing work, naming the import and the config key that turns it off", async () => {
    const aws = awsAnswering({
      "guardduty list-detectors": { ok: true, stdout: '{"DetectorIds": ["12abc34d567e8fa901bc2d34e56789f0"]}' },
      "configservice describe-configuration-recorders": { ok: true, stdout: '{"ConfigurationRecorders": [{"name": "default"}]}' },
      "securityhub describe-hub": { ok: true, stdout: '{"HubArn": "arn:aws:securityhub:eu-central-1:123456789012:hub/default"}' },
    });
    const results = await guardrailsCheck.run({ environment: guarded, aws });
    expect(results.map((result) => result.status)).toEqual(["missing", "missing", "missing"]);
    expect(results[0].message).toContain(`import it into guardrails-${guarded.account.id}`);
    expect(results[0].message).toContain("guardrails.guardDuty.enabled: false");
  });

  it("asks only about the services the environment turns on, and nothing when its guardrails are off", async () => {
    const withoutHub = testEnvironment({ guardrails: { enabled: true, securityHub: { enabled: false } } });
    const aws = awsAnswering(NOTHING_ON);
    await guardrailsCheck.run({ environment: withoutHub, aws });
    expect(aws.calls).toEqual(["guardduty list-detectors", "configservice describe-configuration-recorders"]);

    const off = awsAnswering(NOTHING_ON);
    const results = await guardrailsCheck.run({ environment: testEnvironment({ guardrails: { enabled: false } }), aws: off });
    expect(off.calls).toEqual([]);
    expect(results.map((result) => result.status)).toEqual(["info"]);
  });

  it("says what it could not check, and which permission the caller lacks", async () => {
    const aws = awsAnswering({ ...NOTHING_ON, "guardduty list-detectors": { ok: false, stderr: "An error occurred (AccessDeniedException)" } });
    const [guardDuty] = await guardrailsCheck.run({ environment: guarded, aws });
    expect(guardDuty).toEqual({ status: "unchecked", message: expect.stringContaining("guardduty:ListDetectors") });
  });
});
