import { hasConditions, hasWildcardPrincipal, isSet, isTrue, statementsOf } from "../attributes";
import { PolicyRule } from "../types";

export const ENCRYPTION_RULES: PolicyRule[] = [
  {
    id: "PLT-KMS-001",
    severity: "error",
    title: "KMS key rotation",
    description: "Symmetric customer managed keys rotate automatically (asymmetric and HMAC keys cannot and are skipped).",
    checkov: ["CKV_AWS_7"],
    trivy: ["AVD-AWS-0065"],
    remediation: "set enable_key_rotation = true (KmsKey does, yearly)",
    resourceTypes: ["aws_kms_key"],
    check({ attributes }) {
      const spec = attributes.customer_master_key_spec;
      if (spec !== undefined && spec !== "SYMMETRIC_DEFAULT") return undefined;
      return isTrue(attributes.enable_key_rotation) ? undefined : "automatic key rotation is off";
    },
  },
  {
    id: "PLT-KMS-002",
    severity: "error",
    title: "No KMS key policy open to everyone",
    description: "No Allow statement of a key policy has the principal `*` without conditions.",
    checkov: ["CKV_AWS_33"],
    remediation:
      "name the account root or the roles as principals, or pin a wildcard principal down with conditions (aws:SourceAccount, kms:CallerAccount, kms:ViaService)",
    resourceTypes: ["aws_kms_key", "aws_kms_key_policy"],
    check({ attributes }) {
      const open = (statementsOf(attributes.policy) ?? []).filter(
        (statement) => statement.Effect === "Allow" && hasWildcardPrincipal(statement) && !hasConditions(statement),
      );
      return open.length > 0 ? `the key policy lets any principal use the key (statement ${open.map((s) => s.Sid ?? "without Sid").join(", ")})` : undefined;
    },
  },
  {
    id: "PLT-SM-001",
    severity: "error",
    title: "Secrets Manager secrets encrypted with a CMK",
    description: "kms_key_id names a customer managed key (the default aws/secretsmanager key cannot be shared or audited per secret).",
    checkov: ["CKV_AWS_149"],
    trivy: ["AVD-AWS-0098"],
    remediation: "set kms_key_id = <KmsKey>.arn",
    resourceTypes: ["aws_secretsmanager_secret"],
    check({ attributes }) {
      return isSet(attributes.kms_key_id) ? undefined : "the secret is encrypted with the AWS managed key";
    },
  },
];
