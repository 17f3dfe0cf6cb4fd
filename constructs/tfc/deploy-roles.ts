import { Construct } from "constructs";
import { IamPolicy } from "@cdktf/provider-aws/lib/iam-policy";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy";
import { MANAGED_SERVICES } from "../iam/pipeline-policy-data";
import { permissionsBoundaryName } from "../iam/pipeline-roles";
import { environmentManagerStatements } from "../iam/deploy-policy";
import { environmentBucketArns } from "../iam/deploy-role-props";
import { environmentBoundaryStatements, environmentGuards, requireZonesWhenShared } from "../iam/environment-guards";
import { policyDocument, PolicyStatement } from "../iam/policy-document";
import { terraformCloudTrustPolicy, TerraformCloudOidcProvider } from "./workload-identity";

/** The role applies of an environment's Terraform Cloud workspaces assume: `<prefix>-tfc-apply`. */
export function terraformCloudApplyRoleName(prefix: string): string {
  return `${prefix}-tfc-apply`;
}

/** The read-only role plans of an environment's Terraform Cloud workspaces assume: `<prefix>-tfc-plan`. */
export function terraformCloudPlanRoleName(prefix: string): string {
  return `${prefix}-tfc-plan`;
}

/**
 * What Terraform Cloud manages beyond the GitHub pipeline's services: the agents run as an ECS service (their stack
 * replaces the CodeBuild runner of S3-backed environments).
 */
const AGENT_SERVICES = ["ecs"];
const AGENT_PASS_ROLE_SERVICES = ["ecs-tasks.amazonaws.com"];

/** The service-linked roles of the pipeline's environments, and ECS's for the agents. */
const AGENT_SERVICE_LINKED_ROLES = ["ecs.amazonaws.com"];

export interface TerraformCloudDeployRolesProps {
  /** The account's Terraform Cloud OIDC provider: both roles trust the workspaces' runs through it. */
  readonly oidcProvider: TerraformCloudOidcProvider;
  /** `<project>-<environment>`: the roles manage `<prefix>-*` names only. */
  readonly prefix: string;
  /** The value of the `environment` tag every resource of the environment's stacks carries. */
  readonly environmentName: string;
  /** Regions the environment's stacks manage resources in (its own, us-east-1 for CloudFront, disaster recovery). */
  readonly regions: readonly string[];
  /** `sub` claims of the runs that may apply (one per workspace, `run_phase:apply`). */
  readonly applySubjects: readonly string[];
  /** `sub` claims of the runs that may plan (one per workspace, `run_phase:plan`). */
  readonly planSubjects: readonly string[];
  /** Production: the apply role may not schedule a KMS key for deletion. */
  readonly production: boolean;
  /** Session length of the apply role. @default 7200 (a first apply of the cluster layer takes most of an hour) */
  readonly maxSessionDurationSeconds?: number;
  /**
   * The Route 53 zones the environment may change; every other zone of the account is denied to its roles.
   * @default undefined: the stacks create their own zone, so no zone restriction (refused when the account is shared)
   */
  readonly hostedZoneIds?: readonly string[];
  /** Prefixes of the other environments of the same account, whatever their backend: their node groups' Auto Scaling groups are denied. @default [] */
  readonly accountNeighbours?: readonly string[];
}

/**
 * The AWS roles of one environment's Terraform Cloud runs (dynamic provider credentials): an apply role trusted by the
 * apply phase of the environment's workspaces only, a read-only plan role trusted by their plan phase only, and the
 * permissions boundary every role the stacks create must carry. The apply role cannot create a role without the
 * boundary, pass a role outside `<prefix>-*`, attach an AWS managed policy outside the environment's list, change
 * itself, the plan role or the boundary, touch a resource tagged with another environment, or create users and keys.
 */
export class TerraformCloudDeployRoles extends Construct {
  readonly applyRole: IamRole;
  readonly planRole: IamRole;
  readonly boundary: IamPolicy;

  constructor(scope: Construct, id: string, props: TerraformCloudDeployRolesProps) {
    super(scope, id);
    const { prefix } = props;
    // The GitHub roles' guards (iam's one builder), without the S3 state's: Terraform Cloud keeps the state.
    const guards = environmentGuards(this, props);
    this.boundary = new IamPolicy(this, "Boundary", {
      name: permissionsBoundaryName(prefix),
      description: `Permissions boundary of every role the ${prefix} stacks create`,
      policy: policyDocument(boundaryStatements(this, props, guards)),
    });
    this.applyRole = new IamRole(this, "ApplyRole", {
      name: terraformCloudApplyRoleName(prefix),
      description: `Terraform Cloud applies of the ${prefix} workspaces`,
      maxSessionDuration: props.maxSessionDurationSeconds ?? 7200,
      assumeRolePolicy: terraformCloudTrustPolicy(props.oidcProvider, props.applySubjects),
    });
    new IamRolePolicy(this, "ApplyPolicy", { name: "apply", role: this.applyRole.id, policy: policyDocument([...applyStatements(this, props), ...guards]) });
    this.planRole = new IamRole(this, "PlanRole", {
      name: terraformCloudPlanRoleName(prefix),
      description: `Terraform Cloud plans of the ${prefix} workspaces (read-only)`,
      maxSessionDuration: 3600,
      assumeRolePolicy: terraformCloudTrustPolicy(props.oidcProvider, props.planSubjects),
    });
    new IamRolePolicy(this, "PlanPolicy", { name: "plan", role: this.planRole.id, policy: policyDocument([...planStatements(this, props), ...guards]) });
    requireZonesWhenShared(this, props);
  }
}

/** The most a role the stacks create may do: the GitHub pipeline's boundary (iam's one builder), plus the agents' ECS. */
function boundaryStatements(scope: Construct, props: TerraformCloudDeployRolesProps, guards: PolicyStatement[]): PolicyStatement[] {
  return environmentBoundaryStatements(
    scope,
    { prefix: props.prefix, regions: props.regions, extraServices: AGENT_SERVICES, extraServiceLinkedRoles: AGENT_SERVICE_LINKED_ROLES },
    guards,
  );
}

/** Applies: what the GitHub deploy role may do to the environment (iam's one builder), plus the agents' ECS, without S3 state. */
function applyStatements(scope: Construct, props: TerraformCloudDeployRolesProps): PolicyStatement[] {
  const { prefix } = props;
  return environmentManagerStatements(scope, {
    prefix,
    regions: props.regions,
    production: props.production,
    extraServices: AGENT_SERVICES,
    extraPassRoleServices: AGENT_PASS_ROLE_SERVICES,
    extraServiceLinkedRoles: AGENT_SERVICE_LINKED_ROLES,
    protectedRoles: [terraformCloudApplyRoleName(prefix), terraformCloudPlanRoleName(prefix)],
  });
}

/** Plans: reads of the managed services in the environment's regions, of its buckets and of IAM; nothing that writes. */
function planStatements(scope: Construct, props: TerraformCloudDeployRolesProps): PolicyStatement[] {
  return [
    {
      Sid: "ReadEnvironmentServicesInItsRegions",
      Effect: "Allow",
      Action: [...MANAGED_SERVICES, ...AGENT_SERVICES].flatMap((service) => [`${service}:Describe*`, `${service}:Get*`, `${service}:List*`]),
      Resource: "*",
      Condition: { StringEquals: { "aws:RequestedRegion": [...props.regions] } },
    },
    { Sid: "ReadEnvironmentBuckets", Effect: "Allow", Action: ["s3:Get*", "s3:List*"], Resource: environmentBucketArns(scope, props.prefix) },
    { Sid: "IamReads", Effect: "Allow", Action: ["iam:Get*", "iam:List*", "sts:GetCallerIdentity"], Resource: "*" },
  ];
}
