import { scalarText } from "../../../constructs/core/json";
import type { PolicyDocumentJson } from "../../../constructs/policy/iam-evaluator";
import { planRoleName } from "../../../constructs/iam/pipeline-roles";
import { terraformCloudPlanRoleName } from "../../../constructs/tfc/deploy-roles";
import { environmentOf } from "../../lib/synth-output";
import { asMap, asString } from "../values";
import { policiesOfRole, regionOf, resolve, resourcesOfType } from "../terraform";
import type { Contract, SystemModel } from "../types";
import { documentJson, guardrailDecision, UNKNOWN } from "./effective-permissions";
import { Findings } from "./common";

/**
 * The API calls the hashicorp/aws provider (5.100.0) makes to refresh each resource type the stacks emit, as IAM
 * actions: the Read function of each resource and the finders it calls, in `internal/service/<service>/` of
 * github.com/hashicorp/terraform-provider-aws (tags through the service's `ListTags*` where the Read function does not
 * get them with the resource). The calls outside a service's Describe/Get/List naming were checked in that source:
 * codebuild `webhook.go` and `project.go` (BatchGetProjects), secretsmanager `secret_version.go` (GetSecretValue). `kms:Decrypt via secretsmanager` is a decrypt Secrets Manager
 * makes on the caller's behalf (`kms:ViaService`). Types of other providers refresh without AWS IAM: the helm and
 * kubernetes providers through the cluster's access entry, terraform_data locally. A type missing here fails the
 * contract: add its Read function's calls when a stack starts emitting it.
 */
export const REFRESH_ACTIONS: Readonly<Record<string, readonly string[]>> = {
  "provider.aws": ["sts:GetCallerIdentity"],
  aws_acm_certificate: ["acm:DescribeCertificate", "acm:ListTagsForCertificate"],
  aws_acm_certificate_validation: ["acm:DescribeCertificate"],
  aws_appautoscaling_policy: ["application-autoscaling:DescribeScalingPolicies"],
  aws_appautoscaling_target: ["application-autoscaling:DescribeScalableTargets", "application-autoscaling:ListTagsForResource"],
  aws_autoscaling_group_tag: ["autoscaling:DescribeTags"],
  aws_backup_plan: ["backup:GetBackupPlan", "backup:ListTags"],
  aws_backup_selection: ["backup:GetBackupSelection"],
  aws_backup_vault: ["backup:DescribeBackupVault", "backup:ListTags"],
  aws_cloudfront_cache_policy: ["cloudfront:GetCachePolicy"],
  aws_cloudfront_distribution: ["cloudfront:GetDistribution", "cloudfront:ListTagsForResource"],
  aws_cloudfront_vpc_origin: ["cloudfront:GetVpcOrigin", "cloudfront:ListTagsForResource"],
  aws_cloudwatch_event_rule: ["events:DescribeRule", "events:ListTagsForResource"],
  aws_cloudwatch_event_target: ["events:ListTargetsByRule"],
  aws_cloudwatch_log_delivery: ["logs:GetDelivery", "logs:ListTagsForResource"],
  aws_cloudwatch_log_delivery_destination: ["logs:GetDeliveryDestination", "logs:ListTagsForResource"],
  aws_cloudwatch_log_delivery_source: ["logs:GetDeliverySource", "logs:ListTagsForResource"],
  aws_cloudwatch_log_group: ["logs:DescribeLogGroups", "logs:ListTagsForResource"],
  aws_cloudwatch_metric_alarm: ["cloudwatch:DescribeAlarms", "cloudwatch:ListTagsForResource"],
  // The project and its webhook are both read with BatchGetProjects (webhook.go reads the project's Webhook block).
  aws_codebuild_project: ["codebuild:BatchGetProjects"],
  aws_codebuild_webhook: ["codebuild:BatchGetProjects"],
  aws_codebuild_source_credential: ["codebuild:ListSourceCredentials"],
  aws_codeconnections_connection: ["codeconnections:GetConnection", "codeconnections:ListTagsForResource"],
  aws_db_parameter_group: ["rds:DescribeDBParameterGroups", "rds:DescribeDBParameters", "rds:ListTagsForResource"],
  aws_db_subnet_group: ["rds:DescribeDBSubnetGroups", "rds:ListTagsForResource"],
  aws_default_security_group: ["ec2:DescribeSecurityGroups"],
  aws_ecr_lifecycle_policy: ["ecr:GetLifecyclePolicy"],
  aws_ecr_repository: ["ecr:DescribeRepositories", "ecr:ListTagsForResource"],
  aws_ecs_cluster: ["ecs:DescribeClusters", "ecs:ListTagsForResource"],
  aws_ecs_service: ["ecs:DescribeServices", "ecs:ListTagsForResource"],
  aws_ecs_task_definition: ["ecs:DescribeTaskDefinition", "ecs:ListTagsForResource"],
  aws_ec2_tag: ["ec2:DescribeTags"],
  aws_eip: ["ec2:DescribeAddresses", "ec2:DescribeAddressesAttribute"],
  aws_eks_access_entry: ["eks:DescribeAccessEntry"],
  aws_eks_access_policy_association: ["eks:ListAssociatedAccessPolicies"],
  // An add-on's pod_identity_association blocks are read back association by association (provider 5.100 addon.go).
  aws_eks_addon: ["eks:DescribeAddon", "eks:DescribePodIdentityAssociation"],
  aws_eks_cluster: ["eks:DescribeCluster"],
  aws_eks_node_group: ["eks:DescribeNodegroup"],
  aws_eks_pod_identity_association: ["eks:DescribePodIdentityAssociation"],
  aws_flow_log: ["ec2:DescribeFlowLogs"],
  aws_iam_instance_profile: ["iam:GetInstanceProfile"],
  aws_iam_openid_connect_provider: ["iam:GetOpenIDConnectProvider"],
  aws_iam_policy: ["iam:GetPolicy", "iam:GetPolicyVersion", "iam:ListPolicyTags"],
  aws_iam_role: ["iam:GetRole", "iam:ListRolePolicies", "iam:GetRolePolicy", "iam:ListAttachedRolePolicies"],
  aws_iam_role_policy: ["iam:GetRolePolicy"],
  aws_iam_role_policy_attachment: ["iam:ListAttachedRolePolicies"],
  aws_internet_gateway: ["ec2:DescribeInternetGateways"],
  aws_kms_alias: ["kms:ListAliases"],
  aws_kms_key: ["kms:DescribeKey", "kms:GetKeyPolicy", "kms:GetKeyRotationStatus", "kms:ListResourceTags"],
  aws_launch_template: ["ec2:DescribeLaunchTemplates", "ec2:DescribeLaunchTemplateVersions"],
  aws_lb: ["elasticloadbalancing:DescribeLoadBalancers", "elasticloadbalancing:DescribeLoadBalancerAttributes", "elasticloadbalancing:DescribeTags"],
  aws_lb_listener: ["elasticloadbalancing:DescribeListeners", "elasticloadbalancing:DescribeListenerAttributes", "elasticloadbalancing:DescribeTags"],
  aws_lb_target_group: ["elasticloadbalancing:DescribeTargetGroups", "elasticloadbalancing:DescribeTargetGroupAttributes", "elasticloadbalancing:DescribeTags"],
  aws_nat_gateway: ["ec2:DescribeNatGateways"],
  aws_network_acl: ["ec2:DescribeNetworkAcls"],
  aws_network_acl_rule: ["ec2:DescribeNetworkAcls"],
  aws_organizations_policy: ["organizations:DescribePolicy", "organizations:ListTagsForResource"],
  aws_rds_cluster: ["rds:DescribeDBClusters"],
  aws_rds_cluster_instance: ["rds:DescribeDBInstances"],
  aws_rds_cluster_parameter_group: ["rds:DescribeDBClusterParameterGroups", "rds:DescribeDBClusterParameters", "rds:ListTagsForResource"],
  aws_route: ["ec2:DescribeRouteTables"],
  aws_route53_record: ["route53:ListResourceRecordSets"],
  aws_route_table: ["ec2:DescribeRouteTables"],
  aws_route_table_association: ["ec2:DescribeRouteTables"],
  aws_s3_bucket: [
    "s3:ListBucket",
    "s3:GetBucketPolicy",
    "s3:GetBucketAcl",
    "s3:GetBucketCORS",
    "s3:GetBucketWebsite",
    "s3:GetBucketVersioning",
    "s3:GetAccelerateConfiguration",
    "s3:GetBucketRequestPayment",
    "s3:GetBucketLogging",
    "s3:GetLifecycleConfiguration",
    "s3:GetReplicationConfiguration",
    "s3:GetEncryptionConfiguration",
    "s3:GetBucketObjectLockConfiguration",
    "s3:GetBucketTagging",
  ],
  aws_s3_bucket_lifecycle_configuration: ["s3:GetLifecycleConfiguration"],
  aws_s3_bucket_logging: ["s3:GetBucketLogging"],
  aws_s3_bucket_ownership_controls: ["s3:GetBucketOwnershipControls"],
  aws_s3_bucket_policy: ["s3:GetBucketPolicy"],
  aws_s3_bucket_public_access_block: ["s3:GetBucketPublicAccessBlock"],
  aws_s3_bucket_replication_configuration: ["s3:GetReplicationConfiguration"],
  aws_s3_bucket_server_side_encryption_configuration: ["s3:GetEncryptionConfiguration"],
  aws_s3_bucket_versioning: ["s3:GetBucketVersioning"],
  aws_secretsmanager_secret: ["secretsmanager:DescribeSecret", "secretsmanager:GetResourcePolicy"],
  // secret_version.go: findSecretVersionByTwoPartKey calls GetSecretValue; a customer managed key decrypts it.
  aws_secretsmanager_secret_version: ["secretsmanager:GetSecretValue", "kms:Decrypt via secretsmanager"],
  aws_security_group: ["ec2:DescribeSecurityGroups"],
  aws_sns_topic: ["sns:GetTopicAttributes", "sns:ListTagsForResource"],
  aws_sns_topic_subscription: ["sns:GetSubscriptionAttributes"],
  aws_sqs_queue: ["sqs:GetQueueAttributes", "sqs:ListQueueTags"],
  aws_sqs_queue_policy: ["sqs:GetQueueAttributes"],
  aws_ssm_parameter: ["ssm:GetParameter", "ssm:DescribeParameters", "ssm:ListTagsForResource"],
  aws_subnet: ["ec2:DescribeSubnets"],
  aws_vpc: ["ec2:DescribeVpcs", "ec2:DescribeVpcAttribute"],
  aws_vpc_endpoint: ["ec2:DescribeVpcEndpoints", "ec2:DescribePrefixLists"],
  aws_vpc_security_group_egress_rule: ["ec2:DescribeSecurityGroupRules"],
  aws_vpc_security_group_ingress_rule: ["ec2:DescribeSecurityGroupRules"],
  aws_wafv2_web_acl: ["wafv2:GetWebACL", "wafv2:ListTagsForResource"],
  aws_wafv2_web_acl_logging_configuration: ["wafv2:GetLoggingConfiguration"],
  // The upstream stack's state object and its key (the data source reads the object; S3 decrypts it with the key).
  "data.terraform_remote_state": ["s3:GetObject", "kms:Decrypt"],
  helm_release: [],
  kubernetes_cron_job_v1: [],
  kubernetes_manifest: [],
  kubernetes_namespace_v1: [],
  kubernetes_role_binding_v1: [],
  kubernetes_role_v1: [],
  kubernetes_secret_v1: [],
  kubernetes_config_map_v1: [],
  kubernetes_service_account_v1: [],
  kubernetes_storage_class_v1: [],
  terraform_data: [],
};

/** One resource (or data source) the plan role refreshes, with what a request for it carries. */
interface Refreshed {
  readonly stack: string;
  readonly type: string;
  readonly address: string;
  readonly region: string | undefined;
  /** The S3 object or bucket the request names, when the type's reads are on S3; else the resource is unknown. */
  readonly s3?: string;
  /**
   * The customer managed key a service decrypts with for the caller (a secret's `kms_key_id`), as an ARN of the
   * account and region; null when the service's AWS managed key does (its key policy admits the account).
   */
  readonly key?: string | null;
}

/** The key of the secret a secret version belongs to, as a key ARN in the environment's account. */
function secretKey(model: SystemModel, stack: string, secretId: unknown, region: string | undefined): string | null | undefined {
  const secret = resolve(model.stacks, stack, scalarText(secretId) ?? "");
  if (secret.kind !== "resource") return undefined;
  const keyId = scalarText(secret.values.kms_key_id);
  if (keyId === undefined) return null;
  const key = resolve(model.stacks, secret.stack, keyId);
  const { partition, account } = model.environment;
  if (key.kind === "resource") return `arn:${partition}:kms:${region ?? account.region}:${account.id}:key/${key.name}`;
  return keyId.startsWith("arn:") ? keyId : undefined;
}

function refreshedOf(model: SystemModel, stack: string): Refreshed[] {
  const json = model.stacks[stack] ?? {};
  const partition = model.environment.partition;
  const refreshed: Refreshed[] = [];
  if (json.provider && "aws" in asMap(json.provider)) {
    refreshed.push({ stack, type: "provider.aws", address: "provider.aws", region: regionOf(model.stacks, { stack, type: "", name: "", values: {} }) });
  }
  for (const [kind, prefix] of [
    ["resource", ""],
    ["data", "data."],
  ] as const) {
    for (const [type, byName] of Object.entries(asMap(json[kind]))) {
      for (const [name, raw] of Object.entries(asMap(byName))) {
        const values = asMap(raw);
        // A workspace's state on Terraform Cloud (backend `remote`) is read with the run's Terraform Cloud token, not from AWS.
        if (type === "terraform_remote_state" && values.backend !== "s3") continue;
        const ref = { stack, type, name, values };
        const region = regionOf(model.stacks, ref);
        const address = `${prefix}${type}.${name}`;
        let s3: string | undefined;
        if (type === "terraform_remote_state") {
          const config = asMap(values.config);
          s3 = `arn:${partition}:s3:::${asString(config.bucket) ?? ""}/${asString(config.key) ?? ""}`;
        } else if (type.startsWith("aws_s3_bucket")) {
          const bucket = scalarText(values.bucket) ?? "";
          const resolved = resolve(model.stacks, stack, bucket);
          const named = resolved.kind === "resource" ? scalarText(resolved.values.bucket) : bucket;
          s3 = named && !named.includes("${") ? `arn:${partition}:s3:::${named}` : undefined;
        }
        const key = type === "aws_secretsmanager_secret_version" ? secretKey(model, stack, values.secret_id, region) : undefined;
        refreshed.push({ stack, type: `${prefix}${type}`, address, region, s3, key });
      }
    }
  }
  return refreshed;
}

/**
 * The plan role's policies as one document: the role named `name` (by default the bootstrap stack's `<prefix>-plan`),
 * undefined when no stack of the system creates it.
 */
export function planRolePolicy(model: SystemModel, name = `${model.environment.prefix}-plan`): PolicyDocumentJson | undefined {
  const role = resourcesOfType(model.stacks, "aws_iam_role").find((candidate) => candidate.values.name === name);
  return role ? documentJson(policiesOfRole(model.stacks, role).flatMap((document) => document.statements)) : undefined;
}

export const planRefreshContract: Contract = {
  name: "plan-refresh",
  description: "the plan role holds every read action the provider uses to refresh each resource type the environment's stacks emit",
  check(model) {
    const findings = new Findings("plan-refresh");
    // Terraform Cloud's plan runs assume the trust stack's `<prefix>-tfc-plan`; GitHub's the bootstrap's `<prefix>-plan`.
    const { prefix, state } = model.environment;
    const role = state.backend === "cloud" ? terraformCloudPlanRoleName(prefix) : planRoleName(prefix);
    const policy = planRolePolicy(model, role);
    if (!policy) return { checked: 0, findings: [] };
    const stacks = Object.keys(model.stacks).filter((stack) => environmentOf(stack) === model.environment.name);
    let checked = 0;
    for (const stack of stacks) {
      for (const refreshed of refreshedOf(model, stack)) {
        const actions = REFRESH_ACTIONS[refreshed.type];
        checked++;
        if (!actions) {
          findings.add(
            `${refreshed.address} (${stack})`,
            `refresh of ${refreshed.type}`,
            "no entry in REFRESH_ACTIONS of tools/contracts/checks/plan-refresh.ts: add the read actions of the provider's Read function",
          );
          continue;
        }
        for (const entry of actions) {
          const [action, via] = entry.split(" via ");
          if (via && refreshed.key === null) continue;
          const region = refreshed.region ?? model.environment.account.region;
          const context: Record<string, string> = { "aws:RequestedRegion": region };
          if (via) context["kms:ViaService"] = `${via}.${region}.amazonaws.com`;
          const resource = via
            ? (refreshed.key ?? UNKNOWN)
            : action!.startsWith("s3:") && refreshed.s3
              ? action === "s3:GetObject"
                ? refreshed.s3
                : refreshed.s3.replace(/\/.*$/, "")
              : UNKNOWN;
          const decision = guardrailDecision({ action: action!, resource, context }, [policy]);
          if (decision.allowed) continue;
          findings.add(
            `${refreshed.address} (${stack})`,
            `${entry} in ${region}${resource === UNKNOWN ? "" : ` on ${resource}`}`,
            decision.deniedBy
              ? `the plan role ${role} denies it (${decision.deniedBy})`
              : `the plan role ${role} does not allow it: the plan after the first apply fails`,
          );
        }
      }
    }
    return { checked, findings: findings.list };
  },
};
