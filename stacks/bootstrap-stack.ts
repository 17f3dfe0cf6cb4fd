import * as path from "path";
import { Construct } from "constructs";
import { App, Aspects, LocalBackend, TerraformOutput, TerraformStack } from "cdktf";
import { EnvironmentConfig } from "../config";
import { PolicyAspect } from "../constructs/policy/policy-aspect";
import { GithubDeployRole } from "../constructs/iam/deploy-role";
import { GithubOidcProvider } from "../constructs/iam/github-oidc";
import { pipelineRolesOf } from "../constructs/iam/pipeline-roles";
import { AutoScalingServiceLinkedRole } from "../constructs/iam/service-linked-role";
import { GithubConnection } from "../constructs/runner/github-connection";
import { StateBucket } from "../constructs/state/state-bucket";
import { awsProviderIn, declareAwsStack, RegionalScope } from "../constructs/core/aws-scope";
import { defaultTags } from "./environment-stack";

export interface BootstrapStackProps {
  /** The environments whose state this account's bucket keeps; they agree on bucket and region (the loader checks). */
  readonly environments: readonly EnvironmentConfig[];
  /** Every environment of the account, Terraform Cloud's included: their node groups are out of the roles' reach. @default environments */
  readonly accountEnvironments?: readonly EnvironmentConfig[];
  /**
   * Folder of the local state files, outside anything a tool deletes (cdktf replaces its output folder on every synth).
   * @default `state/` in the working directory, the repository root where `npm run synth` and cdktf run
   */
  readonly stateDirectory?: string;
}

/** The local state file of an account's bootstrap: named by account, so a stack renamed by a second account keeps it. */
export function bootstrapStateFile(stateDirectory: string, accountId: string): string {
  return path.join(path.resolve(stateDirectory), `bootstrap-${accountId}.tfstate`);
}

/** The name of the bootstrap stack of an account: `bootstrap`, or `bootstrap-<account>` when configs span accounts. */
export function bootstrapStackName(accountId: string, accountCount: number): string {
  return accountCount > 1 ? `bootstrap-${accountId}` : "bootstrap";
}

/**
 * What the environment stacks need before they can run: the encrypted, versioned state bucket and its CMK, and the
 * GitHub Actions OIDC provider with one deploy role per environment that names a GitHub repository.
 * It keeps local state (it creates the remote one) in `state/bootstrap-<account>.tfstate` and is applied once per
 * account, always built from every environment of the account.
 */
export class BootstrapStack extends TerraformStack {
  readonly stateBucket: StateBucket;
  readonly githubOidcProvider?: GithubOidcProvider;
  /** GitHub connections of the in-VPC runners, by region. */
  readonly githubConnections: Record<string, GithubConnection> = {};
  /** Deploy roles by environment name. */
  readonly deployRoles: Record<string, GithubDeployRole> = {};
  /** Created when the config says the account lacks it (`account.autoScalingServiceLinkedRole: create`). */
  readonly autoScalingServiceLinkedRole?: AutoScalingServiceLinkedRole;

  constructor(scope: Construct, id: string, props: BootstrapStackProps) {
    super(scope, id);
    const [first] = props.environments;
    if (!first || first.state.backend !== "s3") {
      throw new Error(`${id}: needs at least one environment with the s3 state backend`);
    }
    const strangers = props.environments.filter((environment) => environment.account.id !== first.account.id);
    if (strangers.length > 0) {
      throw new Error(
        `${id}: holds one account's bootstrap; ${strangers.map((environment) => environment.name).join(", ")} belong to another account than ${first.name}`,
      );
    }
    const { state } = first;
    // Terraform resolves a relative local path against the stack's folder in the output (cdktf.out/stacks/<id>/), which
    // every synth deletes: name the state file from there, relative so the JSON does not depend on the clone's path.
    const stateFile = bootstrapStateFile(props.stateDirectory ?? "state", first.account.id);
    new LocalBackend(this, { path: path.relative(path.join(App.of(this).outdir, "stacks", id), stateFile) });
    declareAwsStack(this, { accountId: first.account.id, region: state.region, partition: first.partition }, defaultTags("account", id, first.project, {}));
    this.stateBucket = new StateBucket(this, "State", { bucketName: state.bucket, keyAlias: state.kmsKeyAlias.replace(/^alias\//, "") });
    const deployed = props.environments.flatMap((environment) => {
      const roles = pipelineRolesOf(environment);
      return roles ? [{ environment, roles }] : [];
    });
    if (deployed.length > 0) {
      const oidcProvider = new GithubOidcProvider(this, "GithubOidc", { existing: first.account.githubOidcProvider === "existing" });
      this.githubOidcProvider = oidcProvider;
      for (const { environment, roles } of deployed) {
        const role = new GithubDeployRole(this, `Deploy-${environment.name}`, {
          oidcProvider,
          region: environment.account.region,
          prefix: environment.prefix,
          environmentName: environment.name,
          repository: roles.repository,
          githubEnvironment: roles.githubEnvironment,
          pullRequestPlans: roles.pullRequestPlans,
          hostedZoneIds: roles.hostedZoneIds,
          accountNeighbours: (props.accountEnvironments ?? props.environments).filter((other) => other.name !== environment.name).map((other) => other.prefix),
          production: environment.isProduction,
          state: { bucket: this.stateBucket, keyPrefix: `${environment.name}/` },
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
      // Runners of another region than the state's get their connection from that region's provider.
      const where = region === state.region ? this : new RegionalScope(this, `Region-${region}`, { provider: awsProviderIn(this, region, region), region });
      const connection = new GithubConnection(where, `GithubConnection-${region}`, { name: `${first.project}-github`.slice(0, 32) });
      this.githubConnections[region] = connection;
      new TerraformOutput(this, `github_connection_${region.replace(/-/g, "_")}`, {
        value: connection.arn,
        description: `CodeConnections connection of the runners in ${region}: approve it once in the console (docs/delivery-pipelines.md)`,
      });
    }
    if (first.account.autoScalingServiceLinkedRole === "create") {
      this.autoScalingServiceLinkedRole = new AutoScalingServiceLinkedRole(this, "AutoScalingServiceLinkedRole");
    }
    new TerraformOutput(this, "state_bucket", { value: this.stateBucket.bucket.name, description: "Terraform state bucket" });
    new TerraformOutput(this, "state_key_arn", { value: this.stateBucket.key.arn, description: "CMK that encrypts the state" });
    // Production rules whatever the environments' tiers: this stack holds the state of all of them.
    Aspects.of(this).add(new PolicyAspect({ production: true }));
  }
}
