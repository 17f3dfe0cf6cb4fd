import { isSet, numberOf } from "../attributes";
import { PolicyRule } from "../types";

export const LOGGING_RULES: PolicyRule[] = [
  {
    id: "PLT-LOG-001",
    severity: "error",
    title: "CloudWatch log groups encrypted with KMS",
    description: "Every log group has kms_key_id (a CMK whose policy grants CloudWatch Logs for that group).",
    checkov: ["CKV_AWS_158"],
    trivy: ["AVD-AWS-0017"],
    remediation: "use EncryptedLogGroup, or set kms_key_id = <KmsKey>.arn and grant logs.<region>.amazonaws.com on the key",
    resourceTypes: ["aws_cloudwatch_log_group"],
    check({ attributes }) {
      return isSet(attributes.kms_key_id) ? undefined : "the log group is not encrypted with a KMS key";
    },
  },
  {
    id: "PLT-LOG-002",
    severity: "error",
    title: "CloudWatch log groups have a retention",
    description: "retention_in_days is set (0 or unset keeps events forever, at growing cost).",
    checkov: ["CKV_AWS_66"],
    remediation: "set retention_in_days (from the environment config's retention for that log)",
    resourceTypes: ["aws_cloudwatch_log_group"],
    check({ attributes }) {
      const days = numberOf(attributes.retention_in_days) ?? 0;
      return days > 0 ? undefined : "log events are kept forever (no retention_in_days)";
    },
  },
];
