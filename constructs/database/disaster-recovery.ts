import { Construct } from "constructs";
import { TerraformProvider } from "cdktf";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { BackupPlan } from "@cdktf/provider-aws/lib/backup-plan";
import { BackupSelection } from "@cdktf/provider-aws/lib/backup-selection";
import { BackupVault } from "@cdktf/provider-aws/lib/backup-vault";
import { DbSubnetGroup } from "@cdktf/provider-aws/lib/db-subnet-group";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { IamRolePolicyAttachment } from "@cdktf/provider-aws/lib/iam-role-policy-attachment";
import { RdsCluster } from "@cdktf/provider-aws/lib/rds-cluster";
import { RdsClusterInstance } from "@cdktf/provider-aws/lib/rds-cluster-instance";
import { RdsGlobalCluster } from "@cdktf/provider-aws/lib/rds-global-cluster";
import { SecurityGroup } from "@cdktf/provider-aws/lib/security-group";
import type { DisasterRecoveryConfig } from "../../config/environment";
import { SubnetPlan } from "../../config/subnet-plan";
import { AwsScope, awsManagedPolicyArn, awsProviderIn, RegionalScope } from "../core/aws-scope";
import { serviceTrustPolicy } from "../iam/policy-document";
import { EncryptedLogGroup } from "../logging/log-group";
import { FlowLogSettings, Network } from "../network/network";
import { suppress } from "../policy/suppressions";
import { KmsKey } from "../security/kms-key";
import { AuroraPostgres, identifierPrefix, instanceSlots, moveFromPositions, POSTGRES_PORT, ServerlessCapacity } from "./aurora-postgres";

/** Where the recovery copy lives: a second region and the provider alias that manages it. */
export interface RecoveryRegion {
  readonly provider: TerraformProvider;
  readonly region: string;
}

/** The schedule and retention of the backups a {@link BackupCopy} takes and copies. */
export interface BackupSchedule {
  /** Days a backup stays in the primary vault. */
  readonly retentionDays: number;
  /** Days a copy stays in the recovery vault. */
  readonly copyRetentionDays: number;
  /** AWS cron expression (UTC) of the backup and its copy. */
  readonly schedule: string;
}

export interface BackupCopyProps {
  /** `<project>-<environment>`: the prefix of the vaults, plan, role and recovery-region key. */
  readonly namePrefix: string;
  /** The cluster whose backups are taken and copied. */
  readonly database: AuroraPostgres;
  /** The region the copies go to, and the provider that manages the resources there. */
  readonly recoveryRegion: RecoveryRegion;
  /** Key of the primary vault. @default the database's key */
  readonly key?: KmsKey;
  /**
   * The backups to take and copy. Without it only the two vaults and the recovery-region key stay, with the recovery
   * points they already hold: what a switch away from backup-copy keeps until the user removes them. @default none
   */
  readonly backups?: BackupSchedule;
}

/**
 * AWS Backup of the cluster into a KMS-encrypted vault, with every recovery point copied to a vault (under its own
 * CMK) in the recovery region. Restoring there creates a new cluster from the latest copy.
 */
export class BackupCopy extends Construct {
  readonly vault: BackupVault;
  readonly recoveryVault: BackupVault;
  readonly recoveryKey: KmsKey;
  /** Set while backups are taken (`backups`). */
  readonly plan?: BackupPlan;

  constructor(scope: Construct, id: string, props: BackupCopyProps) {
    super(scope, id);
    const { namePrefix, recoveryRegion, backups } = props;
    const key = props.key ?? props.database.key;
    this.vault = new BackupVault(this, "Vault", { name: `${namePrefix}-aurora`, kmsKeyArn: key.arn });

    const remote = new RegionalScope(this, "RecoveryRegion", recoveryRegion);
    this.recoveryKey = new KmsKey(remote, "Key", {
      description: `${namePrefix} Aurora backup copies (disaster recovery)`,
      alias: `${namePrefix}-aurora-dr`,
    });
    this.recoveryVault = new BackupVault(remote, "Vault", { name: `${namePrefix}-aurora-dr`, kmsKeyArn: this.recoveryKey.arn });
    if (!backups) return;

    const role = new IamRole(this, "Role", {
      name: `${namePrefix}-aurora-backup`,
      description: "Lets AWS Backup snapshot the Aurora cluster and copy the snapshots to the recovery region",
      assumeRolePolicy: serviceTrustPolicy("backup.amazonaws.com", AwsScope.of(this).accountId),
    });
    for (const policy of ["AWSBackupServiceRolePolicyForBackup", "AWSBackupServiceRolePolicyForRestores"]) {
      new IamRolePolicyAttachment(this, policy, {
        role: role.name,
        policyArn: awsManagedPolicyArn(this, `service-role/${policy}`),
      });
    }
    this.plan = new BackupPlan(this, "Plan", {
      name: `${namePrefix}-aurora`,
      rule: [
        {
          ruleName: `daily-copy-to-${recoveryRegion.region}`,
          targetVaultName: this.vault.name,
          schedule: backups.schedule,
          startWindow: 60,
          completionWindow: 480,
          lifecycle: { deleteAfter: backups.retentionDays },
          copyAction: [{ destinationVaultArn: this.recoveryVault.arn, lifecycle: { deleteAfter: backups.copyRetentionDays } }],
        },
      ],
    });
    new BackupSelection(this, "Selection", {
      name: `${namePrefix}-aurora`,
      planId: this.plan.id,
      iamRoleArn: role.arn,
      resources: [props.database.cluster.arn],
    });
  }
}

export interface GlobalDatabaseProps {
  /** `<project>-<environment>`: the prefix of the global cluster, the secondary cluster and its VPC. */
  readonly namePrefix: string;
  /** The primary cluster; it becomes the global database's writer without being replaced. */
  readonly database: AuroraPostgres;
  /** The secondary's region, and the provider that manages the resources there. */
  readonly recoveryRegion: RecoveryRegion;
  /** CIDR and subnets of the secondary region's VPC (it cannot share the primary's). */
  readonly cidr: string;
  /** How the secondary VPC's CIDR is cut into subnets (the config's subnet plan for the recovery region). */
  readonly subnetPlan: SubnetPlan;
  /** Flow logs of the secondary VPC. */
  readonly flowLogs: FlowLogSettings;
  /** Instances of the secondary cluster; 0 makes it headless. */
  readonly secondaryInstances: number;
  /** Instance class of the secondary instances (the primary's: a failover keeps the capacity). */
  readonly instanceClass: string;
  /** Serverless v2 capacity range, used with `db.serverless`. */
  readonly serverless: ServerlessCapacity;
  /** Retention of the secondary's exported postgresql log. */
  readonly logRetentionDays: number;
  /** The primary's choice: whether instance changes apply at once or in the maintenance window. */
  readonly applyImmediately: boolean;
  /** Whether the global and the secondary cluster refuse deletion. @default true */
  readonly deletionProtection?: boolean;
}

/**
 * An Aurora global database: the primary cluster as its source, and a read-only secondary cluster in the recovery
 * region, in its own VPC (isolated database subnets), encrypted with a CMK of that region. Storage-level replication
 * typically lags under a second; a managed failover or switchover promotes the secondary.
 */
export class GlobalDatabase extends Construct {
  readonly globalCluster: RdsGlobalCluster;
  readonly secondaryCluster: RdsCluster;
  readonly secondaryInstances: RdsClusterInstance[];
  readonly secondaryNetwork: Network;

  constructor(scope: Construct, id: string, props: GlobalDatabaseProps) {
    super(scope, id);
    const { namePrefix, database, recoveryRegion } = props;
    const deletionProtection = props.deletionProtection ?? true;

    this.globalCluster = new RdsGlobalCluster(this, "GlobalCluster", {
      globalClusterIdentifier: `${namePrefix}-global`,
      sourceDbClusterIdentifier: database.cluster.arn,
      deletionProtection,
      // Lets Terraform detach the members on destroy instead of failing on a non-empty global cluster.
      forceDestroy: true,
    });
    // Joining through source_db_cluster_identifier sets the primary's global_cluster_identifier outside its config.
    database.cluster.lifecycle = { ...database.cluster.lifecycle, ignoreChanges: ["global_cluster_identifier"] };

    const remote = new RegionalScope(this, "RecoveryRegion", recoveryRegion);
    this.secondaryNetwork = new Network(remote, "Network", {
      namePrefix: `${namePrefix}-dr`,
      cidr: props.cidr,
      subnetPlan: props.subnetPlan,
      // Nothing in the standby region runs outside the isolated database subnets until it takes over: one NAT, the
      // free S3 gateway endpoint, no interface endpoints.
      oneNatGatewayPerAz: false,
      flowLogs: props.flowLogs,
      s3GatewayEndpoint: true,
      interfaceEndpoints: [],
      databasePort: POSTGRES_PORT,
    });
    const key = new KmsKey(remote, "Key", {
      description: `${namePrefix} Aurora global database secondary`,
      // Not `-aurora-dr`: that alias stays with the key of an earlier backup-copy mode while its recovery points are kept.
      alias: `${namePrefix}-aurora-global`,
    });
    const logGroup = new EncryptedLogGroup(remote, "PostgresqlLog", {
      name: `/aws/rds/cluster/${namePrefix}-dr/postgresql`,
      retentionDays: props.logRetentionDays,
      key,
    });
    const { instanceClass } = props;
    const subnetGroup = new DbSubnetGroup(remote, "SubnetGroup", {
      name: `${namePrefix}-aurora-dr`,
      description: `Isolated database subnets of ${namePrefix} in the recovery region`,
      subnetIds: this.secondaryNetwork.databaseSubnets.map(({ subnet }) => subnet.id),
    });
    const securityGroup = new SecurityGroup(remote, "SecurityGroup", {
      name: `${namePrefix}-aurora-dr`,
      description: `Aurora PostgreSQL secondary of ${namePrefix}: no client is admitted until the region takes over`,
      vpcId: this.secondaryNetwork.vpc.id,
      tags: { Name: `${namePrefix}-aurora-dr` },
    });
    this.secondaryCluster = new RdsCluster(remote, "Cluster", {
      clusterIdentifier: `${namePrefix}-dr`,
      globalClusterIdentifier: this.globalCluster.id,
      engine: database.cluster.engine,
      engineVersion: database.cluster.engineVersion,
      dbSubnetGroupName: subnetGroup.name,
      vpcSecurityGroupIds: [securityGroup.id],
      port: POSTGRES_PORT,
      storageEncrypted: true,
      kmsKeyId: key.arn,
      iamDatabaseAuthenticationEnabled: true,
      copyTagsToSnapshot: true,
      deletionProtection,
      skipFinalSnapshot: true,
      // As long as the primary keeps its backups, so a promoted secondary can restore as far back.
      backupRetentionPeriod: 35,
      enabledCloudwatchLogsExports: ["postgresql"],
      serverlessv2ScalingConfiguration: instanceClass === "db.serverless" ? { ...props.serverless } : undefined,
      // A secondary joins once the primary has an available writer to replicate from.
      dependsOn: [database.writer, logGroup.logGroup],
      // After a failover the global cluster rewires replication; Terraform must not try to undo it. The secondary
      // follows the primary's minor upgrades, which the primary ignores as well (aurora-postgres.ts).
      lifecycle: { ignoreChanges: ["replication_source_identifier", "global_cluster_identifier", "engine_version"] },
    });
    const zones = this.secondaryNetwork.databaseSubnets.map((subnet) => subnet.availabilityZone);
    // Keyed by AZ like the primary's instances (aurora-postgres.ts): reordering the zones moves nothing, and a
    // replacement is created before the instance it replaces goes.
    const slots = props.secondaryInstances === 0 ? [] : instanceSlots(zones, props.secondaryInstances - 1);
    this.secondaryInstances = slots.map(
      (slot) =>
        new RdsClusterInstance(remote, `Instance-${slot.key}`, {
          identifierPrefix: identifierPrefix(`${namePrefix}-dr`, slot.key, recoveryRegion.region),
          clusterIdentifier: this.secondaryCluster.id,
          engine: this.secondaryCluster.engine,
          instanceClass,
          availabilityZone: slot.zone,
          promotionTier: 1,
          dbSubnetGroupName: subnetGroup.name,
          publiclyAccessible: false,
          autoMinorVersionUpgrade: true,
          applyImmediately: props.applyImmediately,
          lifecycle: { createBeforeDestroy: true },
        }),
    );
    moveFromPositions(
      remote,
      slots.map((slot, index) => ({ instance: this.secondaryInstances[index]!, zone: slot.zone })),
      (index) => `Instance-${index + 1}`,
      zones,
    );
    suppress(
      this.secondaryNetwork,
      "PLT-REL-001",
      "the standby region's VPC only holds the secondary's isolated database subnets, which never route through NAT",
    );
    suppress(
      this.secondaryCluster,
      "PLT-REL-004",
      "a standby secondary: Aurora already replicates its storage over three AZs of the region, and secondaryInstances adds instances",
    );
    suppress(this.secondaryCluster, "PLT-RDS-005", "a secondary holds a replica of the primary, whose final snapshot and AWS Backup copies cover its data");
  }
}

export interface DisasterRecoveryProps {
  /** `<project>-<environment>`: the prefix of every name the recovery mode creates. */
  readonly namePrefix: string;
  /** The primary cluster the recovery mode protects. */
  readonly database: AuroraPostgres;
  /** The recovery mode and region, from the config; mode none only with vaults of an earlier backup-copy mode to keep. */
  readonly config: DisasterRecoveryConfig;
  /** Days the primary keeps its backups; AWS Backup keeps its own recovery points as long. */
  readonly backupRetentionDays: number;
  /** The primary's instance class, serverless range, log retention and applyImmediately, which a global database's secondary follows. */
  readonly instanceClass: string;
  /** The primary's choice: whether a global database's secondary instance changes apply at once. */
  readonly applyImmediately: boolean;
  /** The primary's Serverless v2 capacity range, which a global database's secondary follows. */
  readonly serverless: ServerlessCapacity;
  /** The primary's log retention, which a global database's secondary follows. */
  readonly logRetentionDays: number;
  /** Flow logs of a global database's secondary VPC: the primary VPC's settings. */
  readonly flowLogs: FlowLogSettings;
  /** Whether a global database's clusters refuse deletion. @default true */
  readonly deletionProtection?: boolean;
}

/**
 * The database's copy in a second region of the same account, as the config chooses it: AWS Backup copies
 * (`backup-copy`) or an Aurora global database (`global-database`), on the recovery region's provider: a copy of the
 * stack's default one (same account guard and default tags). After a switch away from backup-copy,
 * `retainRecoveryPoints` keeps its vaults and recovery-region key (not its plan): the copies stay restorable.
 */
export class DisasterRecovery extends Construct {
  readonly provider: AwsProvider;
  readonly region: string;
  /** Set in backup-copy mode. */
  readonly backupCopy?: BackupCopy;
  /** Set in global-database mode. */
  readonly globalDatabase?: GlobalDatabase;

  constructor(scope: Construct, id: string, props: DisasterRecoveryProps) {
    super(scope, id);
    const { config, namePrefix, database } = props;
    const retained = config.mode === "backup-copy" ? undefined : config.retainRecoveryPoints;
    const region = config.region ?? retained?.region;
    if (region === undefined) {
      throw new Error(`${this.node.path}: disaster recovery mode none builds nothing unless it keeps recovery points (retainRecoveryPoints)`);
    }
    this.region = region;
    this.provider = awsProviderIn(this, region, "recovery");
    const recoveryRegion: RecoveryRegion = { provider: this.provider, region };
    if (config.mode === "backup-copy") {
      this.backupCopy = new BackupCopy(this, "BackupCopy", {
        namePrefix,
        database,
        recoveryRegion,
        backups: { retentionDays: props.backupRetentionDays, copyRetentionDays: config.copyRetentionDays, schedule: config.schedule },
      });
      return;
    }
    if (retained) {
      // Same construct path as in backup-copy mode, so the vaults and the key keep their Terraform addresses.
      const provider = retained.region === region ? this.provider : awsProviderIn(this, retained.region, "recovery-points");
      this.backupCopy = new BackupCopy(this, "BackupCopy", { namePrefix, database, recoveryRegion: { provider, region: retained.region } });
    }
    if (config.mode === "global-database") {
      this.globalDatabase = new GlobalDatabase(this, "GlobalDatabase", {
        namePrefix,
        database,
        recoveryRegion,
        cidr: config.cidr,
        subnetPlan: config.subnetPlan,
        flowLogs: props.flowLogs,
        secondaryInstances: config.secondaryInstances,
        instanceClass: props.instanceClass,
        serverless: props.serverless,
        logRetentionDays: props.logRetentionDays,
        applyImmediately: props.applyImmediately,
        deletionProtection: props.deletionProtection,
      });
    }
  }
}
