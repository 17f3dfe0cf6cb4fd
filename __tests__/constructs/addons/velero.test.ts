import "cdktf/lib/testing/adapters/jest";
import { validateEnvironment } from "../../../config";
import { EnvironmentConfig } from "../../../config";
import { environmentInput, testEnvironment } from "../../support/environments";
import { Json, synthPlatform } from "../../support/platform";

/** Cluster backups: every namespace with volumes on a schedule from config, into an encrypted bucket copied to the DR region. */
const certManager = { enabled: true, acmeEmail: "ops@shop.example.com", hostedZoneIds: ["Z0TEST000000000000001"] };
const settings = { schedule: "15 */6 * * *", retentionDays: 9, vaultSnapshot: { schedule: "45 * * * *", retentionDays: 5 } };
const environment = testEnvironment({
  platform: { certManager, vault: { enabled: true, replicas: 3 }, elasticsearch: { enabled: true }, velero: settings },
  database: { disasterRecovery: { mode: "backup-copy", region: "eu-west-1" } },
});
const platform = synthPlatform(environment);
const values = platform.values("velero");
const objects = platform.manifests("velero-config");
const recoveryRegion = "eu-west-1";

const bucketName = (config: EnvironmentConfig) => `${config.prefix}-backups-${config.account.id}`;
const byBucket = (type: string, name: string) =>
  platform.resources(type).filter((resource) => String(resource.bucket).includes("Backups_Bucket") && !String(resource.bucket).includes(name));
const rolePolicy = (fragment: string) =>
  JSON.parse(platform.resources("aws_iam_role_policy").find((policy) => String(policy.role).includes(fragment))!.policy as string).Statement as Json[];

describe("Velero backups", () => {
  test("the bucket is KMS-encrypted with its own key, versioned, private and TLS-only", () => {
    const bucket = platform.resources("aws_s3_bucket").find((resource) => resource.bucket === bucketName(environment))!;
    expect(bucket).toBeDefined();
    const [encryption] = byBucket("aws_s3_bucket_server_side_encryption_configuration", "RecoveryRegion");
    expect(encryption.rule[0].apply_server_side_encryption_by_default).toEqual({
      sse_algorithm: "aws:kms",
      kms_master_key_id: expect.stringMatching(/^\$\{aws_kms_key\.AddOns_veleroResources_Backups_Key_[A-Z0-9]+\.arn\}$/),
    });
    expect(byBucket("aws_s3_bucket_versioning", "RecoveryRegion")[0].versioning_configuration).toEqual({ status: "Enabled" });
    expect(byBucket("aws_s3_bucket_public_access_block", "RecoveryRegion")[0]).toMatchObject({
      block_public_acls: true,
      block_public_policy: true,
      ignore_public_acls: true,
      restrict_public_buckets: true,
    });
    const policy = JSON.parse(byBucket("aws_s3_bucket_policy", "RecoveryRegion")[0].policy as string);
    expect(policy.Statement).toContainEqual(expect.objectContaining({ Effect: "Deny", Condition: { Bool: { "aws:SecureTransport": false } } }));
  });

  test("noncurrent versions expire, and Vault's snapshots after the retention from config", () => {
    const [lifecycle] = byBucket("aws_s3_bucket_lifecycle_configuration", "RecoveryRegion");
    const rules = lifecycle.rule as Json[];
    expect(rules.find((rule) => rule.id === "expire-noncurrent-versions")?.noncurrent_version_expiration).toEqual([{ noncurrent_days: 7 }]);
    expect(rules.find((rule) => rule.filter[0].prefix === "vault-raft/")?.expiration).toEqual([{ days: settings.vaultSnapshot.retentionDays }]);
  });

  test("where disaster recovery is on, every new backup is copied to a bucket with its own key in the recovery region", () => {
    const [replication] = platform.resources("aws_s3_bucket_replication_configuration");
    expect(replication).toBeDefined();
    const rule = replication.rule[0];
    expect(rule.destination.bucket).toMatch(/RecoveryRegion_Bucket_[A-Z0-9]+\.arn/);
    expect(rule.destination.encryption_configuration.replica_kms_key_id).toMatch(/RecoveryRegion_Key_[A-Z0-9]+\.arn/);
    expect(rule.source_selection_criteria.sse_kms_encrypted_objects.status).toBe("Enabled");
    // A delete in the primary (TTL, mistake, attacker) leaves the copy.
    expect(rule.delete_marker_replication.status).toBe("Disabled");
    const replica = platform.resources("aws_s3_bucket").find((resource) => resource.bucket === `${bucketName(environment)}-dr`)!;
    expect(replica.provider).toBe("aws.recovery");
    const providers = platform.stack.provider?.aws as Json[];
    expect(providers.find((provider) => provider.alias === "recovery")?.region).toBe(recoveryRegion);

    // S3 may copy new versions into the replica, and nothing else: no delete is replicated.
    const replicationActions = rolePolicy("ReplicationRole").flatMap((statement) => [statement.Action].flat() as string[]);
    expect(replicationActions).toEqual(expect.arrayContaining(["s3:ReplicateObject", "s3:GetObjectVersionForReplication"]));
    expect(replicationActions.filter((action) => action === "s3:ReplicateDelete" || action.endsWith("*"))).toEqual([]);

    const alone = synthPlatform(testEnvironment({ platform: { certManager, vault: { enabled: true, replicas: 3 }, velero: settings } }));
    expect(alone.resources("aws_s3_bucket_replication_configuration")).toEqual([]);
  });

  test("one schedule per namespace with volumes, at the schedule and with the retention from config", () => {
    expect(Object.keys(values.schedules).sort()).toEqual(["logging", "monitoring", "vault"]);
    for (const [namespace, schedule] of Object.entries(values.schedules as Record<string, Json>)) {
      expect(schedule).toMatchObject({
        schedule: settings.schedule,
        template: { ttl: `${settings.retentionDays * 24}h0m0s`, includedNamespaces: [namespace], snapshotVolumes: true },
      });
    }
    const withoutVault = synthPlatform(testEnvironment({ platform: { velero: settings } }));
    expect(Object.keys(withoutVault.values("velero").schedules)).toEqual(["monitoring"]);
  });

  test("volumes are CSI snapshots of the EBS driver's class Velero picks by label; the server role has no EC2 access", () => {
    expect(values.configuration.features).toBe("EnableCSI");
    expect(values.snapshotsEnabled).toBe(false);
    expect(values.deployNodeAgent).toBe(false);
    const snapshotClass = objects.find((object) => object.kind === "VolumeSnapshotClass")!;
    expect(snapshotClass).toMatchObject({
      driver: "ebs.csi.aws.com",
      metadata: { labels: { "velero.io/csi-volumesnapshot-class": "true" } },
      // The teardown finds the EBS snapshots (not in Terraform's state) by this tag.
      parameters: { tagSpecification_1: `velero-backup-of=${environment.prefix}` },
    });
    expect(values.configuration.backupStorageLocation).toEqual([
      expect.objectContaining({
        provider: "aws",
        bucket: bucketName(environment),
        prefix: "velero",
        config: expect.objectContaining({ region: "eu-central-1" }),
      }),
    ]);
    const statements = rolePolicy("Irsa-velero_");
    const actions = statements.flatMap((statement) => [statement.Action].flat() as string[]);
    expect(actions.filter((action) => action.startsWith("ec2:"))).toEqual([]);
    expect(statements.find((statement) => statement.Sid === "ReadWriteBackups")?.Resource).toBe(`arn:aws:s3:::${bucketName(environment)}/velero/*`);
    expect(values.serviceAccount.server).toMatchObject({
      name: "velero",
      annotations: { "eks.amazonaws.com/role-arn": expect.stringContaining("Irsa-velero_") },
    });
  });

  test("alerts: a failed backup, and a late one per schedule after 1.5 × the interval from config", () => {
    expect(values.metrics.serviceMonitor.enabled).toBe(true);
    const rules = values.metrics.prometheusRule.spec as Json[];
    expect(rules.map((rule) => rule.alert)).toEqual(
      expect.arrayContaining(["VeleroBackupFailed", "VeleroBackupLate", "VaultSnapshotFailed", "VaultSnapshotLate"]),
    );
    // Every 6 hours → late after 9 hours; Vault hourly → 1.5 hours.
    expect(rules).toContainEqual(expect.objectContaining({ alert: "VeleroBackupLate", expr: expect.stringContaining('{schedule="velero-vault"} > 32400') }));
    expect(rules).toContainEqual(expect.objectContaining({ alert: "VaultSnapshotLate", expr: expect.stringContaining("> 5400") }));
    expect(rules.filter((rule) => rule.alert === "VeleroBackupLate").every((rule) => ["critical"].includes(rule.labels.severity))).toBe(true);
  });

  test("Vault's Raft snapshots run on their own schedule with a snapshot-only Vault role and a put-only AWS role", () => {
    const cronJob = objects.find((object) => object.kind === "CronJob")!;
    expect(cronJob.spec.schedule).toBe(settings.vaultSnapshot.schedule);
    const [save] = cronJob.spec.jobTemplate.spec.template.spec.initContainers as Json[];
    expect(save.command[2]).toContain("auth/kubernetes/login role=raft-snapshot");
    expect(save.command[2]).toContain("vault operator raft snapshot save");
    const setup = platform.manifests("vault-config").find((object) => object.kind === "Job")!;
    const configure = (setup.spec.template.spec.containers as Json[])[0].command[2] as string;
    expect(configure).toContain('path "sys/storage/raft/snapshot" {\\n  capabilities = ["read"]');
    expect(configure).toContain("bound_service_account_names=vault-snapshot bound_service_account_namespaces=velero policies=raft-snapshot");
    const statements = rolePolicy("Irsa-vault-snapshot");
    expect(statements.find((statement) => statement.Action === "s3:PutObject")?.Resource).toBe(`arn:aws:s3:::${bucketName(environment)}/vault-raft/*`);
    expect(statements.flatMap((statement) => [statement.Action].flat())).toEqual(["s3:PutObject", "kms:GenerateDataKey"]);
  });

  test("with Vault snapshots off, no CronJob or snapshot role exists and the setup Job removes the Vault role", () => {
    const off = synthPlatform(
      testEnvironment({ platform: { certManager, vault: { enabled: true, replicas: 3 }, velero: { ...settings, vaultSnapshot: { enabled: false } } } }),
    );
    expect(off.manifests("velero-config").map((object) => object.kind)).toEqual(["VolumeSnapshotClass"]);
    expect(off.resources("aws_iam_role").filter((role) => String(role.name).endsWith("-vault-snapshot"))).toEqual([]);
    const setup = off.manifests("vault-config").find((object) => object.kind === "Job")!;
    const configure = (setup.spec.template.spec.containers as Json[])[0].command[2] as string;
    expect(configure).toContain("vault delete auth/kubernetes/role/raft-snapshot");
    expect(configure).not.toContain("vault write auth/kubernetes/role/raft-snapshot");
    const lifecycle = off.resources("aws_s3_bucket_lifecycle_configuration").find((resource) => String(resource.bucket).includes("Backups_Bucket"))!;
    expect((lifecycle.rule as Json[]).map((rule) => rule.id)).toEqual(["expire-noncurrent-versions"]);
  });

  test("config: a schedule whose interval cannot be read, and production without backups, are refused in one line", () => {
    const bad = validateEnvironment("test", "config/test.yaml", environmentInput({ platform: { velero: { schedule: "0 2 * * 1" } } }));
    expect("problems" in bad ? bad.problems : []).toContainEqual(
      expect.objectContaining({
        file: "config/test.yaml",
        location: "platform.velero.schedule",
        message: expect.stringMatching(/^must be a cron \(UTC\) of the form [^\n]+$/),
      }),
    );
    const off = validateEnvironment("test", "config/test.yaml", environmentInput({ platform: { velero: { enabled: false } } }));
    expect("problems" in off ? off.problems : []).toContainEqual(
      expect.objectContaining({ location: "platform.velero.enabled", message: expect.stringContaining("must be true in a production tier") }),
    );
  });
});
