import { Construct } from "constructs";
import { Aspects, LocalBackend, TerraformOutput, TerraformStack } from "cdktf";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { EnvironmentConfig } from "../config";
import { PolicyAspect } from "../constructs/policy/policy-aspect";
import { IamServiceLinkedRole } from "@cdktf/provider-aws/lib/iam-service-linked-role";
import { GithubDeployRole, GithubOidcProvider, pipelineRolesOf } from "../constructs/iam/github-actions";
import { GithubConnection } from "../constructs/runner/github-connection";
import { StateBucket } from "../constructs/state/state-bucket";
import { AwsScope } from "../constructs/core/aws-scope";
import { defaultTags } from "./environment-stack";

export interface BootstrapStackProps {
  /** The environments whose state this account's bucket keeps; they agree on bucket and region (the loader checks). */
  readonly environments: readonly EnvironmentConfig[];
}

/** The name of the bootstrap stack of an account: `bootstrap`, or `bootstrap-<account>` when configs span accounts. */
export function bootstrapStackName(accountId: string, accountCount: number): string {
  return accountCount > 1 ? `bootstrap-${accountId}` : "bootstrap";
}

/**
 * What the environment stacks need before they can run: the encrypted, versioned state bucket and its CMK, and the
 * GitHub Actions OIDC provider with one deploy role per environment that names a GitHub repository.
 * It keeps local state (it creates the remote one) and is applied once per account.
 */
export class BootstrapStack extends TerraformStack {
  readonly stateBucket: StateBucket;
  readonly githubOidcProvider?: GithubOidcProvider;
  /** GitHub connections of the in-VPC runners, by region. */
  readonly githubConnections: Record<string, GithubConnection> = {};
  /** Deploy roles by environment name. */
  readonly deployRoles: Record<string, GithubDeployRole> = {};

  constructor(scope: Construct, id: string, props: BootstrapStackProps) {
    super(scope, id);
    const [first] = props.environments;
    if (!first || first.state.backend !== "s3") {
      throw new Error(`${id}: needs at least one environment with the s3 state backend`);
    }
    const { state } = first;
    new LocalBackend(this, { path: `terraform.${id}.tfstate` });
    new AwsProvider(this, "aws", {
      region: state.region,
      allowedAccountIds: [first.account.id],
      defaultTags: [{ tags: defaultTags("account", id, first.project, {}) }],
    });
    const account = { accountId: first.account.id, region: state.region, partition: first.partition };
    AwsScope.declare(this, account);
    this.stateBucket = new StateBucket(this, "State", {
      account,
      bucketName: state.bucket,
      keyAlias: state.kmsKeyAlias.replace(/^alias\//, ""),
    });
    const deployed = props.environments.flatMap((environment) => {
      const roles = pipelineRolesOf(environment);
      return roles ? [{ environment, roles }] : [];
    });
    if (deployed.length > 0) {
      const oidcProvider = new GithubOidcProvider(this, "GithubOidc", { account, existing: first.account.githubOidcProvider === "existing" });
      this.githubOidcProvider = oidcProvider;
      for (const { environment, roles } of deployed) {
        const role = new GithubDeployRole(this, `Deploy-${environment.name}`, {
          account: { accountId: environment.account.id, region: environment.account.region, partition: environment.partition },
          oidcProvider,
          prefix: environment.prefix,
          environmentName: environment.name,
          repository: roles.repository,
          githubEnvironment: roles.githubEnvironment,
          production: environment.isProduction,
          state: { bucket: state.bucket, keyPrefix: `${environment.name}/`, keyArn: this.stateBucket.key.arn },
          additionalRegions: environment.database.disasterRecovery.region ? [environment.database.disasterRecovery.region] : [],
        });
        this.deployRoles[environment.name] = role;
        new TerraformOutput(this, `deploy_role_${environment.name}`, { value: role.arn, description: `GitHub Actions deploy role of ${environment.name}` });
        new TerraformOutput(this, `plan_role_${environment.name}`, {
          value: role.planRole.arn,
          description: `GitHub Actions plan role of ${environment.name}`,
        });
      }
    }
    for (const region of [...new Set(deployed.map(({ environment }) => environment.account.region))]) {
      const provider =
        region === state.region
          ? undefined
          : new AwsProvider(this, `aws-${region}`, {
              alias: region,
              region,
              allowedAccountIds: [first.account.id],
              defaultTags: [{ tags: defaultTags("account", id, first.project, {}) }],
            });
      const connection = new GithubConnection(this, `GithubConnection-${region}`, { name: `${first.project}-github`.slice(0, 32), provider });
      this.githubConnections[region] = connection;
      new TerraformOutput(this, `github_connection_${region.replace(/-/g, "_")}`, {
        value: connection.arn,
        description: `CodeConnections connection of the runners in ${region}: approve it once in the console (docs/delivery-pipelines.md)`,
      });
    }
    if (first.account.autoScalingServiceLinkedRole === "create") {
      // Account-wide, so here and not in an environment's cluster stack (a second environment would collide, and
      // destroying one environment would try to delete a role the others use). Apply before any cluster stack: the
      // node volume key's policy names this role.
      new IamServiceLinkedRole(this, "AutoScalingServiceLinkedRole", {
        awsServiceName: "autoscaling.amazonaws.com",
        description: "Lets EC2 Auto Scaling launch EKS nodes with the node volume key",
      });
    }
    new TerraformOutput(this, "state_bucket", { value: this.stateBucket.bucket.name, description: "Terraform state bucket" });
    new TerraformOutput(this, "state_key_arn", { value: this.stateBucket.key.arn, description: "CMK that encrypts the state" });
    // Production rules whatever the environments' tiers: this stack holds the state of all of them.
    Aspects.of(this).add(new PolicyAspect({ production: true }));
  }
}
