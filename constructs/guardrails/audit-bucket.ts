import { Construct } from "constructs";
import { S3BucketObjectLockConfigurationA } from "@cdktf/provider-aws/lib/s3-bucket-object-lock-configuration";
import type { ObjectLockMode } from "../../config/schema/guardrails";
import { KmsKey } from "../security/kms-key";
import { AccessLogBucket, serverAccessLogs } from "../storage/access-log-bucket";
import { SecureBucket } from "../storage/secure-bucket";

export interface AuditBucketProps {
  /** Bucket name; its server access logs go to `<name>-access-logs`. */
  readonly bucketName: string;
  /** Alias of the CMK (without `alias/`) that encrypts the logs. */
  readonly keyAlias: string;
  /** Days every object version is locked and kept (Object Lock default retention, then expiry). */
  readonly retentionDays: number;
  /** Object Lock mode of the default retention: governance (a privileged principal may shorten it) or compliance (nobody may). */
  readonly objectLockMode: ObjectLockMode;
}

/**
 * Where the account's audit records land (CloudTrail log files, AWS Config snapshots and histories): a SecureBucket
 * (private, versioned, SSE-KMS with its own rotating CMK, TLS only, access-logged) created with S3 Object Lock, so
 * every version is write-once for `retentionDays`, and protected from `terraform destroy`.
 */
export class AuditBucket extends Construct {
  readonly key: KmsKey;
  readonly bucket: SecureBucket;
  readonly accessLogs: AccessLogBucket;
  readonly objectLock: S3BucketObjectLockConfigurationA;

  constructor(scope: Construct, id: string, props: AuditBucketProps) {
    super(scope, id);
    this.key = new KmsKey(this, "Key", { description: `Encrypts the account's audit records in s3://${props.bucketName}`, alias: props.keyAlias });
    const accessLogs = serverAccessLogs(this, props.bucketName, { preventDestroy: true });
    this.accessLogs = accessLogs.bucket;
    this.bucket = new SecureBucket(this, "Bucket", {
      bucketName: props.bucketName,
      key: this.key,
      accessLogs,
      objectLock: true,
      // A version expires once its lock has run out; S3 refuses to remove it any earlier.
      expireObjectsAfterDays: props.retentionDays,
      noncurrentVersionRetentionDays: 1,
      preventDestroy: true,
    });
    this.objectLock = new S3BucketObjectLockConfigurationA(this, "ObjectLock", {
      bucket: this.bucket.bucket.id,
      rule: { defaultRetention: { mode: props.objectLockMode.toUpperCase(), days: props.retentionDays } },
    });
  }
}
