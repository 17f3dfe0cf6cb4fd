import { block, blocks, isFalse, isSet, isTrue, text } from "../attributes";
import { PolicyContext, PolicyResource, PolicyRule } from "../types";

/** The bucket a trail writes to, when this stack creates it: the trail names it by its literal name. */
function bucketOfTrail(trail: PolicyResource, context: PolicyContext): PolicyResource | undefined {
  const name = trail.attributes.s3_bucket_name;
  return context.targetsOf(name)[0] ?? context.resourcesOf("aws_s3_bucket").find((bucket) => isSet(name) && bucket.attributes.bucket === name);
}

/** What the account guardrails (stacks/guardrails-stack.ts) must never ship weakened: the trail, its bucket, GuardDuty, AWS Config. */
export const AUDIT_RULES: PolicyRule[] = [
  {
    id: "PLT-CT-001",
    severity: "error",
    title: "CloudTrail log-file validation",
    description: "Every trail has enable_log_file_validation = true: CloudTrail signs an hourly digest, so a deleted or edited log file is detected.",
    checkov: ["CKV_AWS_36"],
    trivy: ["AVD-AWS-0016"],
    remediation: "set enable_log_file_validation = true (AccountTrail does)",
    resourceTypes: ["aws_cloudtrail"],
    check({ attributes }) {
      return isTrue(attributes.enable_log_file_validation) ? undefined : "the trail does not validate its log files";
    },
  },
  {
    id: "PLT-CT-002",
    severity: "error",
    title: "CloudTrail encrypted with a CMK",
    description: "Every trail has kms_key_id: log files are encrypted with a customer managed key whose policy names the trail.",
    checkov: ["CKV_AWS_35"],
    trivy: ["AVD-AWS-0015"],
    remediation: "set kms_key_id to a KmsKey granted to cloudtrail.amazonaws.com for this trail (AccountTrail does)",
    resourceTypes: ["aws_cloudtrail"],
    check({ attributes }) {
      return isSet(attributes.kms_key_id) ? undefined : "the trail's log files are encrypted with S3's key only, not a CMK";
    },
  },
  {
    id: "PLT-CT-003",
    severity: "error",
    title: "CloudTrail records every region",
    description: "Every trail has is_multi_region_trail = true and keeps global service events (IAM, STS, CloudFront).",
    checkov: ["CKV_AWS_67"],
    trivy: ["AVD-AWS-0014"],
    remediation: "set is_multi_region_trail = true and leave include_global_service_events on",
    resourceTypes: ["aws_cloudtrail"],
    check({ attributes }) {
      if (!isTrue(attributes.is_multi_region_trail)) return "the trail records one region only";
      return isFalse(attributes.include_global_service_events) ? "the trail leaves out global service events (IAM, STS)" : undefined;
    },
  },
  {
    id: "PLT-CT-004",
    severity: "error",
    title: "CloudTrail logging on and delivered to CloudWatch Logs",
    description: "Every trail logs (enable_logging is not false) and delivers to a CloudWatch Logs group, where metric filters and queries see it.",
    checkov: ["CKV2_AWS_10"],
    trivy: ["AVD-AWS-0162"],
    remediation: "leave enable_logging on and set cloud_watch_logs_group_arn and cloud_watch_logs_role_arn (AccountTrail does)",
    resourceTypes: ["aws_cloudtrail"],
    check({ attributes }) {
      if (isFalse(attributes.enable_logging)) return "the trail is created with logging stopped";
      return isSet(attributes.cloud_watch_logs_group_arn) ? undefined : "the trail does not deliver to CloudWatch Logs";
    },
  },
  {
    id: "PLT-CT-005",
    severity: "error",
    title: "CloudTrail bucket with Object Lock",
    description:
      "A trail's bucket created in the same stack has object_lock_enabled and an Object Lock default retention, so no log version can be deleted or overwritten before it expires.",
    remediation: "use AuditBucket (constructs/guardrails), or create the bucket with object_lock_enabled = true and an aws_s3_bucket_object_lock_configuration",
    resourceTypes: ["aws_cloudtrail"],
    check(trail, context) {
      const bucket = bucketOfTrail(trail, context);
      if (!bucket) return undefined;
      if (!isTrue(bucket.attributes.object_lock_enabled)) return `the trail's bucket ${text(bucket.attributes.bucket)} has no Object Lock`;
      const lock = context
        .resourcesOf("aws_s3_bucket_object_lock_configuration")
        .find((candidate) => context.targetsOf(candidate.attributes.bucket).includes(bucket) || candidate.attributes.bucket === bucket.attributes.bucket);
      const retention = block(block(lock?.attributes.rule)?.default_retention);
      return retention && (isSet(retention.days) || isSet(retention.years))
        ? undefined
        : `the trail's bucket ${text(bucket.attributes.bucket)} has no Object Lock default retention`;
    },
  },
  {
    id: "PLT-GD-001",
    severity: "error",
    title: "GuardDuty detector enabled with EKS protection",
    description: "Every GuardDuty detector is enabled, and no detector feature for EKS (audit logs, runtime monitoring) is switched off.",
    remediation: "leave enable on and the EKS_AUDIT_LOGS and RUNTIME_MONITORING (or EKS_RUNTIME_MONITORING) features ENABLED (ThreatDetection does)",
    resourceTypes: ["aws_guardduty_detector", "aws_guardduty_detector_feature"],
    check({ type, attributes }) {
      if (type === "aws_guardduty_detector") return isFalse(attributes.enable) ? "the detector is disabled" : undefined;
      const eks = ["EKS_AUDIT_LOGS", "RUNTIME_MONITORING", "EKS_RUNTIME_MONITORING"].includes(text(attributes.name));
      return eks && text(attributes.status) !== "ENABLED" ? `the detector feature ${text(attributes.name)} is ${text(attributes.status)}` : undefined;
    },
  },
  {
    id: "PLT-CFG-001",
    severity: "error",
    title: "AWS Config records every resource type",
    description:
      "Every configuration recorder records all supported resource types (recording_group.all_supported), so no resource escapes the conformance rules.",
    remediation: "set recording_group { all_supported = true } (ConfigRecording does)",
    resourceTypes: ["aws_config_configuration_recorder"],
    check({ attributes }) {
      const groups = blocks(attributes.recording_group);
      return groups.length > 0 && groups.every((group) => isTrue(group.all_supported)) ? undefined : "the recorder records only some resource types";
    },
  },
];
