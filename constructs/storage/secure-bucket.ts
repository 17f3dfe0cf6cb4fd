import { Construct } from "constructs";
import { Lazy } from "cdktf";
import { S3Bucket } from "@cdktf/provider-aws/lib/s3-bucket";
import { S3BucketLifecycleConfiguration } from "@cdktf/provider-aws/lib/s3-bucket-lifecycle-configuration";
import { S3BucketLoggingA } from "@cdktf/provider-aws/lib/s3-bucket-logging";
import { S3BucketOwnershipControls } from "@cdktf/provider-aws/lib/s3-bucket-ownership-controls";
import { S3BucketPolicy } from "@cdktf/provider-aws/lib/s3-bucket-policy";
import { S3BucketPublicAccessBlock } from "@cdktf/provider-aws/lib/s3-bucket-public-access-block";
import { S3BucketServerSideEncryptionConfigurationA } from "@cdktf/provider-aws/lib/s3-bucket-server-side-encryption-configuration";
import { S3BucketVersioningA } from "@cdktf/provider-aws/lib/s3-bucket-versioning";
import { AwsScope, formatArn } from "../core/aws-scope";
import { policyDocument, PolicyStatement } from "../iam/policy-document";
import { KmsKey } from "../security/kms-key";

export interface SecureBucketProps {
  /** The bucket's name (globally unique). */
  readonly bucketName: string;
  /**
   * The CMK for SSE-KMS. Omit only for buckets that receive S3 server access logs or ELB access logs, which AWS
   * can deliver only to SSE-S3 buckets. @default SSE-S3 (AES256)
   */
  readonly key?: KmsKey;
  /** Where S3 writes this bucket's server access logs. @default no access logging (only for log buckets) */
  readonly accessLogs?: { readonly bucket: SecureBucket; readonly prefix: string };
  /** Days a replaced or deleted object version is kept. @default 90 (room to recover from a bad write) */
  readonly noncurrentVersionRetentionDays?: number;
  /** Days before current objects expire. @default never (state and backups are kept) */
  readonly expireObjectsAfterDays?: number;
  /** Key prefixes whose objects, and their replaced versions, expire after the given days. @default none */
  readonly shortLivedPrefixes?: Readonly<Record<string, number>>;
  /** Refuse `terraform destroy` of the bucket. @default false */
  readonly preventDestroy?: boolean;
  /**
   * Create the bucket with S3 Object Lock (only possible at creation); the retention rule is the caller's
   * (S3BucketObjectLockConfigurationA). @default false
   */
  readonly objectLock?: boolean;
}

/**
 * An S3 bucket that is private, versioned, encrypted and TLS-only however it is used: the baseline that Checkov and
 * Trivy check, built in once. Other constructs add statements to its policy with `addToPolicy`.
 */
export class SecureBucket extends Construct {
  readonly bucket: S3Bucket;
  readonly name: string;
  /** The ARN, known at synth time (S3 ARNs carry no account or region). */
  readonly arn: string;
  /** The bucket policy, for a service that checks its access when it is configured (CloudTrail). */
  readonly policy: S3BucketPolicy;
  private readonly statements: PolicyStatement[];

  constructor(scope: Construct, id: string, props: SecureBucketProps) {
    super(scope, id);
    this.name = props.bucketName;
    this.arn = formatArn(this, { service: "s3", region: "", account: "", resource: props.bucketName });
    this.bucket = new S3Bucket(this, "Bucket", {
      bucket: props.bucketName,
      objectLockEnabled: props.objectLock ? true : undefined,
      lifecycle: props.preventDestroy ? { preventDestroy: true } : undefined,
    });
    const bucket = this.bucket.id;
    new S3BucketOwnershipControls(this, "Ownership", {
      bucket,
      rule: { objectOwnership: "BucketOwnerEnforced" },
    });
    const publicAccessBlock = new S3BucketPublicAccessBlock(this, "PublicAccessBlock", {
      bucket,
      blockPublicAcls: true,
      blockPublicPolicy: true,
      ignorePublicAcls: true,
      restrictPublicBuckets: true,
    });
    new S3BucketVersioningA(this, "Versioning", { bucket, versioningConfiguration: { status: "Enabled" } });
    new S3BucketServerSideEncryptionConfigurationA(this, "Encryption", {
      bucket,
      rule: [
        props.key
          ? { applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms", kmsMasterKeyId: props.key.arn }, bucketKeyEnabled: true }
          : { applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } },
      ],
    });
    new S3BucketLifecycleConfiguration(this, "Lifecycle", {
      bucket,
      rule: [
        {
          id: "expire-noncurrent-versions",
          status: "Enabled",
          filter: [{ prefix: "" }],
          noncurrentVersionExpiration: [{ noncurrentDays: props.noncurrentVersionRetentionDays ?? 90 }],
          abortIncompleteMultipartUpload: [{ daysAfterInitiation: 7 }],
          expiration: props.expireObjectsAfterDays ? [{ days: props.expireObjectsAfterDays }] : undefined,
        },
        ...Object.entries(props.shortLivedPrefixes ?? {}).map(([prefix, days]) => ({
          id: `expire-${prefix.replace(/[^A-Za-z0-9-]+/g, "-").replace(/-+$/, "")}`,
          status: "Enabled",
          filter: [{ prefix }],
          expiration: [{ days }],
          noncurrentVersionExpiration: [{ noncurrentDays: days }],
        })),
      ],
    });
    if (props.accessLogs) {
      new S3BucketLoggingA(this, "AccessLogging", {
        bucket,
        targetBucket: props.accessLogs.bucket.name,
        targetPrefix: props.accessLogs.prefix,
      });
      props.accessLogs.bucket.allowServerAccessLogsFrom(this);
    }
    this.statements = [
      {
        Sid: "DenyInsecureTransport",
        Effect: "Deny",
        Principal: "*",
        Action: "s3:*",
        Resource: [this.arn, `${this.arn}/*`],
        Condition: { Bool: { "aws:SecureTransport": false } },
      },
    ];
    this.policy = new S3BucketPolicy(this, "Policy", {
      bucket,
      policy: Lazy.stringValue({ produce: () => policyDocument(this.statements) }),
      dependsOn: [publicAccessBlock],
    });
  }

  addToPolicy(statement: PolicyStatement): void {
    this.statements.push(statement);
  }

  /** Lets S3 server access logging of `source` write into this bucket, and nothing else. */
  allowServerAccessLogsFrom(source: SecureBucket): void {
    this.addToPolicy({
      Sid: `S3ServerAccessLogs${source.node.id.replace(/[^A-Za-z0-9]/g, "")}`,
      Effect: "Allow",
      Principal: { Service: "logging.s3.amazonaws.com" },
      Action: "s3:PutObject",
      Resource: `${this.arn}/*`,
      Condition: { ArnLike: { "aws:SourceArn": source.arn }, StringEquals: { "aws:SourceAccount": AwsScope.of(source).accountId } },
    });
  }
}
