import { Construct } from "constructs";
import { KmsKey } from "../security/kms-key";
import { AccessLogBucket, serverAccessLogs } from "../storage/access-log-bucket";
import { SecureBucket } from "../storage/secure-bucket";

/** Where the deploy pipeline saves plans to apply, one folder per environment (constructs/iam/plan-policy.ts). */
export const SAVED_PLANS_PREFIX = "saved-plans/";

export interface StateBucketProps {
  /** Name of the state bucket; its access log bucket is `<bucketName>-access-logs`. */
  readonly bucketName: string;
  /** Alias of the state CMK without `alias/`; the S3 backends of the environment stacks name it. */
  readonly keyAlias: string;
  /** Days an overwritten state version is kept. @default SecureBucket's, long enough to roll back a bad apply */
  readonly noncurrentVersionRetentionDays?: number;
}

/**
 * The Terraform state bucket: SSE-KMS with a rotating CMK, versioned, TLS-only, never public, protected from
 * destroy, with its server access logs in a companion bucket.
 */
export class StateBucket extends Construct {
  readonly key: KmsKey;
  readonly bucket: SecureBucket;
  readonly accessLogs: AccessLogBucket;

  constructor(scope: Construct, id: string, props: StateBucketProps) {
    super(scope, id);
    this.key = new KmsKey(this, "Key", {
      description: `Encrypts the Terraform state in s3://${props.bucketName}`,
      alias: props.keyAlias,
    });
    const accessLogs = serverAccessLogs(this, props.bucketName, { preventDestroy: true });
    this.accessLogs = accessLogs.bucket;
    this.bucket = new SecureBucket(this, "Bucket", {
      bucketName: props.bucketName,
      key: this.key,
      accessLogs,
      noncurrentVersionRetentionDays: props.noncurrentVersionRetentionDays,
      // A saved plan holds the prior state; its apply deletes it, and one never approved is gone within a day.
      shortLivedPrefixes: { [SAVED_PLANS_PREFIX]: 1 },
      preventDestroy: true,
    });
  }
}
