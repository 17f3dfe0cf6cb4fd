import { Construct } from "constructs";
import { formatArn } from "../core/aws-scope";
import { StateBucket } from "../state/state-bucket";
import type { GithubOidcProvider } from "./github-oidc";

/** Where an environment's Terraform state lives: its roles may touch its own keys and nothing else. */
export interface DeployStateAccess {
  /** The account's state bucket and its CMK. */
  readonly bucket: StateBucket;
  /** Key prefix of the environment's state objects, e.g. `prod/`. */
  readonly keyPrefix: string;
}

export interface GithubDeployRoleProps {
  /** The account's GitHub OIDC provider: the role trusts the repository's jobs through it. */
  readonly oidcProvider: GithubOidcProvider;
  /** The environment's region (the bootstrap stack's may differ): its stacks manage resources there and in us-east-1. */
  readonly region: string;
  /** `<project>-<environment>`: the roles are `<prefix>-deploy` / `<prefix>-plan` and manage `<prefix>-*` names only. */
  readonly prefix: string;
  /** The environment's name: the value of the `environment` tag every resource of its stacks carries. */
  readonly environmentName: string;
  /** `<owner>/<repository>` whose workflows may assume the roles. */
  readonly repository: string;
  /** The GitHub environment whose jobs may assume the deploy role (required reviewers are set on it in GitHub). */
  readonly githubEnvironment: string;
  /** The environment's Terraform state: the role may read and write its keys only. */
  readonly state: DeployStateAccess;
  /** Regions besides the environment's and us-east-1 the stacks manage resources in (disaster recovery). */
  readonly additionalRegions: readonly string[];
  /** Production: the deploy role may not schedule any KMS key for deletion (teardown of prod is an admin's act). */
  readonly production: boolean;
  /** Session length. @default 7200 (a first deploy of a whole environment takes about an hour) */
  readonly maxSessionDurationSeconds?: number;
  /** Pull requests plan the environment with a role of their own (development tiers). @default false (only the main branch plans) */
  readonly pullRequestPlans?: boolean;
  /**
   * The Route 53 zones the environment may change; every other zone of the account is denied to its roles.
   * @default undefined: the stacks create their own zone, so no zone restriction (refused when the account is shared)
   */
  readonly hostedZoneIds?: readonly string[];
  /**
   * Prefixes of the other environments of the same account: their node groups' Auto Scaling groups are denied.
   * @default [] (one environment per account)
   */
  readonly accountNeighbours?: readonly string[];
}

/** The regions the environment's stacks manage resources in: its own, us-east-1 (CloudFront) and its recovery regions. */
export function regionsOf(props: GithubDeployRoleProps): string[] {
  return [...new Set([props.region, "us-east-1", ...props.additionalRegions])];
}

export function stateArns(props: GithubDeployRoleProps): { bucket: string; ownObjects: string } {
  const { arn } = props.state.bucket.bucket;
  return { bucket: arn, ownObjects: `${arn}/${props.state.keyPrefix}*` };
}

/** The environment's buckets, `<prefix>-*`, and their objects (S3 ARNs carry no account or region). */
export function environmentBucketArns(scope: Construct, prefix: string): string[] {
  const buckets = formatArn(scope, { service: "s3", region: "", account: "", resource: `${prefix}-*` });
  return [buckets, `${buckets}/*`];
}
