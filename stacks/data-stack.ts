import { Construct } from "constructs";
import { TerraformOutput } from "cdktf";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { EnvironmentConfig } from "../config";
import { secondaryNetworkInput } from "../config/schema/database";
import { planSubnets } from "../config/subnet-plan";
import { ClusterRef } from "../constructs/cluster/cluster-ref";
import { AuroraPostgres } from "../constructs/database/aurora-postgres";
import { DatabaseAlarms } from "../constructs/database/database-alarms";
import { BackupCopy, GlobalDatabase, RecoveryRegion } from "../constructs/database/disaster-recovery";
import { Network } from "../constructs/network/network";
import { defaultTags, EnvironmentStack, stackName } from "./environment-stack";

export interface DataStackProps {
  readonly network: Network;
  /** The EKS cluster whose nodes may connect to the database. */
  readonly cluster: ClusterRef;
}

/** `<env>-data`: Aurora PostgreSQL for the application, its alarms and its disaster recovery copy. */
export class DataStack extends EnvironmentStack {
  readonly database: AuroraPostgres;
  readonly alarms: DatabaseAlarms;
  readonly disasterRecovery?: BackupCopy | GlobalDatabase;

  constructor(scope: Construct, environment: EnvironmentConfig, props: DataStackProps) {
    super(scope, environment, "data");
    const { database: config, prefix } = environment;
    const production = environment.isProduction;

    this.database = new AuroraPostgres(this, "Database", {
      account: this.account,
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
      storageType: config.storageType,
      performanceInsightsRetentionDays: config.performanceInsightsRetentionDays,
      monitoringIntervalSeconds: config.monitoringIntervalSeconds,
      logRetentionDays: config.logRetentionDays,
      slowQueryMilliseconds: config.slowQueryMilliseconds,
      deletionProtection: production,
      finalSnapshot: production,
      allowFrom: { "eks-nodes": props.cluster.nodeSecurityGroupId },
    });
    this.alarms = new DatabaseAlarms(this, "Alarms", {
      account: this.account,
      namePrefix: prefix,
      database: this.database,
      key: this.database.key,
      ...config.alarms,
    });
    this.disasterRecovery = this.addDisasterRecovery(environment);

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

  private addDisasterRecovery(environment: EnvironmentConfig): BackupCopy | GlobalDatabase | undefined {
    const { disasterRecovery: dr } = environment.database;
    if (dr.mode === "none" || dr.region === undefined) return undefined;
    const recoveryRegion: RecoveryRegion = {
      region: dr.region,
      provider: new AwsProvider(this, "aws-recovery", {
        alias: "recovery",
        region: dr.region,
        allowedAccountIds: [environment.account.id],
        defaultTags: [{ tags: defaultTags(environment.name, stackName(environment, "data"), environment.project, environment.tags) }],
      }),
    };
    const common = { account: this.account, namePrefix: environment.prefix, database: this.database, recoveryRegion };
    if (dr.mode === "backup-copy") {
      return new BackupCopy(this, "BackupCopy", {
        ...common,
        retentionDays: environment.database.backupRetentionDays,
        copyRetentionDays: dr.copyRetentionDays,
        schedule: dr.schedule,
      });
    }
    const { plan } = planSubnets(secondaryNetworkInput(dr.cidr ?? "", dr.availabilityZones ?? []));
    if (!plan || dr.cidr === undefined) {
      throw new Error(`DataStack called with an unvalidated disasterRecovery section for ${environment.file}`);
    }
    return new GlobalDatabase(this, "GlobalDatabase", {
      ...common,
      cidr: dr.cidr,
      subnetPlan: plan,
      secondaryInstances: dr.secondaryInstances,
      instanceClass: environment.database.instanceClass,
      serverless: environment.database.serverless,
      logRetentionDays: environment.database.logRetentionDays,
      deletionProtection: environment.isProduction,
    });
  }
}
