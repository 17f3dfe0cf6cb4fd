import { TerraformStack } from "cdktf";
import { KmsKey } from "../../../constructs/security/kms-key";
import { SecureBucket } from "../../../constructs/storage/secure-bucket";
import { testStack } from "../../support/environments";
import { policyOf, resourcesOf, synthStack } from "../../support/synth";

function stack(): TerraformStack {
  return testStack();
}

describe("SecureBucket", () => {
  const scope = stack();
  const key = new KmsKey(scope, "Key", { description: "data" });
  const logs = new SecureBucket(scope, "Logs", { bucketName: "logs-bucket" });
  new SecureBucket(scope, "Data", { bucketName: "data-bucket", key, accessLogs: { bucket: logs, prefix: "s3/data/" }, preventDestroy: true });
  const synthesized = synthStack(scope);
  const forBucket = (type: string, id: string) => Object.entries(resourcesOf(synthesized, type)).find(([name]) => name.startsWith(`${id}_`))![1];

  it("blocks all public access and enforces bucket-owner ownership", () => {
    expect(forBucket("aws_s3_bucket_public_access_block", "Data")).toMatchObject({
      block_public_acls: true,
      block_public_policy: true,
      ignore_public_acls: true,
      restrict_public_buckets: true,
    });
    expect(forBucket("aws_s3_bucket_ownership_controls", "Data").rule).toEqual({ object_ownership: "BucketOwnerEnforced" });
  });

  it("encrypts with the CMK when given one, and with SSE-S3 (what log delivery requires) otherwise", () => {
    expect(forBucket("aws_s3_bucket_server_side_encryption_configuration", "Data").rule).toEqual([
      {
        apply_server_side_encryption_by_default: { sse_algorithm: "aws:kms", kms_master_key_id: expect.stringContaining("aws_kms_key.Key") },
        bucket_key_enabled: true,
      },
    ]);
    expect(forBucket("aws_s3_bucket_server_side_encryption_configuration", "Logs").rule).toEqual([
      { apply_server_side_encryption_by_default: { sse_algorithm: "AES256" } },
    ]);
  });

  it("versions objects and expires noncurrent versions", () => {
    expect(forBucket("aws_s3_bucket_versioning", "Data").versioning_configuration).toEqual({ status: "Enabled" });
    expect(forBucket("aws_s3_bucket_lifecycle_configuration", "Data").rule).toMatchObject([
      { status: "Enabled", noncurrent_version_expiration: [{ noncurrent_days: 90 }], abort_incomplete_multipart_upload: [{ days_after_initiation: 7 }] },
    ]);
  });

  it("denies non-TLS requests, and lets S3 log delivery write only this bucket's logs into the log bucket", () => {
    expect(policyOf(forBucket("aws_s3_bucket_policy", "Data")).Statement).toEqual([
      expect.objectContaining({ Sid: "DenyInsecureTransport", Effect: "Deny", Condition: { Bool: { "aws:SecureTransport": false } } }),
    ]);
    expect(policyOf(forBucket("aws_s3_bucket_policy", "Logs")).Statement[1]).toEqual({
      Sid: "S3ServerAccessLogsData",
      Effect: "Allow",
      Principal: { Service: "logging.s3.amazonaws.com" },
      Action: "s3:PutObject",
      Resource: "arn:aws:s3:::logs-bucket/*",
      Condition: { ArnLike: { "aws:SourceArn": "arn:aws:s3:::data-bucket" }, StringEquals: { "aws:SourceAccount": "123456789012" } },
    });
    expect(forBucket("aws_s3_bucket_logging", "Data")).toMatchObject({ target_bucket: "logs-bucket", target_prefix: "s3/data/" });
  });

  it("refuses destroy when asked to", () => {
    expect(forBucket("aws_s3_bucket", "Data").lifecycle).toEqual({ prevent_destroy: true });
    expect(forBucket("aws_s3_bucket", "Logs").lifecycle).toBeUndefined();
  });
});
