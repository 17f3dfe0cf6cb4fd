import { S3BucketVersioningA } from "@cdktf/provider-aws/lib/s3-bucket-versioning";
import { IamOpenidConnectProvider } from "@cdktf/provider-aws/lib/iam-openid-connect-provider";
import { json } from "../support/synth";
import { BootstrapStack, bootstrapStackName } from "../../stacks/bootstrap-stack";
import { shippedEnvironments, testApp, testEnvironment, tier } from "../support/environments";
import { countOf, onlyResource, policyOf, resourcesOf, synthStack } from "../support/synth";
describe("BootstrapStack", () => {
  const synthesized = synthStack(new BootstrapStack(testApp(), "bootstrap", { environments: shippedEnvironments() }));

  it("keeps its own state locally: it creates the bucket the other stacks keep theirs in", () => {
    expect(synthesized.terraform?.backend).toEqual({ local: { path: "terraform.bootstrap.tfstate" } });
  });

  it("creates the state bucket the environments name, protected from destroy, with its CMK alias", () => {
    const buckets = Object.values(resourcesOf(synthesized, "aws_s3_bucket"));
    expect(buckets.map((bucket) => bucket.bucket).sort()).toEqual([`${tier.production.project}-tfstate-${tier.production.account.id}`, `${tier.production.project}-tfstate-${tier.production.account.id}-access-logs`]);
    expect(buckets.every((bucket) => (bucket.lifecycle as { prevent_destroy: boolean }).prevent_destroy)).toBe(true);
    expect(Object.values(resourcesOf(synthesized, "aws_kms_alias"))[0].name).toBe(`alias/${tier.production.project}-tfstate-${tier.production.account.id}`);
    expect(countOf(synthesized, "aws_s3_bucket_logging")).toBe(1);
  });

  it("is named per account when environments span several accounts", () => {
    expect(bootstrapStackName("123456789012", 1)).toBe("bootstrap");
    expect(bootstrapStackName("123456789012", 2)).toBe("bootstrap-123456789012");
  });

  it("refuses environments that keep their state in Terraform Cloud", () => {
    const cloud = testEnvironment({ state: { backend: "cloud", organization: "acme" } });
    expect(() => new BootstrapStack(testApp(), "bootstrap", { environments: [cloud] })).toThrow("needs at least one environment with the s3 state backend");
  });
});

describe("BootstrapStack: GitHub Actions OIDC", () => {
  const synthesized = synthStack(new BootstrapStack(testApp(), "bootstrap", { environments: shippedEnvironments() }));
  const roles = Object.values(resourcesOf(synthesized, "aws_iam_role"));
  const deployRole = (environment: string) => roles.find((role) => role.name === `${tier.production.project}-${environment}-deploy`)!;
  const deployPolicy = (environment: string) => {
    const [id] = Object.entries(resourcesOf(synthesized, "aws_iam_role")).find(([, role]) => role.name === `${tier.production.project}-${environment}-deploy`)!;
    const policy = Object.values(resourcesOf(synthesized, "aws_iam_role_policy")).find((candidate) => String(candidate.role).includes(id))!;
    return policyOf(policy).Statement;
  };

  it("trusts GitHub's OIDC issuer for the STS audience, without a pinned thumbprint", () => {
    const provider = onlyResource(synthesized, "aws_iam_openid_connect_provider");
    expect(provider).toMatchObject({ url: "https://token.actions.githubusercontent.com", client_id_list: ["sts.amazonaws.com"] });
    expect(provider.thumbprint_list).toBeUndefined();
    expect(synthesized.data).toBeUndefined();
  });

  it("creates one deploy role per environment", () => {
    expect(roles.map((role) => role.name).sort()).toEqual(shippedEnvironments().map((environment) => `${environment.prefix}-deploy`).sort());
  });

  it("lets only the repository's jobs in the matching GitHub environment assume a deploy role", () => {
    const [statement] = policyOf(deployRole(tier.production.name), "assume_role_policy").Statement;
    expect(statement).toMatchObject({
      Action: "sts:AssumeRoleWithWebIdentity",
      Condition: {
        StringEquals: {
          "token.actions.githubusercontent.com:aud": "sts.amazonaws.com",
          "token.actions.githubusercontent.com:sub": `repo:acme/${tier.production.project}:environment:prod`,
        },
      },
    });
    expect(JSON.stringify(statement.Principal)).toContain("aws_iam_openid_connect_provider");
  });

  it("gives a deploy role its own environment's state objects and nothing of the others'", () => {
    const statements = deployPolicy(tier.staging.name);
    const state = statements.find((statement) => statement.Sid === "ReadWriteOwnState")!;
    expect(state.Resource).toBe(`arn:aws:s3:::${tier.production.project}-tfstate-${tier.production.account.id}/${tier.staging.name}/*`);
    expect(statements.find((statement) => statement.Sid === "ListOwnState")!.Condition).toEqual({ StringLike: { "s3:prefix": [`${tier.staging.name}/*`] } });
  });

  it("bounds a deploy role: no admin policy, IAM only on its environment's names, never on itself or on users", () => {
    expect(countOf(synthesized, "aws_iam_role_policy_attachment")).toBe(0);
    const statements = deployPolicy(tier.production.name);
    expect(statements.some((statement) => statement.Effect === "Allow" && statement.Action === "*")).toBe(false);
    const iam = statements.find((statement) => statement.Sid === "ManageEnvironmentIamRoles")!;
    expect((iam.Resource as string[]).every((resource) => resource.endsWith(`/${tier.production.prefix}-*`) || resource.endsWith("oidc-provider/oidc.eks.*"))).toBe(true);
    const denied = statements.filter((statement) => statement.Effect === "Deny");
    expect(denied.flatMap((statement) => statement.Action as string[])).toEqual(expect.arrayContaining(["iam:CreateUser", "iam:CreateAccessKey", "iam:*"]));
    expect(denied.map((statement) => statement.Resource)).toContain(`arn:aws:iam::${tier.production.account.id}:role/${tier.production.prefix}-deploy`);
  });

  it("keeps the managed services to the environment's region, us-east-1 (CloudFront) and its disaster-recovery region", () => {
    const regions = (environment: string) =>
      deployPolicy(environment).find((statement) => statement.Sid === "ManageEnvironmentServicesInItsRegions")!.Condition;
    expect(regions(tier.production.name)).toEqual({ StringEquals: { "aws:RequestedRegion": [tier.production.account.region, "us-east-1", tier.production.database.disasterRecovery.region] } });
    expect(regions(tier.development.name)).toEqual({ StringEquals: { "aws:RequestedRegion": [tier.production.account.region, "us-east-1"] } });
  });

  it("creates neither provider nor roles when no environment names a GitHub repository", () => {
    const bare = synthStack(new BootstrapStack(testApp(), "bootstrap", { environments: [testEnvironment()] }));
    expect(countOf(bare, "aws_iam_openid_connect_provider")).toBe(0);
    expect(countOf(bare, "aws_iam_role")).toBe(0);
  });

  it("trusts a differently named GitHub environment when the config names one", () => {
    const custom = synthStack(
      new BootstrapStack(testApp(), "bootstrap", { environments: [testEnvironment({ github: { repository: "acme/shop", environment: "production" } })] }),
    );
    const [statement] = policyOf(onlyResource(custom, "aws_iam_role"), "assume_role_policy").Statement;
    expect(JSON.stringify(statement.Condition)).toContain("repo:acme/shop:environment:production");
  });
  it("versions the state bucket and trusts GitHub's OIDC issuer for sts.amazonaws.com", () => {
    expect(json(synthesized)).toHaveResourceWithProperties(S3BucketVersioningA, { versioning_configuration: { status: "Enabled" } });
    expect(json(synthesized)).toHaveResourceWithProperties(IamOpenidConnectProvider, { url: "https://token.actions.githubusercontent.com", client_id_list: ["sts.amazonaws.com"] });
  });

});
