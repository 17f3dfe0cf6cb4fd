import { S3BucketVersioningA } from "@cdktf/provider-aws/lib/s3-bucket-versioning";
import { IamOpenidConnectProvider } from "@cdktf/provider-aws/lib/iam-openid-connect-provider";
import type { EnvironmentInput } from "../../config/schema/environment";
import { json } from "../support/synth";
import * as path from "path";
import { App } from "cdktf";
import { BootstrapStack, bootstrapStackName, bootstrapStateFile } from "../../stacks/bootstrap-stack";
import { EnvironmentConfig } from "../../config";
import { deployRoleName, pipelineRolesOf, planRoleName, pullRequestPlanRoleName } from "../../constructs/iam/pipeline-roles";
import { bootstrapStacks } from "../../main";
import {
  committedEnvironments,
  hasPipelines,
  shippedEnvironment,
  shippedEnvironments,
  shippedWith,
  testApp,
  testEnvironment,
  tier,
  withPipelines,
  withS3State,
} from "../support/environments";
import { countOf, onlyResource, policyOf, resourcesOf, SynthesizedStack, synthStack } from "../support/synth";
/** The bootstrap stack of an environment's account, built as main.ts builds it: from the account's environments with S3 state. */
const bootstraps = new Map<string, SynthesizedStack>();
function bootstrapOf(environment: EnvironmentConfig): SynthesizedStack {
  const account = environment.account.id;
  if (!bootstraps.has(account)) {
    const members = withS3State().filter((candidate) => candidate.account.id === account);
    bootstraps.set(account, synthStack(new BootstrapStack(testApp(), `bootstrap-${account}`, { environments: members })));
  }
  return bootstraps.get(account)!;
}

describe("BootstrapStack", () => {
  const synthesized = bootstrapOf(tier.production);

  it("keeps its own state locally, in state/bootstrap-<account>.tfstate, outside the output folder every synth replaces", () => {
    const stack = new BootstrapStack(testApp(), "bootstrap", { environments: [testEnvironment()] });
    const { path: statePath } = (synthStack(stack).terraform?.backend as { local: { path: string } }).local;
    // Terraform resolves a local backend's relative path against the stack's folder in the output.
    const stackDir = path.join(App.of(stack).outdir, "stacks", stack.node.id);
    const resolved = path.resolve(stackDir, statePath);
    expect(resolved).toBe(path.resolve("state", `bootstrap-${testEnvironment().account.id}.tfstate`));
    expect(path.relative(App.of(stack).outdir, resolved).startsWith("..")).toBe(true);
    expect(path.isAbsolute(statePath)).toBe(false);
  });

  it("keeps the state file where a stack renamed for a second account finds it", () => {
    const file = (id: string) => {
      const stack = new BootstrapStack(testApp(), id, { environments: [testEnvironment()], stateDirectory: "/srv/platform/state" });
      return path.resolve(path.join(App.of(stack).outdir, "stacks", id), (synthStack(stack).terraform?.backend as { local: { path: string } }).local.path);
    };
    expect(file("bootstrap")).toBe(bootstrapStateFile("/srv/platform/state", testEnvironment().account.id));
    expect(file(`bootstrap-${testEnvironment().account.id}`)).toBe(file("bootstrap"));
  });

  it("creates the state bucket the environments name, protected from destroy, with its CMK alias", () => {
    const buckets = Object.values(resourcesOf(synthesized, "aws_s3_bucket"));
    expect(buckets.map((bucket) => bucket.bucket).sort()).toEqual([
      `${tier.production.project}-tfstate-${tier.production.account.id}`,
      `${tier.production.project}-tfstate-${tier.production.account.id}-access-logs`,
    ]);
    expect(buckets.every((bucket) => (bucket.lifecycle as { prevent_destroy: boolean }).prevent_destroy)).toBe(true);
    expect(Object.values(resourcesOf(synthesized, "aws_kms_alias"))[0].name).toBe(`alias/${tier.production.project}-tfstate-${tier.production.account.id}`);
    expect(countOf(synthesized, "aws_s3_bucket_logging")).toBe(1);
  });

  it("is named per account when environments span several accounts", () => {
    expect(bootstrapStackName("123456789012", 1)).toBe("bootstrap");
    expect(bootstrapStackName("123456789012", 2)).toBe("bootstrap-123456789012");
  });

  it("refuses environments of another account: each account has its own bootstrap", () => {
    const other = testEnvironment({ account: { id: "210987654321" } }, "other");
    expect(() => new BootstrapStack(testApp(), "bootstrap", { environments: [testEnvironment(), other] })).toThrow(
      "bootstrap: holds one account's bootstrap; other belong to another account than test",
    );
  });

  it("refuses environments that keep their state in Terraform Cloud", () => {
    const cloud = testEnvironment({ state: { backend: "cloud", organization: "acme" } });
    expect(() => new BootstrapStack(testApp(), "bootstrap", { environments: [cloud] })).toThrow("needs at least one environment with the s3 state backend");
  });
});

describe("the account layout", () => {
  it("ships one AWS account per environment, the isolation boundary AWS offers (docs/environments.md)", () => {
    const shipped = committedEnvironments();
    expect(shipped.length).toBeGreaterThan(1);
    expect(new Set(shipped.map((environment) => environment.account.id)).size).toBe(shipped.length);
  });

  it("gives every account of S3 state its own bootstrap stack, state bucket and GitHub OIDC provider, holding the roles of its environments only", () => {
    const environments = withS3State();
    const accounts = [...new Set(environments.map((environment) => environment.account.id))];
    // Environments on Terraform Cloud keep their state there: their accounts get no bootstrap stack of theirs.
    const stacks = bootstrapStacks(testApp(), shippedEnvironments(), shippedEnvironments());
    expect(stacks.map((stack) => stack.node.id).sort()).toEqual(accounts.map((account) => bootstrapStackName(account, accounts.length)).sort());
    for (const stack of stacks) {
      const account = accounts.find((candidate) => stack.node.id === bootstrapStackName(candidate, accounts.length))!;
      const synthesized = synthStack(stack);
      const members = environments.filter((environment) => environment.account.id === account);
      const state = members[0].state as { bucket: string };
      expect(Object.values(resourcesOf(synthesized, "aws_s3_bucket")).map((bucket) => bucket.bucket)).toContain(state.bucket);
      const deployed = members.filter(hasPipelines);
      expect(countOf(synthesized, "aws_iam_openid_connect_provider")).toBe(deployed.length > 0 && members[0].account.githubOidcProvider === "create" ? 1 : 0);
      expect((synthesized.provider!.aws[0] as { allowed_account_ids: string[] }).allowed_account_ids).toEqual([account]);
      const roles = Object.values(resourcesOf(synthesized, "aws_iam_role")).map((role) => role.name);
      const pullRequests = (member: (typeof members)[number]) => (member.tier === "development" ? [pullRequestPlanRoleName(member.prefix)] : []);
      expect(roles.sort()).toEqual(deployed.flatMap((member) => [deployRoleName(member.prefix), planRoleName(member.prefix), ...pullRequests(member)]).sort());
    }
  });
});

describe("BootstrapStack: GitHub Actions OIDC", () => {
  const production = shippedWith("of the production tier with GitHub pipeline roles", (environment) => environment.isProduction && hasPipelines(environment));
  const synthesized = bootstrapOf(production);
  const byName = (environment: string) => bootstrapOf(shippedEnvironment(environment));
  const roles = withS3State().flatMap((environment) => Object.values(resourcesOf(bootstrapOf(environment), "aws_iam_role")));
  const deployRole = (environment: string) => roles.find((role) => role.name === `${production.project}-${environment}-deploy`)!;
  const deployPolicy = (environment: string) => {
    const stack = byName(environment);
    const [id] = Object.entries(resourcesOf(stack, "aws_iam_role")).find(([, role]) => role.name === `${production.project}-${environment}-deploy`)!;
    const policy = Object.values(resourcesOf(stack, "aws_iam_role_policy")).find((candidate) => String(candidate.role).includes(id))!;
    return policyOf(policy).Statement;
  };

  it("trusts GitHub's OIDC issuer for the STS audience, without a pinned thumbprint", () => {
    const provider = onlyResource(synthesized, "aws_iam_openid_connect_provider");
    expect(provider).toMatchObject({ url: "https://token.actions.githubusercontent.com", client_id_list: ["sts.amazonaws.com"] });
    expect(provider.thumbprint_list).toBeUndefined();
    expect(synthesized.data).toBeUndefined();
  });

  it("creates a deploy and a plan role per environment, in the bootstrap stack of the environment's own account", () => {
    // Pull requests plan development tiers only, with a role of their own.
    const rolesOf = (environment: EnvironmentConfig) => [
      `${environment.prefix}-deploy`,
      `${environment.prefix}-plan`,
      ...(environment.tier === "development" ? [`${environment.prefix}-pr-plan`] : []),
    ];
    // Only environments GitHub Actions deploys (a repository, S3 state) have pipeline roles.
    const expected = withPipelines().flatMap(rolesOf);
    expect([...new Set(roles.map((role) => role.name))].sort()).toEqual(expected.sort());
    for (const environment of withS3State()) {
      const names = Object.values(resourcesOf(bootstrapOf(environment), "aws_iam_role")).map((role) => role.name);
      const sameAccount = withPipelines().filter((candidate) => candidate.account.id === environment.account.id);
      expect(names.sort()).toEqual(sameAccount.flatMap(rolesOf).sort());
    }
  });

  it("lets only the repository's jobs in the matching GitHub environment assume a deploy role", () => {
    const [statement] = policyOf(deployRole(production.name), "assume_role_policy").Statement;
    expect(statement).toMatchObject({
      Action: "sts:AssumeRoleWithWebIdentity",
      Condition: {
        StringEquals: {
          "token.actions.githubusercontent.com:aud": "sts.amazonaws.com",
          "token.actions.githubusercontent.com:sub": `repo:${production.github!.repository}:environment:${pipelineRolesOf(production)!.githubEnvironment}`,
        },
      },
    });
    expect(JSON.stringify(statement.Principal)).toContain("aws_iam_openid_connect_provider");
  });

  it("gives a deploy role its own environment's state objects and nothing of the others'", () => {
    for (const environment of withPipelines()) {
      const statements = deployPolicy(environment.name);
      const state = statements.find((statement) => statement.Sid === "ReadWriteOwnState")!;
      expect(state.Resource).toBe(`arn:aws:s3:::${environment.project}-tfstate-${environment.account.id}/${environment.name}/*`);
      expect(statements.find((statement) => statement.Sid === "ListOwnState")!.Condition).toEqual({ StringLike: { "s3:prefix": [`${environment.name}/*`] } });
    }
  });

  it("bounds a deploy role: no admin policy, roles only under its boundary, never on itself, the boundary or users", () => {
    expect(countOf(synthesized, "aws_iam_role_policy_attachment")).toBe(0);
    const statements = deployPolicy(production.name);
    expect(statements.some((statement) => statement.Effect === "Allow" && statement.Action === "*")).toBe(false);
    const iamArn = (kind: string, name: string) => `arn:aws:iam::${production.account.id}:${kind}/${name}`;
    const boundary = `${production.prefix}-boundary`;
    const create = statements.find((statement) => statement.Sid === "CreateRolesOnlyUnderTheBoundary")!;
    expect(create.Condition).toEqual({ StringEquals: { "iam:PermissionsBoundary": iamArn("policy", boundary) } });
    const denied = statements.filter((statement) => statement.Effect === "Deny");
    expect(denied.flatMap((statement) => statement.Action as string[])).toEqual(expect.arrayContaining(["iam:CreateUser", "iam:CreateAccessKey", "iam:*"]));
    expect(denied.flatMap((statement) => statement.Resource)).toEqual(
      expect.arrayContaining([iamArn("role", `${production.prefix}-deploy`), iamArn("policy", boundary)]),
    );
    expect(Object.values(resourcesOf(synthesized, "aws_iam_policy")).map((policy) => policy.name)).toContain(boundary);
  });

  it("lets a deploy role attach only the AWS managed policies the environment's roles use, never AdministratorAccess", () => {
    const guard = deployPolicy(production.name).find((statement) => statement.Sid === "OnlyTheEnvironmentsAwsManagedPolicies")!;
    expect(guard).toMatchObject({ Effect: "Deny", Action: ["iam:AttachRolePolicy", "iam:DetachRolePolicy"] });
    expect((guard.Condition as { ArnNotLike: Record<string, string[]> }).ArnNotLike["iam:PolicyARN"]).toEqual([
      "arn:aws:iam::aws:policy/AmazonEKSClusterPolicy",
      "arn:aws:iam::aws:policy/AmazonEKS_CNI_Policy",
      "arn:aws:iam::aws:policy/AmazonEKSWorkerNodePolicy",
      "arn:aws:iam::aws:policy/AmazonEC2ContainerRegistryPullOnly",
      "arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore",
      "arn:aws:iam::aws:policy/service-role/AmazonEBSCSIDriverPolicy",
      "arn:aws:iam::aws:policy/service-role/AmazonRDSEnhancedMonitoringRole",
      "arn:aws:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForBackup",
      "arn:aws:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForRestores",
      `arn:aws:iam::${production.account.id}:policy/${production.prefix}-*`,
    ]);
  });

  it("keeps the managed services to the environment's region, us-east-1 (CloudFront) and its disaster-recovery region", () => {
    const regions = (environment: string) =>
      deployPolicy(environment).find((statement) => statement.Sid === "ManageEnvironmentServicesInItsRegions")!.Condition;
    for (const environment of withPipelines()) {
      const recovery = environment.database.disasterRecovery.region;
      expect(regions(environment.name)).toEqual({
        StringEquals: { "aws:RequestedRegion": [environment.account.region, "us-east-1", ...(recovery ? [recovery] : [])] },
      });
    }
    expect(production.database.disasterRecovery.region).toBeDefined();
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
    const deploy = Object.values(resourcesOf(custom, "aws_iam_role")).find((role) => role.name === "shop-test-deploy")!;
    const [statement] = policyOf(deploy, "assume_role_policy").Statement;
    expect(JSON.stringify(statement.Condition)).toContain("repo:acme/shop:environment:production");
  });
  it("versions the state bucket and trusts GitHub's OIDC issuer for sts.amazonaws.com", () => {
    expect(json(synthesized)).toHaveResourceWithProperties(S3BucketVersioningA, { versioning_configuration: { status: "Enabled" } });
    expect(json(synthesized)).toHaveResourceWithProperties(IamOpenidConnectProvider, {
      url: "https://token.actions.githubusercontent.com",
      client_id_list: ["sts.amazonaws.com"],
    });
  });
});

describe("BootstrapStack: account-wide resources a fresh account lacks or an old one already has", () => {
  const bootstrap = (account: Pick<EnvironmentInput["account"], "githubOidcProvider" | "autoScalingServiceLinkedRole">) =>
    synthStack(new BootstrapStack(testApp(), "bootstrap", { environments: [testEnvironment({ account, github: { repository: "acme/shop" } })] }));

  it("creates the GitHub OIDC provider by default and only references it when the account has one", () => {
    const created = bootstrap({});
    expect(countOf(created, "aws_iam_openid_connect_provider")).toBe(1);
    const referenced = bootstrap({ githubOidcProvider: "existing" });
    expect(countOf(referenced, "aws_iam_openid_connect_provider")).toBe(0);
    const deploy = Object.values(resourcesOf(referenced, "aws_iam_role")).find((role) => String(role.name).endsWith("-deploy"))!;
    const trust = policyOf(deploy, "assume_role_policy").Statement[0];
    expect(trust.Principal).toEqual({ Federated: "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com" });
  });

  it("creates the Auto Scaling service-linked role only when the config says the account lacks it", () => {
    expect(countOf(bootstrap({}), "aws_iam_service_linked_role")).toBe(0);
    expect(onlyResource(bootstrap({ autoScalingServiceLinkedRole: "create" }), "aws_iam_service_linked_role")).toMatchObject({
      aws_service_name: "autoscaling.amazonaws.com",
    });
  });
});

describe("BootstrapStack: the runners' GitHub connections", () => {
  const github = { repository: "acme/shop" };
  const state = { backend: "s3", region: "eu-central-1" } as const;
  const here = testEnvironment({ github, state }, "here");
  const away = testEnvironment(
    { github, state, account: { region: "eu-west-1" }, network: { availabilityZones: ["eu-west-1a", "eu-west-1b", "eu-west-1c"] } },
    "away",
  );
  const synthesized = synthStack(new BootstrapStack(testApp(), "bootstrap", { environments: [here, away] }));

  it("creates one connection per runner region, on that region's provider, with the account guard and tags of the stack's", () => {
    const connections = Object.values(resourcesOf(synthesized, "aws_codeconnections_connection"));
    expect(connections.map((connection) => connection.provider ?? "default").sort()).toEqual(["aws.eu-west-1", "default"]);
    const [base, westOne] = synthesized.provider!.aws;
    expect(base.region).toBe("eu-central-1");
    expect(westOne).toEqual({ alias: "eu-west-1", region: "eu-west-1", allowed_account_ids: ["123456789012"], default_tags: base.default_tags });
    const credentials = Object.values(resourcesOf(synthesized, "aws_codebuild_source_credential"));
    expect(credentials.map((credential) => credential.provider ?? "default").sort()).toEqual(["aws.eu-west-1", "default"]);
  });

  it("keeps each deploy role to its own environment's region", () => {
    const deployPolicyOf = (environment: string) => {
      const [id] = Object.entries(resourcesOf(synthesized, "aws_iam_role")).find(([, role]) => role.name === `shop-${environment}-deploy`)!;
      const policy = Object.values(resourcesOf(synthesized, "aws_iam_role_policy")).find((candidate) => String(candidate.role).includes(id))!;
      return policyOf(policy).Statement.find((statement) => statement.Sid === "ManageEnvironmentServicesInItsRegions")!.Condition;
    };
    expect(deployPolicyOf("here")).toEqual({ StringEquals: { "aws:RequestedRegion": ["eu-central-1", "us-east-1"] } });
    expect(deployPolicyOf("away")).toEqual({ StringEquals: { "aws:RequestedRegion": ["eu-west-1", "us-east-1"] } });
  });
});
