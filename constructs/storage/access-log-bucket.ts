import { Construct } from "constructs";
import { suppress } from "../policy/suppressions";
import { SecureBucket, SecureBucketProps } from "./secure-bucket";

export type AccessLogBucketProps = Omit<SecureBucketProps, "key" | "accessLogs">;

/**
 * The bucket S3 server access logs of other buckets go to: a SecureBucket (private, versioned, TLS-only) with the
 * two policy exceptions such a bucket cannot avoid, accepted here once with their reasons.
 */
export class AccessLogBucket extends SecureBucket {
  constructor(scope: Construct, id: string, props: AccessLogBucketProps) {
    super(scope, id, props);
    suppress(this, "PLT-S3-003", "S3 server access logging delivers only to buckets encrypted with SSE-S3 (AES256), not SSE-KMS");
    suppress(this, "PLT-S3-005", "this is the access-log bucket: logging it to itself would loop, and a third bucket would only move the gap");
  }
}
