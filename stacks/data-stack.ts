import { Construct } from "constructs";
import { TerraformOutput } from "cdktf";
import { EnvironmentConfig } from "../config";
import { ClusterRef } from "../constructs/cluster/cluster-ref";
import { AuroraPostgres } from "../constructs/database/aurora-postgres";
import { DatabaseAlarms } from "../constructs/database/database-alarms";
import { DisasterRecovery } from "../constructs/database/disaster-recovery";
import { Network } from "../constructs/network/network";
import { EnvironmentStack } from "./environment-stack";

export interface DataStackProps {
  readonly network: Network;
  /** The EKS cluster whose nodes may connect to the database. */
  readonly cluster: ClusterRef;
}

/** `<env>-data`: Aurora PostgreSQL for the application, its alarms and its disaster recovery copy. */
export class DataStack extends EnvironmentStack {
  readonly database: AuroraPostgres;
  readonly alarms: DatabaseAlarms;
  readonly disasterRecovery?: DisasterRecovery;

  constructor(scope: Construct, environment: EnvironmentConfig, props: DataStackProps) {
    super(scope, environment, "data");
    const { database: config, prefix } = environment;
    const production = environment.isProduction;

    this.database = new AuroraPostgres(this, "Database", {
      namePrefix: prefix,
      network: props.network,
      engineVersion: config.engineVersion,
      instanceClass: config.instanceClass,
      serverless: config.serverless,
      readers: config.readers,
      readerAutoscaling: config.readerAutoscaling.enabled ? config.readerAutoscaling : undefined,
      backupRetentionDays: config.backupRetentionDays,
      backupWindow: config.backupWindow,
      maintenanceWindow: config.maintenanceWindow,
      applyImmediately: config.applyImmediately,
      storageType: config.storageType,
      performanceInsightsRetentionDays: config.performanceInsightsRetentionDays,
      monitoringIntervalSeconds: config.monitoringIntervalSeconds,
      logRetentionDays: config.logRetentionDays,
      slowQueryMilliseconds: config.slowQueryMilliseconds,
      deletionProtection: production,
      finalSnapshot: production,
      allowFrom: { "eks-nodes": props.cluster.nodeSecurityGroup },
    });
    this.alarms = new DatabaseAlarms(this, "Alarms", { namePrefix: prefix, database: this.database, key: this.database.key, ...config.alarms });
    // A mode that makes no copies may still keep an earlier backup-copy mode's vaults and their recovery points.
    if (config.disasterRecovery.mode !== "none" || config.disasterRecovery.retainRecoveryPoints) {
      this.disasterRecovery = new DisasterRecovery(this, "DisasterRecovery", {
        namePrefix: prefix,
        database: this.database,
        config: config.disasterRecovery,
        backupRetentionDays: config.backupRetentionDays,
        instanceClass: config.instanceClass,
        applyImmediately: config.applyImmediately,
        serverless: config.serverless,
        logRetentionDays: config.logRetentionDays,
        flowLogs: environment.network.flowLogs,
        deletionProtection: production,
      });
    }

    const outputs: Record<string, [string | number, string]> = {
      writer_endpoint: [this.database.writerEndpoint, "Writer endpoint (read-write)"],
      reader_endpoint: [this.database.readerEndpoint, "Reader endpoint, balanced over every reader including autoscaled ones"],
      port: [this.database.port, "PostgreSQL port"],
      master_user_secret_arn: [this.database.masterUserSecretArn, "Secrets Manager secret of the master user (managed and rotated by RDS)"],
      security_group_id: [this.database.securityGroup.id, "Security group of the cluster"],
      cluster_resource_id: [this.database.cluster.clusterResourceId, "Cluster resource id, for rds-db:connect policies"],
    };
    for (const [name, [value, description]] of Object.entries(outputs)) {
      new TerraformOutput(this, name, { value, description });
    }
  }
}
