import { Construct } from "constructs";
import { suppress } from "../policy/suppressions";
import { SecureBucket, SecureBucketProps } from "./secure-bucket";

export interface AccessLogBucketProps extends Omit<SecureBucketProps, "key" | "accessLogs"> {
  /** The AWS service that writes the logs, named in the reasons. @default "S3 server access logging" */
  readonly deliveredBy?: string;
}

/**
 * A bucket that an AWS service delivers access logs to (S3 server access logs, ELB access logs): a SecureBucket (private, versioned, TLS-only) with the
 * two policy exceptions such a bucket cannot avoid, accepted here once with their reasons.
 */
export class AccessLogBucket extends SecureBucket {
  constructor(scope: Construct, id: string, props: AccessLogBucketProps) {
    super(scope, id, props);
    const deliveredBy = props.deliveredBy ?? "S3 server access logging";
    suppress(this, "PLT-S3-003", `${deliveredBy} delivers only to buckets encrypted with SSE-S3 (AES256), not SSE-KMS`);
    suppress(this, "PLT-S3-005", "this is the access-log bucket: logging it to itself would loop, and a third bucket would only move the gap");
  }
}

/** Options of `serverAccessLogs`. */
export interface ServerAccessLogsOptions {
  /** Name of the log bucket. @default `<bucketName>-access-logs` */
  readonly logBucketName?: string;
  /** Refuse `terraform destroy` of the log bucket (for the logs of a bucket that is itself protected). @default false */
  readonly preventDestroy?: boolean;
}

/**
 * The companion bucket that receives `bucketName`'s S3 server access logs (kept a year, replaced versions a month),
 * created as `AccessLogs` in `scope`, and the prefix the logs go under: what a SecureBucket's `accessLogs` takes.
 */
export function serverAccessLogs(
  scope: Construct,
  bucketName: string,
  options: ServerAccessLogsOptions = {},
): { readonly bucket: AccessLogBucket; readonly prefix: string } {
  const bucket = new AccessLogBucket(scope, "AccessLogs", {
    bucketName: options.logBucketName ?? `${bucketName}-access-logs`,
    noncurrentVersionRetentionDays: 30,
    expireObjectsAfterDays: 365,
    ...(options.preventDestroy ? { preventDestroy: true } : {}),
  });
  return { bucket, prefix: `s3/${bucketName}/` };
}
