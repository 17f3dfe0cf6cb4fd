import { z } from "zod";
import { checkCluster, clusterSchema } from "./cluster";
import { accountId, awsRegion, resourceName, tagMap } from "./common";
import { checkDatabaseRules, databaseSchema } from "./database";
import { edgeSchema } from "./edge";
import { githubSchema } from "./github";
import { networkSchema } from "./network";
import { checkPlatformRules, platformSchema } from "./platform";
import { stateSchema } from "./state";
import { checkSubnetPlan } from "../subnet-plan";

export const TIERS = ["development", "staging", "production"] as const;

const environmentObject = z.strictObject({
  project: resourceName.describe("Short project name; prefixes every resource name (<project>-<environment>-...)."),
  tier: z
    .enum(TIERS)
    .describe("production turns on the strict rules: ≥ 3 AZs, NAT per AZ, deletion protection, longer retention."),
  account: z
    .strictObject({
      id: accountId.describe("The AWS account the environment is deployed to."),
      region: awsRegion.describe("The AWS region of the environment."),
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
    } else if (zones.indexOf(zone) !== index) {
      ctx.addIssue({
        code: "custom",
        path: ["network", "availabilityZones", index],
        message: `"${zone}" is listed twice; each availability zone may appear once`,
      });
    }
  });
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
  if (env.edge && !env.edge.loadBalancer.cloudFrontPrefixListId) {
    ctx.addIssue({
      code: "custom",
      path: ["edge", "loadBalancer", "cloudFrontPrefixListId"],
      message: `is required: the ALB admits HTTPS only from CloudFront's origin-facing prefix list; give the id of com.amazonaws.global.cloudfront.origin-facing in ${env.account.region} (aws ec2 describe-managed-prefix-lists --region ${env.account.region} --filters Name=prefix-list-name,Values=com.amazonaws.global.cloudfront.origin-facing)`,
    });
  }
  for (const problem of checkSubnetPlan(env.network)) {
    ctx.addIssue({ code: "custom", path: ["network", ...problem.path], message: problem.message });
  }
  for (const problem of checkCluster(env.cluster, env.tier === "production")) {
    ctx.addIssue({ code: "custom", path: ["cluster", ...problem.path], message: problem.message });
  }
  checkDatabaseRules(env, ctx);
  checkPlatformRules(env.platform, {
    production: env.tier === "production",
    addIssue: (path, message) => ctx.addIssue({ code: "custom", path, message }),
  });
}

export const environmentSchema = environmentObject.superRefine(checkCrossFieldRules);
