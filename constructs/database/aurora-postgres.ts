import { Construct } from "constructs";
import { DataResource, Fn, TerraformStack } from "cdktf";
import { AppautoscalingPolicy } from "@cdktf/provider-aws/lib/appautoscaling-policy";
import { AppautoscalingTarget } from "@cdktf/provider-aws/lib/appautoscaling-target";
import { DbParameterGroup } from "@cdktf/provider-aws/lib/db-parameter-group";
import { DbSubnetGroup } from "@cdktf/provider-aws/lib/db-subnet-group";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy";
import { IamRolePolicyAttachment } from "@cdktf/provider-aws/lib/iam-role-policy-attachment";
import { RdsCluster } from "@cdktf/provider-aws/lib/rds-cluster";
import { RdsClusterInstance } from "@cdktf/provider-aws/lib/rds-cluster-instance";
import { RdsClusterParameterGroup } from "@cdktf/provider-aws/lib/rds-cluster-parameter-group";
import { SecurityGroup } from "@cdktf/provider-aws/lib/security-group";
import { VpcSecurityGroupIngressRule } from "@cdktf/provider-aws/lib/vpc-security-group-ingress-rule";
import { AwsScope, awsManagedPolicyArn, formatArn } from "../core/aws-scope";
import { Grant, iamRoleGrantee, IRoleGrantee } from "../core/grants";
import { policyDocument, PolicyStatement, serviceTrustPolicy } from "../iam/policy-document";
import { EncryptedLogGroup } from "../logging/log-group";
import { Network } from "../network/network";
import { KmsKey } from "../security/kms-key";
import { SecurityGroupRef } from "../cluster/cluster-ref";

export const POSTGRES_PORT = 5432;

/** A security group to admit: its id, or any object that exposes one (a SecurityGroup, or `{ securityGroup }`). */
/** What may be admitted: a security group, or a construct that has one (`CodeBuildRunner`, `AuroraPostgres`). */
export type SecurityGroupSource = SecurityGroupRef | { readonly securityGroup: SecurityGroupRef };

export interface ReaderAutoscaling {
  /** Fewest readers; autoscaling never removes the readers Terraform manages. @default the `readers` count */
  readonly min?: number;
  /** Most readers in total, Terraform's and autoscaled ones (Aurora allows 15). */
  readonly max: number;
  /** Reader metric to track. */
  readonly metric: "cpu" | "connections";
  /** Target value: percent for cpu, connections per reader for connections. */
  readonly target: number;
  /** Wait after a scale-in, so a burst that ends does not flap. */
  readonly scaleInCooldownSeconds: number;
  /** Wait after a scale-out: a new reader takes minutes to join. */
  readonly scaleOutCooldownSeconds: number;
}

export interface AuroraPostgresProps {
  /** `<project>-<environment>`: the cluster identifier and the prefix of every name. */
  readonly namePrefix: string;
  /** The VPC whose isolated database subnets hold the cluster. */
  readonly network: Network;
  /** Pinned aurora-postgresql version, major.minor (e.g. "16.6"). */
  readonly engineVersion: string;
  /** Instance class of every instance; `db.serverless` for Serverless v2. */
  readonly instanceClass: string;
  /** Serverless v2 capacity range in ACUs, used with `db.serverless`. */
  readonly serverless: ServerlessCapacity;
  /** Readers Terraform manages, round-robin over the AZs (in name order) after the writer's. */
  readonly readers: number;
  /**
   * Whether a change to the cluster or an instance (instance class, maintenance settings) applies at once, with the
   * restart it may need, instead of in the next `maintenanceWindow`.
   */
  readonly applyImmediately: boolean;
  /** Burst readers added by Application Auto Scaling. @default none */
  readonly readerAutoscaling?: ReaderAutoscaling;
  /** Days of automated backups and point-in-time recovery. */
  readonly backupRetentionDays: number;
  /** Daily UTC window, hh:mm-hh:mm. */
  readonly backupWindow: string;
  /** Weekly UTC window, ddd:hh:mm-ddd:hh:mm, of the cluster and of every instance. */
  readonly maintenanceWindow: string;
  /** Aurora storage: `standard` (billed per I/O) or `io-optimized` (no I/O charges, higher storage and instance price). */
  readonly storageType: "standard" | "io-optimized";
  /** Days Performance Insights keeps its data (7 is the free tier). */
  readonly performanceInsightsRetentionDays: number;
  /** Enhanced Monitoring interval; 0 turns it off. */
  readonly monitoringIntervalSeconds: number;
  /** Retention of the exported postgresql log. */
  readonly logRetentionDays: number;
  /** log_min_duration_statement in ms; -1 turns slow-query logging off. */
  readonly slowQueryMilliseconds: number;
  /** Whether the cluster refuses deletion. @default true (a destroy must be a deliberate two-step change) */
  readonly deletionProtection?: boolean;
  /** Take a final snapshot named `<namePrefix>-final-<8 hex digits, new for each cluster>` on delete. @default true (a destroy never loses data) */
  readonly finalSnapshot?: boolean;
  /** Security groups admitted on 5432, keyed by a stable name that also describes the rule. @default none */
  readonly allowFrom?: Readonly<Record<string, SecurityGroupSource>>;
  /** Key for storage, the master secret, Performance Insights and the log. @default a new rotating CMK */
  readonly key?: KmsKey;
  /** User name of the master user, whose password RDS manages in Secrets Manager. @default "postgres" */
  readonly masterUsername?: string;
}

/** An Aurora Serverless v2 capacity range per instance, in ACUs. */
export interface ServerlessCapacity {
  readonly minCapacity: number;
  readonly maxCapacity: number;
}

/** The Application Auto Scaling metric of each configurable reader metric. */
const READER_METRICS = {
  cpu: "RDSReaderAverageCPUUtilization",
  connections: "RDSReaderAverageDatabaseConnections",
} as const;

/**
 * An encrypted Aurora PostgreSQL cluster in the isolated database subnets: a writer and readers in distinct AZs,
 * optional reader autoscaling, an AWS-managed master password in Secrets Manager, IAM authentication, TLS-only
 * connections, Performance Insights, Enhanced Monitoring and the postgresql log in an encrypted log group.
 * Nothing is reachable until `allowFrom` admits a security group; applications connect with `grantConnect`.
 */
export class AuroraPostgres extends Construct {
  readonly cluster: RdsCluster;
  readonly writer: RdsClusterInstance;
  readonly readers: RdsClusterInstance[];
  readonly securityGroup: SecurityGroup;
  readonly key: KmsKey;
  readonly autoscalingPolicy?: AppautoscalingPolicy;
  readonly writerEndpoint: string;
  readonly readerEndpoint: string;
  readonly port: number = POSTGRES_PORT;
  /** ARN of the Secrets Manager secret that holds the master user's credentials (rotated by RDS). */
  readonly masterUserSecretArn: string;

  constructor(scope: Construct, id: string, props: AuroraPostgresProps) {
    super(scope, id);
    const { namePrefix, network, instanceClass } = props;
    const major = props.engineVersion.split(".")[0];
    const family = `aurora-postgresql${major}`;
    const zones = network.databaseSubnets.map((subnet) => subnet.availabilityZone);

    this.key = props.key ?? new KmsKey(this, "Key", { description: `${namePrefix} Aurora PostgreSQL`, alias: `${namePrefix}-database` });

    const subnetGroup = new DbSubnetGroup(this, "SubnetGroup", {
      name: `${namePrefix}-aurora`,
      description: `Isolated database subnets of ${namePrefix}`,
      subnetIds: network.databaseSubnets.map(({ subnet }) => subnet.id),
    });
    this.securityGroup = new SecurityGroup(this, "SecurityGroup", {
      name: `${namePrefix}-aurora`,
      description: `Aurora PostgreSQL of ${namePrefix}: 5432 from admitted security groups only`,
      vpcId: network.vpc.id,
      tags: { Name: `${namePrefix}-aurora` },
    });
    for (const [name, source] of Object.entries(props.allowFrom ?? {})) {
      this.allowFrom(source, name);
    }

    const clusterParameters = new RdsClusterParameterGroup(this, "ClusterParameters", {
      // A prefix, not a name: with create_before_destroy the replacement exists next to the old group, so the two need
      // different names (a fixed name makes every replacement fail with "already exists").
      namePrefix: `${namePrefix}-aurora-${family}-`,
      family,
      description: `Cluster parameters of ${namePrefix}: TLS only, DDL, slow-query and lock logging`,
      parameter: [
        { name: "rds.force_ssl", value: "1" },
        // Every CREATE/ALTER/DROP is logged: who changed the schema stays auditable (Checkov CKV2_AWS_27).
        { name: "log_statement", value: "ddl" },
        { name: "log_min_duration_statement", value: String(props.slowQueryMilliseconds) },
        { name: "log_lock_waits", value: "1" },
        { name: "log_temp_files", value: "0" },
        { name: "log_autovacuum_min_duration", value: "10000" },
      ],
      // A major upgrade needs a group of the new family before the old one can go.
      lifecycle: { createBeforeDestroy: true },
    });
    const instanceParameters = new DbParameterGroup(this, "InstanceParameters", {
      namePrefix: `${namePrefix}-aurora-${family}-instance-`,
      family,
      description: `Instance parameters of ${namePrefix}: I/O timing for Performance Insights`,
      parameter: [{ name: "track_io_timing", value: "1" }],
      lifecycle: { createBeforeDestroy: true },
    });

    // RDS would create this group itself, unencrypted and kept forever; owning it sets the key and the retention.
    const logGroup = new EncryptedLogGroup(this, "PostgresqlLog", {
      name: `/aws/rds/cluster/${namePrefix}/postgresql`,
      retentionDays: props.logRetentionDays,
      key: this.key,
    });

    const finalSnapshot = props.finalSnapshot ?? true;
    // The final snapshot's name must be new at every destroy, or the second destroy of a recreated environment collides
    // with the first one's snapshot. terraform_data's id is a UUID fixed when the cluster is created and forgotten
    // when it is destroyed: one name per life of the cluster, and no timestamp() that would change every plan.
    const lifetime = finalSnapshot ? new DataResource(this, "Lifetime", {}) : undefined;
    this.cluster = new RdsCluster(this, "Cluster", {
      clusterIdentifier: namePrefix,
      engine: "aurora-postgresql",
      engineMode: "provisioned",
      engineVersion: props.engineVersion,
      allowMajorVersionUpgrade: false,
      dbSubnetGroupName: subnetGroup.name,
      vpcSecurityGroupIds: [this.securityGroup.id],
      port: POSTGRES_PORT,
      networkType: "IPV4",
      storageEncrypted: true,
      kmsKeyId: this.key.arn,
      masterUsername: props.masterUsername ?? "postgres",
      manageMasterUserPassword: true,
      masterUserSecretKmsKeyId: this.key.arn,
      iamDatabaseAuthenticationEnabled: true,
      backupRetentionPeriod: props.backupRetentionDays,
      preferredBackupWindow: props.backupWindow,
      preferredMaintenanceWindow: props.maintenanceWindow,
      copyTagsToSnapshot: true,
      deletionProtection: props.deletionProtection ?? true,
      skipFinalSnapshot: !finalSnapshot,
      finalSnapshotIdentifier: lifetime ? `${namePrefix}-final-${Fn.substr(lifetime.id, 0, 8)}` : undefined,
      enabledCloudwatchLogsExports: ["postgresql"],
      dbClusterParameterGroupName: clusterParameters.name,
      applyImmediately: props.applyImmediately,
      // "aurora" rather than the provider's "" default: only an explicit value switches back from I/O-Optimized.
      storageType: props.storageType === "io-optimized" ? "aurora-iopt1" : "aurora",
      serverlessv2ScalingConfiguration: instanceClass === "db.serverless" ? { ...props.serverless } : undefined,
      dependsOn: [logGroup.logGroup],
      // auto_minor_version_upgrade moves the cluster to a newer minor in the maintenance window; comparing the pinned
      // minor with it would plan a downgrade, which RDS refuses. The config's minor is what a new cluster starts on;
      // the family (the major) still follows the config through the parameter groups (docs/database.md#versions).
      lifecycle: { ignoreChanges: ["engine_version"] },
    });
    this.writerEndpoint = this.cluster.endpoint;
    this.readerEndpoint = this.cluster.readerEndpoint;
    this.masterUserSecretArn = this.cluster.masterUserSecret.get(0).secretArn;

    const monitoringInterval = props.monitoringIntervalSeconds;
    const monitoringRole = monitoringInterval > 0 ? this.monitoringRole(namePrefix) : undefined;
    const region = AwsScope.of(this).region;
    const instance = (slot: InstanceSlot, dependsOn: RdsClusterInstance[]) =>
      new RdsClusterInstance(this, `Instance-${slot.key}`, {
        // A prefix, not a fixed identifier: a replacement (a new subnet group, a change of engine) is created before the
        // instance it replaces goes, so the cluster never loses every instance at once.
        identifierPrefix: identifierPrefix(namePrefix, slot.key, region),
        clusterIdentifier: this.cluster.id,
        engine: this.cluster.engine,
        instanceClass,
        availabilityZone: slot.zone,
        promotionTier: slot.promotionTier,
        dbSubnetGroupName: subnetGroup.name,
        dbParameterGroupName: instanceParameters.name,
        publiclyAccessible: false,
        autoMinorVersionUpgrade: true,
        applyImmediately: props.applyImmediately,
        preferredMaintenanceWindow: props.maintenanceWindow,
        performanceInsightsEnabled: true,
        performanceInsightsKmsKeyId: this.key.arn,
        performanceInsightsRetentionPeriod: props.performanceInsightsRetentionDays,
        monitoringInterval,
        monitoringRoleArn: monitoringRole?.arn,
        copyTagsToSnapshot: true,
        lifecycle: { createBeforeDestroy: true },
        dependsOn,
      });

    const slots = instanceSlots(zones, props.readers);
    const [writerSlot, ...readerSlots] = slots;
    if (writerSlot === undefined) throw new Error(`${namePrefix}: the database needs at least one database subnet`);
    // The readers wait for the first instance, so it is the one a new cluster starts with as its writer.
    this.writer = instance(writerSlot, []);
    this.readers = readerSlots.map((slot) => instance(slot, [this.writer]));
    // Instances were once addressed by position (`Writer`, `Reader-<n>`), their AZ taken in the config's order.
    moveFromPositions(
      this,
      slots.map((slot, index) => ({ instance: this.instances[index]!, zone: slot.zone })),
      (index) => (index === 0 ? "Writer" : `Reader-${index}`),
      zones,
    );

    if (props.readerAutoscaling) {
      this.autoscalingPolicy = this.addReaderAutoscaling(namePrefix, props.readerAutoscaling, this.readers.length);
    }
  }

  /** Every instance Terraform manages, writer first. */
  get instances(): RdsClusterInstance[] {
    return [this.writer, ...this.readers];
  }

  /** Admits PostgreSQL connections from a security group; `name` keys the rule and appears in its description. */
  allowFrom(source: SecurityGroupSource, name: string): VpcSecurityGroupIngressRule {
    return new VpcSecurityGroupIngressRule(this, `AllowFrom-${name}`, {
      securityGroupId: this.securityGroup.id,
      description: `PostgreSQL from ${name}`,
      ipProtocol: "tcp",
      fromPort: POSTGRES_PORT,
      toPort: POSTGRES_PORT,
      referencedSecurityGroupId: securityGroupIdOf(source),
    });
  }

  /** The `rds-db:connect` resource of one database user (IAM authentication). */
  dbUserArn(dbUser: string): string {
    return formatArn(this, { service: "rds-db", resource: `dbuser:${this.cluster.clusterResourceId}/${dbUser}` });
  }

  /**
   * Lets a role log in as `dbUser` with an IAM token instead of a password. The grantee says where its policy lives
   * (next to the role, in the role's stack), so later layers reference the cluster and never the other way round.
   * A role made directly with `IamRole` is taken as `iamRoleGrantee(role)`. Returns the statement and the role policy
   * that carries it.
   */
  grantConnect(grantee: IRoleGrantee | IamRole, dbUser: string): Grant {
    if (!/^[A-Za-z_][A-Za-z0-9_]{0,62}$/.test(dbUser)) {
      throw new Error(`grantConnect: "${dbUser}" is not a PostgreSQL user name (letters, digits and _, starting with a letter or _)`);
    }
    const role = grantee instanceof IamRole ? iamRoleGrantee(grantee) : grantee;
    const statement: PolicyStatement = { Effect: "Allow", Action: "rds-db:connect", Resource: this.dbUserArn(dbUser) };
    const policy = new IamRolePolicy(role.grantScope, `${role.grantIdPrefix}RdsConnect-${dbUser}`, {
      name: `rds-db-connect-${dbUser}`,
      role: role.grantRoleName,
      policy: policyDocument([statement]),
    });
    return { statements: [statement], attachedTo: policy };
  }

  private monitoringRole(namePrefix: string): IamRole {
    const role = new IamRole(this, "MonitoringRole", {
      name: `${namePrefix}-rds-monitoring`,
      description: "Lets RDS Enhanced Monitoring publish OS metrics of the Aurora instances",
      assumeRolePolicy: serviceTrustPolicy("monitoring.rds.amazonaws.com", AwsScope.of(this).accountId),
    });
    new IamRolePolicyAttachment(this, "MonitoringRolePolicy", {
      role: role.name,
      policyArn: awsManagedPolicyArn(this, "service-role/AmazonRDSEnhancedMonitoringRole"),
    });
    return role;
  }

  private addReaderAutoscaling(namePrefix: string, scaling: ReaderAutoscaling, readers: number): AppautoscalingPolicy {
    const target = new AppautoscalingTarget(this, "ReaderScalingTarget", {
      serviceNamespace: "rds",
      scalableDimension: "rds:cluster:ReadReplicaCount",
      resourceId: `cluster:${this.cluster.clusterIdentifier}`,
      minCapacity: scaling.min ?? readers,
      maxCapacity: scaling.max,
      // Registering needs an available cluster with its writer; the Terraform readers come first so that
      // autoscaling only ever adds readers on top of them.
      dependsOn: this.instances,
    });
    return new AppautoscalingPolicy(this, "ReaderScalingPolicy", {
      name: `${namePrefix}-readers-${scaling.metric}`,
      policyType: "TargetTrackingScaling",
      serviceNamespace: target.serviceNamespace,
      scalableDimension: target.scalableDimension,
      resourceId: target.resourceId,
      targetTrackingScalingPolicyConfiguration: {
        targetValue: scaling.target,
        predefinedMetricSpecification: { predefinedMetricType: READER_METRICS[scaling.metric] },
        scaleInCooldown: scaling.scaleInCooldownSeconds,
        scaleOutCooldown: scaling.scaleOutCooldownSeconds,
      },
    });
  }
}

function securityGroupIdOf(source: SecurityGroupSource): string {
  return "securityGroup" in source ? source.securityGroup.id : source.id;
}

/** Where one instance goes: its AZ, its key (the AZ, then `-2`, `-3` for more in the same AZ) and failover priority. */
interface InstanceSlot {
  readonly key: string;
  readonly zone: string;
  readonly promotionTier: number;
}

/**
 * Writer and readers over the AZs taken in name order, not in the config's order: reordering `availabilityZones` moves
 * no instance, and adding a zone only adds instances to it. The first instance (the writer of a new cluster) is tier 0;
 * readers in other AZs are tier 1, so a failover leaves the writer's AZ first; a reader sharing its AZ is tier 2.
 */
export function instanceSlots(zones: readonly string[], readers: number): InstanceSlot[] {
  const ordered = [...new Set(zones)].sort();
  return Array.from({ length: ordered.length === 0 ? 0 : readers + 1 }, (_, index) => {
    const zone = ordered[index % ordered.length]!;
    const ordinal = Math.floor(index / ordered.length) + 1;
    const promotionTier = index === 0 ? 0 : zone === ordered[0] ? 2 : 1;
    return { key: ordinal === 1 ? zone : `${zone}-${ordinal}`, zone, promotionTier };
  });
}

/** RDS identifiers are at most 63 characters and Terraform adds 26 to a prefix: the prefix keeps its first 37. */
const MAX_IDENTIFIER_PREFIX = 37;

/** The identifier prefix of the instance in `key` (an AZ of `region`, maybe with `-2`): `<namePrefix>-<zone letter>-`. */
export function identifierPrefix(namePrefix: string, key: string, region: string): string {
  const zone = key.startsWith(`${region}`) ? key.slice(region.length).replace(/^-/, "") : key;
  return `${`${namePrefix}-${zone}`.slice(0, MAX_IDENTIFIER_PREFIX - 1).replace(/-+$/, "")}-`;
}

/**
 * Moved blocks from a layout that addressed instances by position (instance `i` under construct id `formerId(i)` in
 * `formerZones[i mod n]`) to the instances keyed by AZ: each former instance goes to an instance of its own AZ where
 * one is left, the rest to the remaining ones. The first plan then replaces each create-first (new identifier prefix)
 * instead of deleting every old address while new ones are created; a moved block whose source is not in the state
 * (a new environment) is ignored by Terraform.
 */
export function moveFromPositions(
  scope: Construct,
  targets: readonly { readonly instance: RdsClusterInstance; readonly zone: string }[],
  formerId: (index: number) => string,
  formerZones: readonly string[],
): void {
  const formerZone = (index: number) => formerZones[index % formerZones.length];
  const remaining = [...targets.keys()];
  const pairs: [number, number][] = [];
  targets.forEach((_, former) => {
    const sameZone = remaining.findIndex((target) => targets[target]!.zone === formerZone(former));
    if (sameZone >= 0) pairs.push([former, remaining.splice(sameZone, 1)[0]!]);
  });
  const unpaired = targets.map((_, former) => former).filter((former) => !pairs.some(([paired]) => paired === former));
  unpaired.forEach((former, index) => pairs.push([former, remaining[index]!]));
  const stack = TerraformStack.of(scope);
  for (const [former, target] of pairs) {
    // The logical id a resource at `<scope>/<former id>` had: a bare construct at that path has the same one.
    const address = `aws_rds_cluster_instance.${stack.getLogicalId(new Construct(scope, formerId(former)).node)}`;
    targets[target]!.instance.moveFromId(address);
  }
}
