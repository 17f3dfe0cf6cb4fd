import { Construct } from "constructs";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy";
import { S3BucketReplicationConfigurationA } from "@cdktf/provider-aws/lib/s3-bucket-replication-configuration";
import { S3BucketVersioningA } from "@cdktf/provider-aws/lib/s3-bucket-versioning";
import { AwsScope, awsProviderIn, RegionalScope } from "../core/aws-scope";
import { policyDocument, PolicyStatement, serviceTrustPolicy } from "../iam/policy-document";
import { KmsKey } from "../security/kms-key";
import { serverAccessLogs } from "./access-log-bucket";
import { SecureBucket } from "./secure-bucket";

/**
 * `<prefix>-backups-<account>`, and `-dr` for the copy in the recovery region (one per environment, so the region
 * need not be in the name); their access logs add `-logs`. The longest, the copy's logs, is in config/name-limits.ts.
 */
export function backupBucketName(namePrefix: string, accountId: string): string {
  return `${namePrefix}-backups-${accountId}`;
}

export interface BackupBucketProps {
  /** `<project>-<env>`: prefixes the bucket, key and role names. */
  readonly namePrefix: string;
  /** What the backups are, for the keys' descriptions. */
  readonly purpose: string;
  /** Days a replaced or deleted object version is kept (room to undo a bad delete). */
  readonly noncurrentVersionRetentionDays: number;
  /** Days before current objects under a prefix expire, for prefixes whose writer does not delete what it wrote. */
  readonly expirePrefixes: Readonly<Record<string, number>>;
  /** Where every object is copied (S3 replication into a bucket with its own key there). @default no copy */
  readonly recoveryRegion?: string;
  /** Days a copy is kept in the recovery region; deletions are not replicated, so the copies expire on their own. */
  readonly replicaRetentionDays: number;
}

/**
 * An S3 bucket for cluster backups: SSE-KMS with its own CMK, versioned, private, TLS-only, noncurrent versions
 * expired. Where the environment has a disaster recovery region, every new object is replicated into a bucket there
 * encrypted with a key of that region; delete markers are not replicated, so a delete in the primary (Velero's TTL, a
 * mistake, an attacker) leaves the copy until its own expiry.
 */
export class BackupBucket extends Construct {
  readonly bucket: SecureBucket;
  readonly key: KmsKey;
  /** The copy in the recovery region, when there is one. */
  readonly replica?: { readonly bucket: SecureBucket; readonly key: KmsKey; readonly region: string; readonly role: IamRole };

  constructor(scope: Construct, id: string, props: BackupBucketProps) {
    super(scope, id);
    const location = AwsScope.of(this);
    const name = backupBucketName(props.namePrefix, location.accountId);
    this.key = new KmsKey(this, "Key", { description: `${props.purpose} of ${props.namePrefix}`, alias: `${props.namePrefix}-cluster-backups` });
    this.bucket = new SecureBucket(this, "Bucket", {
      bucketName: name,
      key: this.key,
      accessLogs: serverAccessLogs(this, name, { logBucketName: `${name}-logs` }),
      noncurrentVersionRetentionDays: props.noncurrentVersionRetentionDays,
      shortLivedPrefixes: props.expirePrefixes,
    });
    if (!props.recoveryRegion) return;

    const region = props.recoveryRegion;
    const remote = new RegionalScope(this, "RecoveryRegion", { provider: awsProviderIn(this, region, "recovery"), region });
    const replicaKey = new KmsKey(remote, "Key", {
      description: `${props.purpose} of ${props.namePrefix}, copy in ${region} (disaster recovery)`,
      alias: `${props.namePrefix}-cluster-backups-dr`,
    });
    const replica = new SecureBucket(remote, "Bucket", {
      bucketName: `${name}-dr`,
      key: replicaKey,
      accessLogs: serverAccessLogs(remote, `${name}-dr`, { logBucketName: `${name}-dr-logs` }),
      noncurrentVersionRetentionDays: props.noncurrentVersionRetentionDays,
      expireObjectsAfterDays: props.replicaRetentionDays,
    });
    const role = new IamRole(this, "ReplicationRole", {
      name: `${props.namePrefix}-cluster-backups-replication`,
      description: `Lets S3 copy the cluster backups of ${props.namePrefix} to ${region}`,
      assumeRolePolicy: serviceTrustPolicy("s3.amazonaws.com", location.accountId),
    });
    new IamRolePolicy(this, "ReplicationPolicy", {
      name: "replicate-backups",
      role: role.id,
      policy: policyDocument(replicationStatements(this, replica, replicaKey, region)),
    });
    new S3BucketReplicationConfigurationA(this, "Replication", {
      bucket: this.bucket.bucket.id,
      role: role.arn,
      rule: [
        {
          id: `copy-to-${region}`,
          status: "Enabled",
          filter: { prefix: "" },
          deleteMarkerReplication: { status: "Disabled" },
          sourceSelectionCriteria: { sseKmsEncryptedObjects: { status: "Enabled" } },
          destination: { bucket: replica.bucket.arn, encryptionConfiguration: { replicaKmsKeyId: replicaKey.arn } },
        },
      ],
      // S3 refuses a replication configuration while either bucket's versioning is not enabled yet.
      dependsOn: [versioningOf(this.bucket), versioningOf(replica)],
    });
    this.replica = { bucket: replica, key: replicaKey, region, role };
  }
}

/** Who read or deleted a backup, and when: S3 server access logs into a bucket of their own (a year). */
function versioningOf(bucket: SecureBucket): S3BucketVersioningA {
  return bucket.node.findChild("Versioning") as S3BucketVersioningA;
}

/** What S3's replication needs, on these two buckets and keys only (AWS's "setting up permissions" for SSE-KMS objects). */
function replicationStatements(source: BackupBucket, replica: SecureBucket, replicaKey: KmsKey, region: string): PolicyStatement[] {
  const via = (where: string) => ({ StringEquals: { "kms:ViaService": `s3.${where}.amazonaws.com` } });
  return [
    { Sid: "ReadReplicationConfiguration", Effect: "Allow", Action: ["s3:GetReplicationConfiguration", "s3:ListBucket"], Resource: source.bucket.arn },
    {
      Sid: "ReadSourceVersions",
      Effect: "Allow",
      Action: ["s3:GetObjectVersionForReplication", "s3:GetObjectVersionAcl", "s3:GetObjectVersionTagging"],
      Resource: `${source.bucket.arn}/*`,
    },
    { Sid: "WriteReplicas", Effect: "Allow", Action: ["s3:ReplicateObject", "s3:ReplicateTags"], Resource: `${replica.arn}/*` },
    ...source.key.grantIdentity("DecryptSource", "kms:Decrypt", via(AwsScope.of(source).region)).statements,
    ...replicaKey.grantIdentity("EncryptReplicas", ["kms:Encrypt", "kms:GenerateDataKey"], via(region)).statements,
  ];
}
