import { Construct } from "constructs";
import { TerraformProvider } from "cdktf";
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
import { SubnetPlan } from "../../config/subnet-plan";
import { RegionalScope } from "../core/aws-scope";
import { AccountContext, serviceTrustPolicy } from "../iam/policy-document";
import { EncryptedLogGroup } from "../logging/log-group";
import { Network } from "../network/network";
import { suppress } from "../policy/suppressions";
import { KmsKey } from "../security/kms-key";
import { AuroraPostgres, POSTGRES_PORT } from "./aurora-postgres";

/** Where the recovery copy lives: a second region and the provider alias that manages it. */
export interface RecoveryRegion {
  readonly provider: TerraformProvider;
  readonly region: string;
}

/** Manages every resource under `scope` with `provider` (a second region), so callers never forget one. */
export interface BackupCopyProps {
  readonly account: AccountContext;
  readonly namePrefix: string;
  readonly database: AuroraPostgres;
  readonly recoveryRegion: RecoveryRegion;
  /** Key of the primary vault. @default the database's key */
  readonly key?: KmsKey;
  /** Days a backup stays in the primary vault. @default 35 */
  readonly retentionDays?: number;
  /** Days a copy stays in the recovery vault. @default 35 */
  readonly copyRetentionDays?: number;
  /** AWS cron expression (UTC). @default cron(0 3 * * ? *) (daily, after the automated backup window) */
  readonly schedule?: string;
}

/**
 * AWS Backup of the cluster into a KMS-encrypted vault, with every recovery point copied to a vault (under its own
 * CMK) in the recovery region. Restoring there creates a new cluster from the latest copy.
 */
export class BackupCopy extends Construct {
  readonly vault: BackupVault;
  readonly recoveryVault: BackupVault;
  readonly recoveryKey: KmsKey;
  readonly plan: BackupPlan;

  constructor(scope: Construct, id: string, props: BackupCopyProps) {
    super(scope, id);
    const { account, namePrefix, recoveryRegion } = props;
    const key = props.key ?? props.database.key;
    this.vault = new BackupVault(this, "Vault", { name: `${namePrefix}-aurora`, kmsKeyArn: key.arn });

    const remote = new RegionalScope(this, "RecoveryRegion", recoveryRegion);
    this.recoveryKey = new KmsKey(remote, "Key", {
      description: `${namePrefix} Aurora backup copies (disaster recovery)`,
      alias: `${namePrefix}-aurora-dr`,
    });
    this.recoveryVault = new BackupVault(remote, "Vault", { name: `${namePrefix}-aurora-dr`, kmsKeyArn: this.recoveryKey.arn });

    const role = new IamRole(this, "Role", {
      name: `${namePrefix}-aurora-backup`,
      description: "Lets AWS Backup snapshot the Aurora cluster and copy the snapshots to the recovery region",
      assumeRolePolicy: serviceTrustPolicy("backup.amazonaws.com", account.accountId),
    });
    for (const policy of ["AWSBackupServiceRolePolicyForBackup", "AWSBackupServiceRolePolicyForRestores"]) {
      new IamRolePolicyAttachment(this, policy, {
        role: role.name,
        policyArn: `arn:${account.partition}:iam::aws:policy/service-role/${policy}`,
      });
    }
    this.plan = new BackupPlan(this, "Plan", {
      name: `${namePrefix}-aurora`,
      rule: [
        {
          ruleName: `daily-copy-to-${recoveryRegion.region}`,
          targetVaultName: this.vault.name,
          schedule: props.schedule ?? "cron(0 3 * * ? *)",
          startWindow: 60,
          completionWindow: 480,
          lifecycle: { deleteAfter: props.retentionDays ?? 35 },
          copyAction: [{ destinationVaultArn: this.recoveryVault.arn, lifecycle: { deleteAfter: props.copyRetentionDays ?? 35 } }],
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
  readonly account: AccountContext;
  readonly namePrefix: string;
  /** The primary cluster; it becomes the global database's writer without being replaced. */
  readonly database: AuroraPostgres;
  readonly recoveryRegion: RecoveryRegion;
  /** CIDR and subnets of the secondary region's VPC (it cannot share the primary's). */
  readonly cidr: string;
  readonly subnetPlan: SubnetPlan;
  /** Instances of the secondary cluster; 0 makes it headless. @default 1 */
  readonly secondaryInstances?: number;
  /** Instance class of the secondary instances. @default db.r7g.large (the smallest class a global database supports) */
  readonly instanceClass?: string;
  /** Serverless v2 capacity range, used with `db.serverless`. @default 0.5-8 */
  readonly serverless?: { readonly minCapacity: number; readonly maxCapacity: number };
  /** Retention of the secondary's exported postgresql log. @default 30 */
  readonly logRetentionDays?: number;
  /** @default true */
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
    const { account, namePrefix, database, recoveryRegion } = props;
    const remoteAccount: AccountContext = { ...account, region: recoveryRegion.region };
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
      account: remoteAccount,
      namePrefix: `${namePrefix}-dr`,
      cidr: props.cidr,
      subnetPlan: props.subnetPlan,
      oneNatGatewayPerAz: false,
      databasePort: POSTGRES_PORT,
    });
    const key = new KmsKey(remote, "Key", {
      description: `${namePrefix} Aurora global database secondary`,
      alias: `${namePrefix}-aurora-dr`,
    });
    const logGroup = new EncryptedLogGroup(remote, "PostgresqlLog", {
      name: `/aws/rds/cluster/${namePrefix}-dr/postgresql`,
      retentionDays: props.logRetentionDays ?? 30,
      key,
    });
    const instanceClass = props.instanceClass ?? "db.r7g.large";
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
      serverlessv2ScalingConfiguration: instanceClass === "db.serverless" ? (props.serverless ?? { minCapacity: 0.5, maxCapacity: 8 }) : undefined,
      // A secondary joins once the primary has an available writer to replicate from.
      dependsOn: [database.writer, logGroup.logGroup],
      // After a failover the global cluster rewires replication; Terraform must not try to undo it. The secondary
      // follows the primary's minor upgrades, which the primary ignores as well (aurora-postgres.ts).
      lifecycle: { ignoreChanges: ["replication_source_identifier", "global_cluster_identifier", "engine_version"] },
    });
    const zones = this.secondaryNetwork.databaseSubnets.map((subnet) => subnet.availabilityZone);
    this.secondaryInstances = Array.from({ length: props.secondaryInstances ?? 1 }, (_, index) => {
      const ordinal = index + 1;
      return new RdsClusterInstance(remote, `Instance-${ordinal}`, {
        identifier: `${namePrefix}-dr-${ordinal}`,
        clusterIdentifier: this.secondaryCluster.id,
        engine: this.secondaryCluster.engine,
        instanceClass,
        availabilityZone: zones[index % zones.length],
        promotionTier: 1,
        dbSubnetGroupName: subnetGroup.name,
        publiclyAccessible: false,
        autoMinorVersionUpgrade: true,
      });
    });
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
