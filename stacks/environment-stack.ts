import { Construct } from "constructs";
import { Aspects, CloudBackend, NamedCloudWorkspace, S3Backend, TerraformStack } from "cdktf";
import type { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { EnvironmentConfig } from "../config";
import { pipelineRolesOf } from "../constructs/iam/pipeline-roles";
import { PermissionsBoundaryAspect } from "../constructs/iam/permissions-boundary";
import { declareAwsStack, formatArn } from "../constructs/core/aws-scope";
import { PolicyAspect } from "../constructs/policy/policy-aspect";
import { terraformCloudOf } from "../constructs/tfc/environment";

// Deploy order; destroy runs in reverse. `runner` (the in-VPC deploy runner) exists where a pipeline deploys the environment. `delivery` holds the edge layer's Kubernetes half (Argo CD bootstrap, docs/edge.md).
export const LAYERS = ["network", "runner", "cluster", "data", "platform", "edge", "delivery"] as const;
export type Layer = (typeof LAYERS)[number];

export const MANAGED_BY = "cdktf";

export function stackName(environment: EnvironmentConfig, layer: Layer): string {
  return `${environment.name}-${layer}`;
}

/** The tags every taggable resource of a stack carries, through the AWS provider's default_tags. */
export function defaultTags(environment: string, stack: string, project: string, extra: Record<string, string>): Record<string, string> {
  return { ...extra, project, environment, stack, "managed-by": MANAGED_BY };
}

/**
 * Base of every `<env>-<layer>` stack: the AWS provider with default tags, and the remote state the config chooses
 * (S3 with native locking and the state CMK, or one Terraform Cloud workspace per stack). Every synth runs the policy
 * rules (constructs/policy) over the stack, with the environment's tier.
 */
export abstract class EnvironmentStack extends TerraformStack {
  readonly environment: EnvironmentConfig;
  readonly provider: AwsProvider;
  /** The tags the provider puts on every taggable resource (`default_tags`), for what they do not reach. */
  readonly defaultTags: Readonly<Record<string, string>>;
  /** The project's own default tags (project, environment, stack, managed-by): they change only with a rename. */
  readonly projectTags: Readonly<Record<string, string>>;

  protected constructor(scope: Construct, environment: EnvironmentConfig, layer: Layer) {
    const name = stackName(environment, layer);
    super(scope, name);
    this.environment = environment;
    this.defaultTags = defaultTags(environment.name, name, environment.project, environment.tags);
    this.projectTags = defaultTags(environment.name, name, environment.project, {});
    // Constructs read the account, partition and region from their scope (`AwsScope.of`), never from props.
    this.provider = declareAwsStack(
      this,
      { accountId: environment.account.id, region: environment.account.region, partition: environment.partition },
      this.defaultTags,
    );
    configureRemoteState(this, environment, name);
    Aspects.of(this).add(new PolicyAspect({ production: environment.isProduction }));
    const boundary = pipelineRolesOf(environment)?.permissionsBoundaryArn ?? terraformCloudOf(environment)?.permissionsBoundaryArn;
    if (boundary) {
      Aspects.of(this).add(new PermissionsBoundaryAspect(boundary));
    }
  }
}

function configureRemoteState(stack: TerraformStack, environment: EnvironmentConfig, name: string): void {
  const { state } = environment;
  if (state.backend === "s3") {
    new S3Backend(stack, {
      bucket: state.bucket,
      key: `${environment.name}/${name}.tfstate`,
      region: state.region,
      encrypt: true,
      kmsKeyId: formatArn(stack, { service: "kms", region: state.region, resource: state.kmsKeyAlias }),
    });
    // Native S3 locking (Terraform ≥ 1.10) replaces the DynamoDB lock table; cdktf 0.21 has no typed field for it.
    stack.addOverride("terraform.backend.s3.use_lockfile", true);
  } else {
    new CloudBackend(stack, {
      organization: state.organization,
      hostname: state.hostname,
      workspaces: new NamedCloudWorkspace(`${state.workspacePrefix}${name}`),
    });
  }
}
