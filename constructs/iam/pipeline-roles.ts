import type { EnvironmentConfig } from "../../config";
import { ArnContext, policyArn, roleArn } from "../core/aws-scope";

/** The deploy role of an environment: the deploy workflow assumes it and the cluster's access entry names it. */
export function deployRoleName(prefix: string): string {
  return `${prefix}-deploy`;
}

/** The read-only role pull requests and the post-merge plan assume: plans without the power to apply them. */
export function planRoleName(prefix: string): string {
  return `${prefix}-plan`;
}

/** The Enhanced Monitoring role of an environment's Aurora cluster (the data stack names it `<prefix>-rds-monitoring`). */
export function enhancedMonitoringRoleName(prefix: string): string {
  return `${prefix}-rds-monitoring`;
}

/**
 * The role pull requests plan a development environment with: the plan role's reads, and cluster access that cannot
 * read Kubernetes Secrets.
 */
export function pullRequestPlanRoleName(prefix: string): string {
  return `${prefix}-pr-plan`;
}

/** The managed policy every role the deploy role creates must carry as its permissions boundary. */
export function permissionsBoundaryName(prefix: string): string {
  return `${prefix}-boundary`;
}

/** The pipeline's IAM names of an environment, as the bootstrap stack creates them. */
export interface PipelineRoles {
  readonly deployRoleArn: string;
  readonly planRoleArn: string;
  /** The role pull requests plan with; undefined where pull requests do not plan (staging and production tiers). */
  readonly pullRequestPlanRoleArn: string | undefined;
  readonly permissionsBoundaryArn: string;
  /** The GitHub environment whose jobs may assume the deploy role. */
  readonly githubEnvironment: string;
  readonly repository: string;
  /**
   * Whether pull requests plan the environment (`repo:<repository>:pull_request` may assume the pull-request plan
   * role): development tiers only. Staging and production are planned from the main branch alone, so no pull request
   * reads their state.
   */
  readonly pullRequestPlans: boolean;
  /**
   * The Route 53 zones the environment's stacks and controllers change, when every one is named in the config;
   * undefined when a stack creates its own zone (its id is unknown before it exists).
   */
  readonly hostedZoneIds: readonly string[] | undefined;
}

/**
 * The deploy and plan roles of an environment, or undefined when no stack creates them: the bootstrap stack makes
 * them for environments that name a GitHub repository and keep their state in S3 (Terraform Cloud runs its own
 * workers, so those environments get no role, no access entry and no pipeline job).
 */
export function pipelineRolesOf(environment: EnvironmentConfig): PipelineRoles | undefined {
  if (!environment.github || environment.state.backend !== "s3") return undefined;
  // Read from the config, not a scope: the pipeline generator and the workflows need these names outside any stack.
  const account: ArnContext = { accountId: environment.account.id, partition: environment.partition, region: environment.account.region };
  const pullRequestPlans = environment.tier === "development";
  return {
    deployRoleArn: roleArn(account, deployRoleName(environment.prefix)),
    planRoleArn: roleArn(account, planRoleName(environment.prefix)),
    pullRequestPlanRoleArn: pullRequestPlans ? roleArn(account, pullRequestPlanRoleName(environment.prefix)) : undefined,
    permissionsBoundaryArn: policyArn(account, permissionsBoundaryName(environment.prefix)),
    githubEnvironment: environment.github.environment ?? environment.name,
    repository: environment.github.repository,
    pullRequestPlans,
    hostedZoneIds: hostedZonesOf(environment),
  };
}

/** Every Route 53 zone the environment's config names (edge, cert-manager, external-dns, Argo CD); undefined when the edge creates its zone. */
export function hostedZonesOf(environment: EnvironmentConfig): string[] | undefined {
  const { edge, platform } = environment;
  if (edge && !edge.hostedZoneId) return undefined;
  const zones = [edge?.hostedZoneId, ...platform.certManager.hostedZoneIds, ...platform.externalDns.hostedZoneIds, platform.argoCd.hostedZoneId];
  return [...new Set(zones.filter((zone): zone is string => !!zone))].sort();
}
