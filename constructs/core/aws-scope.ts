import { Construct, IConstruct } from "constructs";
import { Aspects, IAspect, TerraformProvider, TerraformResource, TerraformStack } from "cdktf";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { nearestInScopes } from "./nearest-scope";

/** Where the resources of a scope live: the three values every ARN of this account needs. */
export interface AwsLocation {
  readonly accountId: string;
  readonly partition: string;
  readonly region: string;
}

const locations = new WeakMap<IConstruct, AwsLocation>();

/**
 * The account, partition and region of a construct, read from the scope it is built in (as aws-cdk's `Stack.of`
 * does), so constructs take no `account` prop. Stacks declare theirs with `AwsScope.declare`; a `RegionalScope`
 * overrides the region for what it contains.
 */
export class AwsScope {
  /** Declares where the resources under `scope` live. Every stack that holds AWS resources calls it once. */
  static declare(scope: IConstruct, location: AwsLocation): void {
    locations.set(scope, location);
  }

  /** The location of the nearest declaring scope (the construct itself included). */
  static of(construct: IConstruct): AwsLocation {
    const location = nearestInScopes(construct, (scope) => locations.get(scope));
    if (location) return location;
    throw new Error(
      `${construct.node.path || "<root>"}: no AWS account and region in scope. Build it inside an EnvironmentStack or BootstrapStack, or call AwsScope.declare(stack, { accountId, partition, region }) on the stack first.`,
    );
  }
}

/** The parts of an ARN; account and region default to the scope's, `""` leaves them empty (global services). */
export interface ArnComponents {
  readonly service: string;
  /** Everything after the account field, e.g. `role/name`, `repository/*`, `hostedzone/Z123`. */
  readonly resource: string;
  /** @default the scope's region */
  readonly region?: string;
  /** @default the scope's account */
  readonly account?: string;
}

/**
 * Where an ARN's account, partition and region come from: a construct's scope, or a location given outright for
 * code that runs outside any construct tree (the pipeline generator reads role ARNs from the config).
 */
export type ArnContext = IConstruct | AwsLocation;

function locationOf(context: ArnContext): AwsLocation {
  return "node" in context ? AwsScope.of(context) : context;
}

/** The one place ARNs are written: `arn:<partition>:<service>:<region>:<account>:<resource>`. */
export function formatArn(scope: ArnContext, components: ArnComponents): string {
  const location = locationOf(scope);
  const region = components.region ?? location.region;
  const account = components.account ?? location.accountId;
  return `arn:${location.partition}:${components.service}:${region}:${account}:${components.resource}`;
}

/** An AWS managed IAM policy by its path and name, e.g. `AmazonEKSClusterPolicy` or `service-role/AmazonEBSCSIDriverPolicy`. */
export function awsManagedPolicyArn(scope: ArnContext, name: string): string {
  return formatArn(scope, { service: "iam", region: "", account: "aws", resource: `policy/${name}` });
}

/** The ARN of a role of this account by name, e.g. a service-linked role `aws-service-role/autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling`. */
export function roleArn(scope: ArnContext, name: string): string {
  return formatArn(scope, { service: "iam", region: "", resource: `role/${name}` });
}

/** The account's root principal, the principal a key policy delegates to IAM with. */
export function accountRootArn(scope: ArnContext): string {
  return formatArn(scope, { service: "iam", region: "", resource: "root" });
}

/** A customer managed IAM policy of this account by name. */
export function policyArn(scope: ArnContext, name: string): string {
  return formatArn(scope, { service: "iam", region: "", resource: `policy/${name}` });
}

/**
 * Declares where a stack's resources live and gives the stack its AWS provider, pinned to that account and region
 * (`allowed_account_ids`, so credentials of another account fail the plan) and carrying the tags every taggable
 * resource gets through `default_tags`.
 */
export function declareAwsStack(stack: TerraformStack, location: AwsLocation, defaultTags: Readonly<Record<string, string>>): AwsProvider {
  AwsScope.declare(stack, location);
  return new AwsProvider(stack, "aws", { region: location.region, allowedAccountIds: [location.accountId], defaultTags: [{ tags: { ...defaultTags } }] });
}

/**
 * The AWS provider of another region of the stack's account: an aliased copy of the stack's default provider (same
 * account guard and default tags), created once per alias, for a `RegionalScope` to put its subtree on.
 */
export function awsProviderIn(scope: IConstruct, region: string, alias: string): AwsProvider {
  const stack = TerraformStack.of(scope);
  const id = `aws_${alias}`;
  const existing = stack.node.tryFindChild(id);
  if (existing instanceof AwsProvider) return existing;
  const base = stack.node.children.find((child): child is AwsProvider => child instanceof AwsProvider && child.alias === undefined);
  if (!base) {
    throw new Error(`${stack.node.path}: no default AWS provider to copy for ${region}; create the stack's AwsProvider first`);
  }
  return new AwsProvider(stack, id, { alias, region, allowedAccountIds: base.allowedAccountIds, defaultTags: base.defaultTags });
}

export interface RegionalScopeProps {
  /** The provider of that region; every resource built under the scope uses it. */
  readonly provider: TerraformProvider;
  /** The provider's region, for the ARNs built under the scope. */
  readonly region: string;
}

/**
 * A part of a stack that lives in another region of the same account (CloudFront's certificate, WAF and log
 * delivery in us-east-1; a disaster-recovery copy). Constructs built under it need no provider prop: their ARNs use
 * its region and, at synth, every resource under it is put on its provider.
 */
export class RegionalScope extends Construct {
  readonly provider: TerraformProvider;
  readonly region: string;

  constructor(scope: Construct, id: string, props: RegionalScopeProps) {
    super(scope, id);
    this.provider = props.provider;
    this.region = props.region;
    AwsScope.declare(this, { ...AwsScope.of(scope), region: props.region });
    Aspects.of(this).add(new UseProvider(props.provider));
  }
}

class UseProvider implements IAspect {
  constructor(private readonly provider: TerraformProvider) {}

  visit(node: IConstruct): void {
    if (node instanceof TerraformResource && node.provider !== this.provider) {
      node.provider = this.provider;
    }
  }
}
