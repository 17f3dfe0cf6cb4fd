import { accountChecks, autoScalingServiceLinkedRoleCheck, githubOidcProviderCheck } from "../../../tools/preflight/account";
import type { AwsCli, PreflightResult } from "../../../tools/preflight/types";
import { testEnvironment } from "../../support/environments";

type Reply = { ok: boolean; stdout?: string; stderr?: string };

/** A fake AWS CLI answering by the command's first two words; it records every call and fails on any other. */
function fakeAws(replies: Record<string, Reply>): AwsCli & { calls: string[][] } {
  const calls: string[][] = [];
  const aws = (args: readonly string[]) => {
    calls.push([...args]);
    const reply = replies[args.slice(0, 2).join(" ")];
    if (!reply) return Promise.reject(new Error(`unexpected aws ${args.join(" ")}`));
    return Promise.resolve({ ok: reply.ok, stdout: reply.stdout ?? "", stderr: reply.stderr ?? "" });
  };
  return Object.assign(aws, { calls });
}

const noSuchRole = {
  ok: false,
  stderr: `An error occurred (NoSuchEntity) when calling the GetRole operation: The role with name AWSServiceRoleForAutoScaling cannot be found.`,
};
const providers = (...arns: string[]) => ({ ok: true, stdout: JSON.stringify({ OpenIDConnectProviderList: arns.map((Arn) => ({ Arn })) }) });
const githubArn = "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com";
const eksArn = "arn:aws:iam::123456789012:oidc-provider/oidc.eks.eu-central-1.amazonaws.com/id/ABC";

async function run(
  check: typeof autoScalingServiceLinkedRoleCheck,
  account: Record<string, string>,
  replies: Record<string, Reply>,
  github = true,
): Promise<PreflightResult[]> {
  const environment = testEnvironment({ account, ...(github ? { github: { repository: "acme/shop" } } : {}) });
  return check.run({ environment, aws: fakeAws(replies) });
}

describe("preflight: account checks", () => {
  it("registers both account-wide checks with distinct ids and descriptions", () => {
    expect(accountChecks.map((check) => check.id)).toEqual(["account-autoscaling-service-linked-role", "account-github-oidc-provider"]);
    for (const check of accountChecks) expect(check.description.length).toBeGreaterThan(0);
  });

  describe("Auto Scaling service-linked role", () => {
    it("is ok when the role exists and the config says existing, asking IAM for that role only", async () => {
      const aws = fakeAws({ "iam get-role": { ok: true, stdout: "{}" } });
      const results = await autoScalingServiceLinkedRoleCheck.run({ environment: testEnvironment(), aws });
      expect(results).toEqual([{ status: "ok", message: expect.stringContaining("exists") }]);
      const { region } = testEnvironment().account;
      expect(aws.calls).toEqual([["iam", "get-role", "--role-name", "AWSServiceRoleForAutoScaling", "--region", region]]);
    });

    it("reports a fresh account without the role when the config says existing, naming the key and the command", async () => {
      const [result] = await run(autoScalingServiceLinkedRoleCheck, {}, { "iam get-role": noSuchRole });
      expect(result.status).toBe("missing");
      expect(result.message).toContain("account.autoScalingServiceLinkedRole: create");
      expect(result.message).toContain("aws iam create-service-linked-role --aws-service-name autoscaling.amazonaws.com");
    });

    it("is ok in a fresh account when the config says create", async () => {
      expect((await run(autoScalingServiceLinkedRoleCheck, { autoScalingServiceLinkedRole: "create" }, { "iam get-role": noSuchRole }))[0].status).toBe("ok");
    });

    it("reports a config that would create a role the account already has", async () => {
      const [result] = await run(autoScalingServiceLinkedRoleCheck, { autoScalingServiceLinkedRole: "create" }, { "iam get-role": { ok: true } });
      expect(result).toMatchObject({ status: "missing", message: expect.stringContaining("set account.autoScalingServiceLinkedRole: existing") });
    });

    it("reports a failed call as unchecked, never as absent", async () => {
      const [result] = await run(
        autoScalingServiceLinkedRoleCheck,
        {},
        { "iam get-role": { ok: false, stderr: "An error occurred (AccessDenied) when calling the GetRole operation" } },
      );
      expect(result).toMatchObject({ status: "unchecked", message: expect.stringContaining("could not check (An error occurred (AccessDenied)") });
    });
  });

  describe("GitHub OIDC provider", () => {
    it("is ok when the account has none and the config creates it; an EKS provider does not count", async () => {
      expect((await run(githubOidcProviderCheck, {}, { "iam list-open-id-connect-providers": providers(eksArn) }))[0].status).toBe("ok");
    });

    it("reports an account that already has one when the config would create a second", async () => {
      const [result] = await run(githubOidcProviderCheck, {}, { "iam list-open-id-connect-providers": providers(eksArn, githubArn) });
      expect(result).toMatchObject({ status: "missing", message: expect.stringContaining("set account.githubOidcProvider: existing") });
    });

    it("is ok when the account has one and the config references it", async () => {
      expect(
        (await run(githubOidcProviderCheck, { githubOidcProvider: "existing" }, { "iam list-open-id-connect-providers": providers(githubArn) }))[0].status,
      ).toBe("ok");
    });

    it("reports a referenced provider the account does not have", async () => {
      const [result] = await run(githubOidcProviderCheck, { githubOidcProvider: "existing" }, { "iam list-open-id-connect-providers": providers() });
      expect(result).toMatchObject({ status: "missing", message: expect.stringContaining("set account.githubOidcProvider: create") });
    });

    it("says it is not needed, without calling AWS, when the environment has no github section", async () => {
      const aws = fakeAws({});
      const results = await githubOidcProviderCheck.run({ environment: testEnvironment(), aws });
      expect(results).toEqual([{ status: "info", message: expect.stringContaining("no github section") }]);
      expect(aws.calls).toEqual([]);
    });

    it("reports output that is not JSON as unchecked", async () => {
      expect((await run(githubOidcProviderCheck, {}, { "iam list-open-id-connect-providers": { ok: true, stdout: "oops" } }))[0]).toMatchObject({
        status: "unchecked",
        message: expect.stringContaining("could not check"),
      });
    });
  });
});
