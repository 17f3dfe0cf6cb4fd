import { environmentGuardrails } from "../../../config/schema/guardrails";
import { preflight, PREFLIGHT_CHECKS } from "../../../tools/preflight/checks";
import { declaredSecrets, secretsCheck } from "../../../tools/preflight/secrets";
import type { AwsCli } from "../../../tools/preflight/types";
import { shippedEnvironments, testEnvironment } from "../../support/environments";
import { synthPlatform } from "../../support/platform";

const environment = testEnvironment({
  platform: {
    kubePrometheusStack: { alertmanager: { receivers: [{ name: "team", type: "slack", secretName: "shop-test/slack" }] } },
    argoCd: { sso: { issuer: "https://login.shop.example.com", clientId: "argocd", clientSecretName: "shop-test/oidc", groups: { admin: ["ops"] } } },
  },
});

/** A fake AWS CLI: each secret is absent, empty (no AWSCURRENT) or has a value; every call is recorded. */
function fakeAws(state: Record<string, "absent" | "empty" | "value">): { aws: AwsCli; calls: string[][] } {
  const calls: string[][] = [];
  const answer = (args: readonly string[]) => {
    calls.push([...args]);
    if (args[0] === "sts") return { ok: true, stdout: JSON.stringify({ Arn: "arn:aws:sts::123456789012:assumed-role/deploy/preflight" }), stderr: "" };
    const id = args[args.indexOf("--secret-id") + 1];
    const secret = state[id] ?? "absent";
    if (secret === "absent")
      return { ok: false, stdout: "", stderr: `An error occurred (ResourceNotFoundException) when calling the DescribeSecret operation: ${id}` };
    const stages = secret === "value" ? { "v-1": ["AWSCURRENT"] } : {};
    return { ok: true, stdout: JSON.stringify({ Name: id, VersionIdsToStages: stages }), stderr: "" };
  };
  const aws: AwsCli = (args) => Promise.resolve(answer(args));
  return { aws, calls };
}

describe("npm run preflight: secrets", () => {
  test("lists a user-supplied secret without a value as missing, with the command that puts it", async () => {
    const { aws } = fakeAws({ "shop-test/slack": "empty", "shop-test/oidc": "value", "shop-test/grafana-admin": "value" });
    const results = await secretsCheck.run({ environment, aws });
    expect(results.filter((result) => result.status === "missing").map((result) => result.message)).toEqual([
      expect.stringMatching(/^shop-test\/slack: no value, so Alertmanager receiver team .*put-secret-value --region eu-central-1 --secret-id shop-test\/slack/),
    ]);
    expect(results.filter((result) => result.status === "ok")).toHaveLength(2);
  });

  test("before the first deploy nothing exists yet: every secret is reported as info, not missing", async () => {
    const { lines, missing } = await preflight(environment, fakeAws({}).aws, [secretsCheck]);
    expect(lines[0]).toBe("as arn:aws:sts::123456789012:assumed-role/deploy/preflight");
    expect(missing).toBe(0);
    expect(lines.filter((line) => line.startsWith("info"))).toHaveLength(3);
  });

  test("a generated secret without a value is missing (its PushSecret has not run); an unreadable one says why", async () => {
    const { aws } = fakeAws({ "shop-test/slack": "value", "shop-test/oidc": "value", "shop-test/grafana-admin": "empty" });
    const results = await secretsCheck.run({ environment, aws });
    expect(results.find((result) => result.message.startsWith("shop-test/grafana-admin"))).toMatchObject({
      status: "missing",
      message: expect.stringContaining("PushSecret"),
    });
    const denied: AwsCli = () => Promise.resolve({ ok: false, stdout: "", stderr: "An error occurred (AccessDeniedException)" });
    expect((await secretsCheck.run({ environment, aws: denied }))[0]).toMatchObject({
      status: "unchecked",
      message: expect.stringContaining("AccessDeniedException"),
    });
  });

  test("only ever calls read-only commands, in the environment's region, for every registered check", async () => {
    const { aws, calls } = fakeAws({});
    const environment = testEnvironment({ github: { repository: "acme/shop" } });
    await preflight(environment, aws, PREFLIGHT_CHECKS);
    const guardrails = environmentGuardrails(environment).enabled ? ["guardduty", "configservice", "securityhub"] : [];
    expect(new Set(calls.map((call) => call[0]))).toEqual(new Set(["sts", "iam", "secretsmanager", ...guardrails]));
    for (const call of calls) {
      expect(call[1]).toMatch(/^(describe|list|get)-/);
      expect(call).toContain("--region");
      expect(call[call.indexOf("--region") + 1]).toBe(environment.account.region);
    }
  });

  test.each(shippedEnvironments().map((shipped) => [shipped.name, shipped] as const))(
    "%s: preflight looks at exactly the secrets the platform stack creates",
    (_name, shipped) => {
      const created = synthPlatform(shipped)
        .resources("aws_secretsmanager_secret")
        .map((secret) => secret.name)
        .sort();
      expect(
        declaredSecrets(shipped)
          .map((secret) => secret.name)
          .sort(),
      ).toEqual(created);
    },
  );
});
