import { block, blocks, conditionKeys, hasWildcardPrincipal, isFalse, isSet, isTrue, statementsOf } from "../attributes";
import { list, scalarText } from "../../core/json";
import { PolicyContext, PolicyResource, PolicyRule } from "../types";

/** The companion resources of a bucket (versioning, encryption, ...): their `bucket` refers to it or names it. */
function companions(context: PolicyContext, type: string, bucket: PolicyResource): PolicyResource[] {
  const name = bucket.attributes.bucket;
  return context
    .resourcesOf(type)
    .filter((resource) => context.targetsOf(resource.attributes.bucket).includes(bucket) || (isSet(name) && resource.attributes.bucket === name));
}

const PUBLIC_ACCESS_FLAGS = ["block_public_acls", "block_public_policy", "ignore_public_acls", "restrict_public_buckets"];

export const STORAGE_RULES: PolicyRule[] = [
  {
    id: "PLT-S3-001",
    severity: "error",
    title: "S3 public access block",
    description: "Every bucket has an aws_s3_bucket_public_access_block with all four flags true.",
    checkov: ["CKV2_AWS_6", "CKV_AWS_53", "CKV_AWS_54", "CKV_AWS_55", "CKV_AWS_56"],
    trivy: ["AVD-AWS-0086", "AVD-AWS-0087", "AVD-AWS-0091", "AVD-AWS-0093", "AVD-AWS-0094"],
    remediation:
      "use SecureBucket, or add an aws_s3_bucket_public_access_block with block_public_acls, block_public_policy, ignore_public_acls and restrict_public_buckets = true",
    resourceTypes: ["aws_s3_bucket"],
    check(bucket, context) {
      const [block] = companions(context, "aws_s3_bucket_public_access_block", bucket);
      if (!block) return "the bucket has no public access block";
      const off = PUBLIC_ACCESS_FLAGS.filter((flag) => !isTrue(block.attributes[flag]));
      return off.length > 0 ? `the public access block leaves ${off.join(", ")} off` : undefined;
    },
  },
  {
    id: "PLT-S3-002",
    severity: "error",
    title: "S3 versioning",
    description: "Every bucket has versioning Enabled, so overwritten or deleted objects can be recovered.",
    checkov: ["CKV_AWS_21"],
    trivy: ["AVD-AWS-0090"],
    remediation: 'add an aws_s3_bucket_versioning with versioning_configuration { status = "Enabled" } (SecureBucket does)',
    resourceTypes: ["aws_s3_bucket"],
    check(bucket, context) {
      if (isTrue(block(bucket.attributes.versioning)?.enabled)) return undefined;
      const enabled = companions(context, "aws_s3_bucket_versioning", bucket).some(
        (versioning) => block(versioning.attributes.versioning_configuration)?.status === "Enabled",
      );
      return enabled ? undefined : "versioning is not enabled";
    },
  },
  {
    id: "PLT-S3-003",
    severity: "error",
    title: "S3 default encryption with a CMK (SSE-KMS)",
    description: "The bucket's default encryption is aws:kms (or aws:kms:dsse) with a customer managed key.",
    checkov: ["CKV_AWS_145"],
    trivy: ["AVD-AWS-0132"],
    remediation:
      'add an aws_s3_bucket_server_side_encryption_configuration with sse_algorithm = "aws:kms", kms_master_key_id = <KmsKey>.arn and bucket_key_enabled = true',
    resourceTypes: ["aws_s3_bucket"],
    check(bucket, context) {
      const defaults = companions(context, "aws_s3_bucket_server_side_encryption_configuration", bucket).flatMap((configuration) =>
        blocks(configuration.attributes.rule).flatMap((rule) => blocks(rule.apply_server_side_encryption_by_default)),
      );
      if (defaults.length === 0) return "the bucket has no default encryption configuration";
      const kms = defaults.some((sse) => String(sse.sse_algorithm).startsWith("aws:kms") && isSet(sse.kms_master_key_id));
      return kms ? undefined : `objects are encrypted with ${defaults.map((sse) => String(sse.sse_algorithm)).join(", ")}, not SSE-KMS with a CMK`;
    },
  },
  {
    id: "PLT-S3-004",
    severity: "error",
    title: "S3 TLS-only bucket policy",
    description: "The bucket policy denies every request made without TLS (aws:SecureTransport = false).",
    checkovRelated: [{ id: "CKV_AWS_379", differs: "runs on aws_s3_bucket_acl, which the project never emits (ACLs are disabled by BucketOwnerEnforced)" }],
    remediation:
      'add a Deny statement for Principal "*", Action "s3:*" on the bucket and its objects with Condition Bool aws:SecureTransport = false (SecureBucket does)',
    resourceTypes: ["aws_s3_bucket"],
    check(bucket, context) {
      const denies = companions(context, "aws_s3_bucket_policy", bucket).some((policy) =>
        (statementsOf(policy.attributes.policy) ?? []).some(
          (statement) =>
            statement.Effect === "Deny" &&
            hasWildcardPrincipal(statement) &&
            list(conditionKeys(statement).get("aws:SecureTransport")).some((value) => isFalse(value)),
        ),
      );
      return denies ? undefined : "no bucket policy denies requests without TLS";
    },
  },
  {
    id: "PLT-S3-005",
    severity: "error",
    title: "S3 server access logging",
    description: "Every bucket logs its access to a log bucket (a log bucket itself may be suppressed with a reason).",
    checkov: ["CKV_AWS_18"],
    trivy: ["AVD-AWS-0089"],
    remediation: "pass accessLogs: { bucket, prefix } to SecureBucket, or add an aws_s3_bucket_logging that targets a log bucket",
    resourceTypes: ["aws_s3_bucket"],
    check(bucket, context) {
      if (isSet(block(bucket.attributes.logging)?.target_bucket)) return undefined;
      return companions(context, "aws_s3_bucket_logging", bucket).length > 0 ? undefined : "access to the bucket is not logged";
    },
  },
  {
    id: "PLT-S3-006",
    severity: "error",
    title: "S3 replication copies KMS-encrypted objects, encrypted with a CMK",
    description:
      "Every replication rule selects SSE-KMS objects (S3 silently skips them otherwise, and every bucket here is SSE-KMS) and encrypts the copies with a KMS key of the destination.",
    remediation:
      'set source_selection_criteria { sse_kms_encrypted_objects { status = "Enabled" } } and destination { encryption_configuration { replica_kms_key_id = <KmsKey>.arn } }',
    resourceTypes: ["aws_s3_bucket_replication_configuration"],
    check({ attributes }) {
      const problems = blocks(attributes.rule).flatMap((rule) => {
        const id = scalarText(rule.id) ?? "a rule";
        const selected = block(block(rule.source_selection_criteria)?.sse_kms_encrypted_objects)?.status === "Enabled";
        const key = isSet(block(block(rule.destination)?.encryption_configuration)?.replica_kms_key_id);
        return [
          ...(selected ? [] : [`${id} does not replicate SSE-KMS objects (no copy is made of them)`]),
          ...(key ? [] : [`${id} sets no replica_kms_key_id (copies are not encrypted with a CMK)`]),
        ];
      });
      return problems.length > 0 ? problems.join("; ") : undefined;
    },
  },
  {
    id: "PLT-DDB-001",
    severity: "error",
    title: "DynamoDB point-in-time recovery",
    description: "Every DynamoDB table has point-in-time recovery enabled.",
    checkov: ["CKV_AWS_28"],
    trivy: ["AVD-AWS-0024"],
    remediation: "set point_in_time_recovery { enabled = true }",
    resourceTypes: ["aws_dynamodb_table"],
    check({ attributes }) {
      return isTrue(block(attributes.point_in_time_recovery)?.enabled) ? undefined : "point-in-time recovery is off";
    },
  },
];
