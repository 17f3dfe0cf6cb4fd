import type { ConfigProblem } from "./errors";
import type { EnvironmentConfig } from "./environment";

/**
 * AWS's length limits on the names the stacks derive from the resource prefix (`<project>-<environment>`), by
 * Terraform resource type and attribute. A `*_prefix` attribute gets 26 characters less than its name: the AWS
 * provider appends a 26-character unique suffix (terraform-plugin-sdk's `id.PrefixedUniqueId`).
 * Sources: the service quotas pages of ELB, IAM, RDS, EKS, S3, AWS Backup, CloudWatch Logs and CloudFront.
 */
export const AWS_NAME_LIMITS: Readonly<Record<string, Readonly<Record<string, number>>>> = {
  aws_lb: { name: 32 },
  aws_lb_target_group: { name: 32 },
  aws_iam_role: { name: 64 },
  aws_iam_policy: { name: 128 },
  aws_iam_user: { name: 64 },
  aws_iam_instance_profile: { name: 128 },
  aws_rds_cluster: { cluster_identifier: 63 },
  aws_rds_cluster_instance: { identifier: 63 },
  aws_db_parameter_group: { name: 255 },
  aws_rds_cluster_parameter_group: { name: 255 },
  aws_db_subnet_group: { name: 255 },
  aws_eks_cluster: { name: 100 },
  aws_eks_node_group: { node_group_name: 63 },
  aws_launch_template: { name: 128 },
  aws_s3_bucket: { bucket: 63 },
  aws_security_group: { name: 255 },
  aws_backup_vault: { name: 50 },
  aws_backup_plan: { name: 50 },
  aws_backup_selection: { name: 50 },
  aws_cloudwatch_log_group: { name: 512 },
  aws_cloudwatch_log_delivery_source: { name: 60 },
  aws_cloudwatch_log_delivery_destination: { name: 60 },
  aws_wafv2_web_acl: { name: 128 },
  aws_cloudfront_origin_access_control: { name: 64 },
  aws_cloudfront_vpc_origin: { name: 64 },
  aws_codebuild_project: { name: 150 },
  aws_sns_topic: { name: 256 },
  aws_sqs_queue: { name: 80 },
  aws_cloudwatch_event_rule: { name: 64 },
  aws_kms_alias: { name: 256 },
  aws_secretsmanager_secret: { name: 512 },
  aws_ecr_repository: { name: 256 },
  aws_cloudwatch_metric_alarm: { alarm_name: 255 },
  aws_appautoscaling_policy: { name: 255 },
  aws_ssm_parameter: { name: 1011 },
};

/** The unique suffix the AWS provider appends to a `*_prefix` name. */
export const GENERATED_SUFFIX_LENGTH = 26;

/** The limit of `attribute` on `type` (a `<name>_prefix` attribute counts the generated suffix), if AWS sets one. */
export function nameLimit(type: string, attribute: string): number | undefined {
  const limits = AWS_NAME_LIMITS[type];
  if (!limits) return undefined;
  if (attribute in limits) return limits[attribute];
  const base = attribute.endsWith("_prefix") ? attribute.slice(0, -"_prefix".length) : undefined;
  const full = base === undefined ? undefined : limits[base];
  return full === undefined ? undefined : full - GENERATED_SUFFIX_LENGTH;
}

interface DerivedName {
  readonly what: string;
  readonly type: string;
  readonly attribute: string;
  /** The longest name of this kind the stacks derive from the environment, or undefined when the part is off. */
  readonly name: (environment: EnvironmentConfig) => string | undefined;
}

function longest(names: readonly string[]): string {
  return names.reduce((a, b) => (b.length > a.length ? b : a), "");
}

/**
 * The names whose length grows with the prefix and that come closest to their limit. Every other derived name is
 * shorter against a larger limit; the test `__tests__/config/name-limits.test.ts` walks every synthesized name of an
 * environment with the longest prefix this check admits, so a new name that binds first fails there.
 */
const DERIVED_NAMES: readonly DerivedName[] = [
  { what: "the ALB name", type: "aws_lb", attribute: "name", name: (e) => (e.edge ? `${e.prefix}-web` : undefined) },
  { what: "the CloudFront VPC origin name", type: "aws_cloudfront_vpc_origin", attribute: "name", name: (e) => (e.edge ? `${e.prefix}-alb` : undefined) },
  // The cluster stack's controller roles are `<cluster>-<controller>`; the load balancer controller's is the longest.
  { what: "the load balancer controller's IRSA role name", type: "aws_iam_role", attribute: "name", name: (e) => `${e.prefix}-aws-load-balancer-controller` },
  { what: "a node role name", type: "aws_iam_role", attribute: "name", name: (e) => `${e.prefix}-nodes-${longest(Object.keys(e.cluster.nodeGroups))}` },
  { what: "the Aurora recovery-region backup vault name", type: "aws_backup_vault", attribute: "name", name: (e) => `${e.prefix}-aurora-dr` },
  { what: "the Aurora recovery cluster identifier", type: "aws_rds_cluster", attribute: "cluster_identifier", name: (e) => `${e.prefix}-dr` },
  {
    what: "the ALB access-log bucket name",
    type: "aws_s3_bucket",
    attribute: "bucket",
    name: (e) => (e.edge ? `${e.prefix}-alb-logs-${e.account.id}` : undefined),
  },
  {
    what: "the Argo CD backup's access-log bucket name",
    type: "aws_s3_bucket",
    attribute: "bucket",
    name: (e) => (e.platform.argoCd.enabled && e.platform.argoCd.backup.enabled ? `${e.prefix}-argocd-backup-${e.account.id}-access-logs` : undefined),
  },
  {
    what: "the access-log bucket name of the cluster backups' copy",
    type: "aws_s3_bucket",
    attribute: "bucket",
    name: (e) => (e.platform.velero.enabled && e.database.disasterRecovery.mode !== "none" ? `${e.prefix}-backups-${e.account.id}-dr-logs` : undefined),
  },
  {
    what: "the CloudFront log bucket name",
    type: "aws_s3_bucket",
    attribute: "bucket",
    name: (e) => (e.edge ? `${e.prefix}-cdn-logs-${e.account.id}` : undefined),
  },
];

/**
 * The derived name furthest past its AWS limit, as one problem naming the field to shorten (the project, or the file
 * name that names the environment), the name and the limit: shortening by that much brings every other name within
 * its limit too. Without it a long name dies inside a construct at synth, or passes synth and fails at apply.
 */
export function checkNameLimits(environment: EnvironmentConfig): ConfigProblem[] {
  let worst: { derived: DerivedName; name: string; limit: number; over: number } | undefined;
  for (const derived of DERIVED_NAMES) {
    const name = derived.name(environment);
    const limit = nameLimit(derived.type, derived.attribute);
    if (name === undefined || limit === undefined) continue;
    const over = name.length - limit;
    if (over > 0 && (!worst || over > worst.over)) worst = { derived, name, limit, over };
  }
  if (!worst) return [];
  const { derived, name, limit, over } = worst;
  return [
    {
      file: environment.file,
      location: "project",
      message: `with environment "${environment.name}" gives ${derived.what} "${name}" (${name.length} characters), past the ${limit} AWS allows (${derived.type}.${derived.attribute}); shorten the project or the environment's file name by ${over} character${over === 1 ? "" : "s"}`,
    },
  ];
}
