import * as path from "path";
import { Construct } from "constructs";
import { App, Aspects, LocalBackend, TerraformOutput, TerraformStack } from "cdktf";
import { TfeProvider } from "@cdktf/provider-tfe/lib/provider";
import { EnvironmentConfig } from "../config";
import { declareAwsStack } from "../constructs/core/aws-scope";
import { hostedZonesOf } from "../constructs/iam/pipeline-roles";
import { PolicyAspect } from "../constructs/policy/policy-aspect";
import { TerraformCloudDeployRoles } from "../constructs/tfc/deploy-roles";
import { terraformCloudOf } from "../constructs/tfc/environment";
import { TerraformCloudOidcProvider, workloadIdentitySubject } from "../constructs/tfc/workload-identity";
import { TerraformCloudWorkspaces, WorkspaceSpec } from "../constructs/tfc/workspaces";
import { defaultTags, Layer, LAYERS, stackName } from "./environment-stack";

/** The Terraform version of the workspaces' runs: the one `.github/workflows/deploy-environment.yml` sets up (a test keeps them equal). */
export const TERRAFORM_VERSION = "1.11.4";

/** Layers whose stacks write into the cluster (helm and kubernetes providers): their workspaces run on the agents. */
export const LAYERS_ON_THE_AGENTS: readonly Layer[] = ["platform", "delivery"];

/** The stacks of an environment, in deploy order: `runner` holds its agents, `edge` and `delivery` exist with an edge. */
function layersOf(environment: EnvironmentConfig): Layer[] {
  return LAYERS.filter((layer) => environment.edge || (layer !== "edge" && layer !== "delivery"));
}

/**
 * The workspaces of a Terraform Cloud environment, one per stack: the cluster-facing ones on the agents, and each
 * one's state readable by the environment's later layers only (they hold the cross-stack references to it).
 */
export function terraformCloudWorkspaces(environment: EnvironmentConfig): WorkspaceSpec[] {
  const cloud = terraformCloudOf(environment);
  if (!cloud) return [];
  const layers = layersOf(environment);
  const workspaceOf = (layer: Layer) => `${cloud.state.workspacePrefix}${stackName(environment, layer)}`;
  return layers.map((layer, index) => ({
    name: workspaceOf(layer),
    description: `${stackName(environment, layer)} (cdktf stack, synthesized by the platform repository)`,
    onAgents: LAYERS_ON_THE_AGENTS.includes(layer),
    stateConsumers: layers.slice(index + 1).map(workspaceOf),
  }));
}

/** Local state beside the bootstrap's (`state/<file>`), named from the stack's output folder that every synth replaces. */
function localState(stack: TerraformStack, id: string, stateDirectory: string, file: string): void {
  new LocalBackend(stack, { path: path.relative(path.join(App.of(stack).outdir, "stacks", id), path.join(path.resolve(stateDirectory), file)) });
}

export interface TerraformCloudTrustStackProps {
  /** The Terraform Cloud environments of one account. */
  readonly environments: readonly EnvironmentConfig[];
  /** Every environment of the account, whatever its backend: their node groups are out of the roles' reach. @default environments */
  readonly accountEnvironments?: readonly EnvironmentConfig[];
  /** Folder of the local state file. @default `state/` in the working directory (as the bootstrap stacks') */
  readonly stateDirectory?: string;
}

/**
 * `bootstrap-terraform-cloud-<account>`: what an account needs before Terraform Cloud can run any of its environments' workspaces:
 * the IAM OIDC provider of the Terraform Cloud host and, per environment, the apply and plan roles its workspaces
 * assume with dynamic provider credentials, and the permissions boundary of every role its stacks create. Applied by
 * an administrator with local state in `state/bootstrap-terraform-cloud-<account>.tfstate`, built from every Terraform Cloud
 * environment of the account.
 */
export class TerraformCloudTrustStack extends TerraformStack {
  readonly oidcProviders: Record<string, TerraformCloudOidcProvider> = {};
  /** By environment name. */
  readonly roles: Record<string, TerraformCloudDeployRoles> = {};

  constructor(scope: Construct, id: string, props: TerraformCloudTrustStackProps) {
    super(scope, id);
    const clouds = props.environments.flatMap((environment) => {
      const cloud = terraformCloudOf(environment);
      return cloud ? [{ environment, cloud }] : [];
    });
    const [first] = clouds;
    if (!first || new Set(clouds.map(({ environment }) => environment.account.id)).size !== 1 || clouds.length !== props.environments.length) {
      throw new Error(`${id}: needs the Terraform Cloud environments of exactly one account`);
    }
    const { environment: firstEnvironment } = first;
    localState(this, id, props.stateDirectory ?? "state", `${id}.tfstate`);
    declareAwsStack(
      this,
      { accountId: firstEnvironment.account.id, region: firstEnvironment.account.region, partition: firstEnvironment.partition },
      defaultTags("account", id, firstEnvironment.project, {}),
    );
    for (const { environment, cloud } of clouds) {
      const { hostname } = cloud.state;
      const provider = (this.oidcProviders[hostname] ??= new TerraformCloudOidcProvider(this, `Oidc-${hostname}`, {
        hostname,
        existing: cloud.state.oidcProvider === "existing",
      }));
      const identities = terraformCloudWorkspaces(environment).map(({ name }) => ({
        organization: cloud.state.organization,
        project: cloud.project,
        workspace: name,
      }));
      const roles = new TerraformCloudDeployRoles(this, `Roles-${environment.name}`, {
        oidcProvider: provider,
        prefix: environment.prefix,
        environmentName: environment.name,
        regions: [
          ...new Set([
            environment.account.region,
            "us-east-1",
            ...(environment.database.disasterRecovery.region ? [environment.database.disasterRecovery.region] : []),
          ]),
        ],
        applySubjects: identities.map((identity) => workloadIdentitySubject(identity, "apply")),
        planSubjects: identities.map((identity) => workloadIdentitySubject(identity, "plan")),
        production: environment.isProduction,
        hostedZoneIds: hostedZonesOf(environment),
        accountNeighbours: (props.accountEnvironments ?? props.environments).filter((other) => other.name !== environment.name).map((other) => other.prefix),
      });
      this.roles[environment.name] = roles;
      new TerraformOutput(this, `apply_role_${environment.name}`, {
        value: roles.applyRole.arn,
        description: `Terraform Cloud apply role of ${environment.name}`,
      });
      new TerraformOutput(this, `plan_role_${environment.name}`, {
        value: roles.planRole.arn,
        description: `Terraform Cloud plan role of ${environment.name}`,
      });
    }
    // Production rules whatever the environments' tiers: the roles here can deploy all of them.
    Aspects.of(this).add(new PolicyAspect({ production: true }));
  }
}

export interface TerraformCloudWorkspacesStackProps {
  /** Folder of the local state file. @default `state/` in the working directory */
  readonly stateDirectory?: string;
}

/**
 * `bootstrap-terraform-cloud-<env>`: the environment in Terraform Cloud, as code: its project, its agent pool, one workspace per
 * stack with its execution mode (agents for the cluster-facing stacks) and state sharing, and the dynamic credentials
 * variables. Only the tfe provider: applied by an administrator with a Terraform Cloud token (TFE_TOKEN), local state
 * in `state/bootstrap-terraform-cloud-<env>.tfstate`. The tfe provider is not in the offline mirror: this stack is synthesized
 * and tested, not planned offline.
 */
export class TerraformCloudWorkspacesStack extends TerraformStack {
  readonly workspaces: TerraformCloudWorkspaces;

  constructor(scope: Construct, environment: EnvironmentConfig, props: TerraformCloudWorkspacesStackProps = {}) {
    const id = terraformCloudWorkspacesStackName(environment);
    super(scope, id);
    const cloud = terraformCloudOf(environment);
    if (!cloud) throw new Error(`${environment.file}: state: ${id} needs state.backend cloud`);
    localState(this, id, props.stateDirectory ?? "state", `${id}.tfstate`);
    new TfeProvider(this, "tfe", { hostname: cloud.state.hostname, organization: cloud.state.organization });
    this.workspaces = new TerraformCloudWorkspaces(this, "Environment", {
      organization: cloud.state.organization,
      project: cloud.project,
      agentPoolName: `${environment.prefix}-agents`,
      workspaces: terraformCloudWorkspaces(environment),
      allowDestroyPlan: !environment.isProduction,
      terraformVersion: TERRAFORM_VERSION,
      environmentVariables: {
        TFC_AWS_PROVIDER_AUTH: "true",
        TFC_AWS_PLAN_ROLE_ARN: cloud.planRoleArn,
        TFC_AWS_APPLY_ROLE_ARN: cloud.applyRoleArn,
      },
    });
    // The rules look at AWS resources only; every stack carries the aspect, so a future AWS resource here is checked too.
    Aspects.of(this).add(new PolicyAspect({ production: environment.isProduction }));
    new TerraformOutput(this, "agent_pool_id", {
      value: this.workspaces.agentPool.id,
      description: "Create the agents' token in this pool (docs/terraform-cloud.md)",
    });
  }
}

/**
 * `bootstrap-terraform-cloud-<env>`: like the S3 bootstrap stacks, applied by an administrator with local state and
 * never by a pipeline; the `bootstrap-` prefix is what the tools over the synthesized output read as account-level.
 */
export function terraformCloudWorkspacesStackName(environment: EnvironmentConfig): string {
  return `bootstrap-terraform-cloud-${environment.name}`;
}

/** `bootstrap-terraform-cloud-<account>`: the account's trust of Terraform Cloud (see the workspaces stack's name). */
export function terraformCloudTrustStackName(accountId: string): string {
  return `bootstrap-terraform-cloud-${accountId}`;
}

/**
 * The Terraform Cloud stacks of the selected environments: one trust stack per account (built from every Terraform
 * Cloud environment of the account in `all`, so a partial synth keeps the others' roles) and one workspaces stack per
 * selected environment.
 */
export function terraformCloudStacks(app: App, selected: readonly EnvironmentConfig[], all: readonly EnvironmentConfig[]): TerraformStack[] {
  const inCloud = (environments: readonly EnvironmentConfig[]) => environments.filter((environment) => terraformCloudOf(environment));
  const selectedAccounts = new Set(inCloud(selected).map((environment) => environment.account.id));
  const accounts = [...new Set(inCloud(all).map((environment) => environment.account.id))].filter((account) => selectedAccounts.has(account)).sort();
  return [
    ...accounts.map(
      (account) =>
        new TerraformCloudTrustStack(app, terraformCloudTrustStackName(account), {
          environments: inCloud(all).filter((environment) => environment.account.id === account),
          accountEnvironments: all.filter((environment) => environment.account.id === account),
        }),
    ),
    ...inCloud(selected).map((environment) => new TerraformCloudWorkspacesStack(app, environment)),
  ];
}
