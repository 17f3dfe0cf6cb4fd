import { z } from "./zod";
import { checkAutoscaler, checkCluster, checkKubernetesUpgrade, clusterSchema } from "./cluster";
import { CLOUDFRONT_ORIGIN_FACING_PREFIX_LISTS } from "./aws-catalog";
import { accountId, awsRegion, resourceName, tagMap } from "./common";
import { checkDatabaseRules, databaseSchema } from "./database";
import { edgeSchema } from "./edge";
import { githubSchema } from "./github";
import { guardrailsSchema } from "./guardrails";
import { networkSchema } from "./network";
import { checkPlatformRules, platformSchema } from "./platform";
import { stateSchema } from "./state";
import { checkSubnetPlan } from "../subnet-plan";
import { unknownZone } from "./availability-zones";

export const TIERS = ["development", "staging", "production"] as const;
/** Whether a stack creates an account-wide resource or references the one the account already has. */
export const ACCOUNT_RESOURCE_MODES = ["create", "existing"] as const;

/** AWS's limit of tags per resource. */
export const MAX_AWS_TAGS = 50;

/** The tags every stack adds through default_tags (stacks/environment-stack.ts defaultTags). */
export const PROJECT_TAG_KEYS = ["project", "environment", "stack", "managed-by"] as const;

const environmentObject = z.strictObject({
  project: resourceName.describe("Short project name; prefixes every resource name (<project>-<environment>-...)."),
  tier: z.enum(TIERS).describe("production turns on the strict rules: ≥ 3 AZs, NAT per AZ, deletion protection, longer retention."),
  account: z
    .strictObject({
      id: accountId.describe("The AWS account the environment is deployed to."),
      region: awsRegion.describe("The AWS region of the environment."),
      githubOidcProvider: z
        .enum(ACCOUNT_RESOURCE_MODES)
        .default("create")
        .describe(
          "create: the bootstrap stack creates the GitHub Actions OIDC provider (token.actions.githubusercontent.com). existing: the account already has it (IAM allows one per URL and rejects a second with EntityAlreadyExists), so the bootstrap stack only references it. `npm run preflight` says which applies.",
        ),
      autoScalingServiceLinkedRole: z
        .enum(ACCOUNT_RESOURCE_MODES)
        .default("existing")
        .describe(
          "existing: the account has AWSServiceRoleForAutoScaling (any account that ever ran an Auto Scaling group or EKS node group). create: a fresh account without it; the bootstrap stack creates it, because the node volume key's policy names it and KMS rejects a policy naming a role that does not exist. `npm run preflight` says which applies.",
        ),
    })
    .describe("Where the environment lives."),
  tags: tagMap.default({}),
  state: stateSchema,
  network: networkSchema,
  cluster: clusterSchema,
  database: databaseSchema,
  platform: platformSchema,
  edge: edgeSchema,
  github: githubSchema,
  guardrails: guardrailsSchema,
});

export type EnvironmentInput = z.input<typeof environmentObject>;
export type ParsedEnvironment = z.output<typeof environmentObject>;

/** Rules that involve more than one field; each issue points at the field the user has to change. */
function checkCrossFieldRules(env: ParsedEnvironment, ctx: z.RefinementCtx): void {
  const { region } = env.account;
  const zones = env.network.availabilityZones;
  zones.forEach((zone, index) => {
    if (!new RegExp(`^${region}[a-z]$`).test(zone)) {
      ctx.addIssue({
        code: "custom",
        path: ["network", "availabilityZones", index],
        message: `"${zone}" is not an availability zone of ${region}; expected ${region} followed by a letter, e.g. ${region}a`,
      });
    } else if (unknownZone(region, zone) !== undefined) {
      ctx.addIssue({ code: "custom", path: ["network", "availabilityZones", index], message: unknownZone(region, zone) });
    } else if (zones.indexOf(zone) !== index) {
      ctx.addIssue({
        code: "custom",
        path: ["network", "availabilityZones", index],
        message: `"${zone}" is listed twice; each availability zone may appear once`,
      });
    }
  });
  if (env.account.autoScalingServiceLinkedRole === "create" && env.state.backend !== "s3") {
    ctx.addIssue({
      code: "custom",
      path: ["account", "autoScalingServiceLinkedRole"],
      message:
        "create needs the bootstrap stack (state.backend s3); with Terraform Cloud create the role once: aws iam create-service-linked-role --aws-service-name autoscaling.amazonaws.com, then say existing",
    });
  }
  if (env.tier === "production") {
    if (zones.length < 3) {
      ctx.addIssue({
        code: "custom",
        path: ["network", "availabilityZones"],
        message: `a production tier needs at least 3 availability zones, got ${zones.length}`,
      });
    }
    if (!env.network.oneNatGatewayPerAz) {
      ctx.addIssue({
        code: "custom",
        path: ["network", "oneNatGatewayPerAz"],
        message: "must be true for a production tier: a single NAT gateway makes one AZ a point of failure for all egress",
      });
    }
  }
  if (env.edge && !env.edge.loadBalancer.cloudFrontPrefixListId && !CLOUDFRONT_ORIGIN_FACING_PREFIX_LISTS[env.account.region]) {
    ctx.addIssue({
      code: "custom",
      path: ["edge", "loadBalancer", "cloudFrontPrefixListId"],
      message: `is required in this region (the project knows the id only for ${Object.keys(CLOUDFRONT_ORIGIN_FACING_PREFIX_LISTS).length} regions): the ALB admits HTTPS only from CloudFront's origin-facing prefix list; give the id of com.amazonaws.global.cloudfront.origin-facing in ${env.account.region} (aws ec2 describe-managed-prefix-lists --region ${env.account.region} --filters Name=prefix-list-name,Values=com.amazonaws.global.cloudfront.origin-facing)`,
    });
  }
  // AWS allows 50 tags per resource; default_tags adds the project's own four on top of the config's.
  const tagKeys = new Set([...Object.keys(env.tags), ...PROJECT_TAG_KEYS]);
  if (tagKeys.size > MAX_AWS_TAGS) {
    ctx.addIssue({
      code: "custom",
      path: ["tags"],
      message: `gives ${tagKeys.size} tags per resource with the project's own ${PROJECT_TAG_KEYS.join(", ")}; AWS allows at most ${MAX_AWS_TAGS}, so keep at most ${MAX_AWS_TAGS - PROJECT_TAG_KEYS.filter((key) => !(key in env.tags)).length} here`,
    });
  }
  if (env.edge) {
    // The edge stack's target group is filled by the controller's TargetGroupBinding, and the delivery stack is Argo CD objects.
    if (!env.platform.awsLoadBalancerController.enabled) {
      ctx.addIssue({
        code: "custom",
        path: ["platform", "awsLoadBalancerController", "enabled"],
        message: "must be true while edge is configured: the controller registers the application's pods in the edge ALB's target group",
      });
    }
    if (!env.platform.argoCd.enabled) {
      ctx.addIssue({
        code: "custom",
        path: ["platform", "argoCd", "enabled"],
        message: "must be true while edge is configured: the delivery stack deploys the application as an Argo CD Application",
      });
    }
  }
  for (const problem of checkSubnetPlan(env.network)) {
    ctx.addIssue({ code: "custom", path: ["network", ...problem.path], message: problem.message });
  }
  for (const problem of [...checkCluster(env.cluster, env.tier === "production"), ...checkKubernetesUpgrade(env.cluster, env.platform)]) {
    ctx.addIssue({ code: "custom", path: ["cluster", ...problem.path], message: problem.message });
  }
  for (const problem of checkAutoscaler(env.cluster, env.platform)) ctx.addIssue({ code: "custom", path: problem.path, message: problem.message });
  checkDatabaseRules(env, ctx);
  checkPlatformRules(env.platform, {
    production: env.tier === "production",
    edge: env.edge !== undefined,
    addIssue: (path, message) => ctx.addIssue({ code: "custom", path, message }),
  });
}

export const environmentSchema = environmentObject.superRefine(checkCrossFieldRules);
