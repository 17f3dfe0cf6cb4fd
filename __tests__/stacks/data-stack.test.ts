import { RdsCluster } from "@cdktf/provider-aws/lib/rds-cluster";
import { RdsClusterInstance } from "@cdktf/provider-aws/lib/rds-cluster-instance";
import { json } from "../support/synth";
import { testEnvironment, tier } from "../support/environments";
import { synthData } from "../support/data";
import { countOf, onlyResource, policyOf, resourcesOf, SynthesizedStack } from "../support/synth";

type Resource = Record<string, unknown>;

function instances(stack: SynthesizedStack): Resource[] {
  return Object.values(resourcesOf(stack, "aws_rds_cluster_instance"));
}

function withProvider(stack: SynthesizedStack, provider: string | undefined): string[] {
  return Object.entries(stack.resource ?? {}).flatMap(([type, resources]) =>
    Object.entries(resources)
      .filter(([, resource]) => resource.provider === provider)
      .map(([id]) => `${type}.${id}`),
  );
}

describe("DataStack", () => {
  const prod = synthData(tier.production);
  const staging = synthData(tier.staging);
  const dev = synthData(tier.development);

  describe(tier.production.name, () => {
    const cluster = onlyResource(prod, "aws_rds_cluster");

    it("protects the cluster from deletion and takes a named final snapshot", () => {
      expect(cluster).toMatchObject({ deletion_protection: true, skip_final_snapshot: false });
      expect(String(cluster.final_snapshot_identifier).startsWith(`${String(cluster.cluster_identifier)}-final-\${substr(terraform_data.`)).toBe(true);
    });

    it("keeps 35 days of point-in-time recovery within the configured windows", () => {
      expect(cluster).toMatchObject({
        backup_retention_period: 35,
        preferred_backup_window: "02:00-03:00",
        preferred_maintenance_window: "sun:04:00-sun:05:00",
        copy_tags_to_snapshot: true,
      });
    });

    it("runs the pinned aurora-postgresql version on I/O-Optimized storage", () => {
      expect(cluster).toMatchObject({ engine: "aurora-postgresql", engine_version: "16.6", storage_type: "aurora-iopt1", allow_major_version_upgrade: false });
    });

    it("encrypts storage and the AWS-managed master secret with the database CMK and keeps no password in state", () => {
      expect(cluster).toMatchObject({
        storage_encrypted: true,
        kms_key_id: "${aws_kms_key.Database_Key_BCC083A2.arn}",
        manage_master_user_password: true,
        master_user_secret_kms_key_id: "${aws_kms_key.Database_Key_BCC083A2.arn}",
        iam_database_authentication_enabled: true,
      });
      expect(cluster).not.toHaveProperty("master_password");
    });

    it("spreads the writer and two readers over three AZs and fails over to another AZ first", () => {
      const all = instances(prod);
      expect(all).toHaveLength(3);
      expect(new Set(all.map((instance) => instance.availability_zone)).size).toBe(3);
      const writer = all.find((instance) => instance.promotion_tier === 0)!;
      expect(writer.promotion_tier).toBe(0);
      for (const reader of all.filter((instance) => instance !== writer)) {
        expect(reader.availability_zone).not.toBe(writer.availability_zone);
        expect(reader.promotion_tier).toBe(1);
      }
    });

    it("never makes an instance public and monitors each with Performance Insights (CMK) and Enhanced Monitoring", () => {
      for (const instance of instances(prod)) {
        expect(instance).toMatchObject({
          publicly_accessible: false,
          auto_minor_version_upgrade: true,
          performance_insights_enabled: true,
          performance_insights_kms_key_id: "${aws_kms_key.Database_Key_BCC083A2.arn}",
          performance_insights_retention_period: 93,
          monitoring_interval: 15,
          monitoring_role_arn: "${aws_iam_role.Database_MonitoringRole_73427386.arn}",
          instance_class: "db.r7g.xlarge",
        });
      }
      const role = resourcesOf(prod, "aws_iam_role").Database_MonitoringRole_73427386;
      expect(policyOf(role, "assume_role_policy").Statement[0]).toMatchObject({ Principal: { Service: "monitoring.rds.amazonaws.com" } });
    });

    it("adds burst readers on reader CPU between the two kept readers and six", () => {
      expect(onlyResource(prod, "aws_appautoscaling_target")).toMatchObject({
        service_namespace: "rds",
        scalable_dimension: "rds:cluster:ReadReplicaCount",
        resource_id: "cluster:${aws_rds_cluster.Database_Cluster_C6094C50.cluster_identifier}",
        min_capacity: 2,
        max_capacity: 6,
      });
      expect(onlyResource(prod, "aws_appautoscaling_policy")).toMatchObject({
        policy_type: "TargetTrackingScaling",
        target_tracking_scaling_policy_configuration: {
          target_value: 60,
          predefined_metric_specification: { predefined_metric_type: "RDSReaderAverageCPUUtilization" },
        },
      });
    });

    it("copies daily backups to a KMS-encrypted vault in the recovery region through the recovery provider", () => {
      const recoveryProvider = prod.provider?.aws.find((provider) => provider.alias === "recovery");
      expect(recoveryProvider).toMatchObject({ region: tier.production.database.disasterRecovery.region, allowed_account_ids: [tier.production.account.id] });
      expect(withProvider(prod, "aws.recovery").sort()).toEqual([
        expect.stringMatching(/^aws_backup_vault\.DisasterRecovery_BackupCopy_RecoveryRegion_Vault_/),
        expect.stringMatching(/^aws_kms_alias\.DisasterRecovery_BackupCopy_RecoveryRegion_Key_Alias_/),
        expect.stringMatching(/^aws_kms_key\.DisasterRecovery_BackupCopy_RecoveryRegion_Key_/),
      ]);
      const [rule] = onlyResource(prod, "aws_backup_plan").rule as Resource[];
      expect(rule).toMatchObject({
        target_vault_name: expect.stringMatching(/^\$\{aws_backup_vault\.DisasterRecovery_BackupCopy_Vault_\w+\.name\}$/),
        lifecycle: { delete_after: 35 },
        copy_action: [
          {
            destination_vault_arn: expect.stringMatching(/^\$\{aws_backup_vault\.DisasterRecovery_BackupCopy_RecoveryRegion_Vault_\w+\.arn\}$/),
            lifecycle: { delete_after: 35 },
          },
        ],
      });
      for (const vault of Object.values(resourcesOf(prod, "aws_backup_vault"))) {
        expect(vault.kms_key_arn).toMatch(/^\$\{aws_kms_key\..*\.arn\}$/);
      }
      expect(onlyResource(prod, "aws_backup_selection").resources).toEqual(["${aws_rds_cluster.Database_Cluster_C6094C50.arn}"]);
    });
  });

  it("admits PostgreSQL only from the cluster's node security group, with a description", () => {
    const rule = onlyResource(prod, "aws_vpc_security_group_ingress_rule");
    expect(rule).toMatchObject({
      from_port: 5432,
      to_port: 5432,
      ip_protocol: "tcp",
      referenced_security_group_id: "sg-0123456789abcdef0",
      description: "PostgreSQL from eks-nodes",
    });
    expect(rule).not.toHaveProperty("cidr_ipv4");
    const group = onlyResource(prod, "aws_security_group");
    expect(group.description).toBeTruthy();
    expect(group).not.toHaveProperty("ingress");
  });

  it("places the subnet group in the isolated database subnets", () => {
    const subnets = onlyResource(prod, "aws_db_subnet_group").subnet_ids as string[];
    expect(subnets).toHaveLength(3);
    for (const subnet of subnets) expect(subnet).toContain("DatabaseSubnet-");
  });

  it("forces TLS and logs slow queries through the cluster parameter group, and exports the postgresql log", () => {
    const group = onlyResource(prod, "aws_rds_cluster_parameter_group");
    expect(group.family).toBe("aurora-postgresql16");
    expect(group.parameter).toEqual(
      expect.arrayContaining([
        { name: "rds.force_ssl", value: "1" },
        { name: "log_min_duration_statement", value: "1000" },
      ]),
    );
    expect(onlyResource(prod, "aws_db_parameter_group").family).toBe("aurora-postgresql16");
    expect(onlyResource(prod, "aws_rds_cluster").enabled_cloudwatch_logs_exports).toEqual(["postgresql"]);
  });

  it("owns the exported log's group, KMS-encrypted with the configured retention", () => {
    expect(onlyResource(prod, "aws_cloudwatch_log_group")).toMatchObject({
      name: `/aws/rds/cluster/${tier.production.prefix}/postgresql`,
      retention_in_days: 365,
      kms_key_id: "${aws_kms_key.Database_Key_BCC083A2.arn}",
    });
    expect(onlyResource(prod, "aws_rds_cluster").depends_on).toEqual(["aws_cloudwatch_log_group.Database_PostgresqlLog_LogGroup_B925CBAC"]);
  });

  it("never grants a KMS key to everyone without a condition", () => {
    for (const key of Object.values(resourcesOf(prod, "aws_kms_key"))) {
      for (const statement of policyOf(key).Statement) {
        expect(statement.Principal === "*" && !statement.Condition).toBe(false);
        if (typeof statement.Principal === "object" && "Service" in (statement.Principal as object)) {
          expect(statement.Condition).toBeDefined();
        }
      }
    }
  });

  it("alarms on CPU, memory, connections, replica lag and local storage to an encrypted topic that emails on-call", () => {
    const alarms = Object.values(resourcesOf(prod, "aws_cloudwatch_metric_alarm"));
    expect(alarms.map((alarm) => `${String(alarm.metric_name)}/${(alarm.dimensions as Record<string, string>).Role}`).sort()).toEqual([
      "AuroraReplicaLag/READER",
      "CPUUtilization/READER",
      "CPUUtilization/WRITER",
      "DatabaseConnections/WRITER",
      "FreeLocalStorage/WRITER",
      "FreeableMemory/WRITER",
    ]);
    for (const alarm of alarms) {
      expect(alarm.alarm_actions).toEqual(["${aws_sns_topic.Alarms_Topic_FB8030DD.arn}"]);
    }
    expect(onlyResource(prod, "aws_sns_topic").kms_master_key_id).toBe("${aws_kms_key.Database_Key_BCC083A2.arn}");
    expect(onlyResource(prod, "aws_sns_topic_subscription")).toMatchObject({ protocol: "email", endpoint: tier.production.database.alarms.emails[0] });
    const keyPolicy = policyOf(resourcesOf(prod, "aws_kms_key").Database_Key_BCC083A2);
    expect(keyPolicy.Statement).toContainEqual(
      expect.objectContaining({ Principal: { Service: "cloudwatch.amazonaws.com" }, Action: ["kms:Decrypt", "kms:GenerateDataKey*"] }),
    );
  });

  it("exports the endpoints, port, secret ARN and security group for later layers", () => {
    expect(Object.keys(prod.output ?? {}).sort()).toEqual([
      "cluster_resource_id",
      "master_user_secret_arn",
      "port",
      "reader_endpoint",
      "security_group_id",
      "writer_endpoint",
    ]);
    expect(prod.output?.master_user_secret_arn.value).toBe("${aws_rds_cluster.Database_Cluster_C6094C50.master_user_secret[0].secret_arn}");
    expect(prod.output?.port.value).toBe(5432);
  });

  it("makes dev cheaper: one Serverless v2 writer, no readers, no autoscaling, no deletion protection", () => {
    const [writer] = instances(dev);
    expect(instances(dev)).toHaveLength(1);
    expect(writer.instance_class).toBe("db.serverless");
    expect(onlyResource(dev, "aws_rds_cluster")).toMatchObject({
      serverlessv2_scaling_configuration: { min_capacity: 0.5, max_capacity: 4 },
      backup_retention_period: 7,
      deletion_protection: false,
      skip_final_snapshot: true,
      storage_type: "aurora",
    });
    expect(countOf(dev, "aws_appautoscaling_target")).toBe(0);
    expect(countOf(dev, "aws_backup_plan")).toBe(0);
    expect(Object.keys(resourcesOf(dev, "aws_cloudwatch_metric_alarm")).some((id) => id.includes("reader"))).toBe(false);
  });

  it("gives staging production's shape on a smaller scale: a writer and a reader in another AZ", () => {
    const all = instances(staging);
    expect(all.map((instance) => instance.instance_class)).toEqual(["db.r7g.large", "db.r7g.large"]);
    expect(new Set(all.map((instance) => instance.availability_zone)).size).toBe(2);
  });

  it("puts readers beyond the AZ count in the writer's AZ last, with a lower promotion priority", () => {
    const environment = testEnvironment({
      network: { availabilityZones: ["eu-central-1a", "eu-central-1b"] },
      tier: "staging",
      database: { readers: 3 },
    });
    const placed = instances(synthData(environment)).map((instance) => [instance.identifier_prefix, instance.availability_zone, instance.promotion_tier]);
    expect(placed).toEqual(
      expect.arrayContaining([
        ["shop-test-a-", "eu-central-1a", 0],
        ["shop-test-b-", "eu-central-1b", 1],
        ["shop-test-a-2-", "eu-central-1a", 2],
        ["shop-test-b-2-", "eu-central-1b", 1],
      ]),
    );
  });

  it("moves no instance when the availability zones are reordered", () => {
    const zones = testEnvironment().network.availabilityZones;
    const reordered = testEnvironment({ network: { availabilityZones: [...zones].reverse() }, database: { readers: 2 } });
    const original = testEnvironment({ network: { availabilityZones: [...zones] }, database: { readers: 2 } });
    const byAddress = (environment: typeof original) =>
      Object.fromEntries(
        Object.entries(resourcesOf(synthData(environment), "aws_rds_cluster_instance")).map(([id, instance]) => [
          id,
          [instance.availability_zone, instance.identifier_prefix, instance.promotion_tier],
        ]),
      );
    expect(byAddress(reordered)).toEqual(byAddress(original));
  });

  it("replaces an instance create-first, so no change takes every instance at once", () => {
    for (const instance of instances(prod)) {
      expect(instance.lifecycle).toEqual({ create_before_destroy: true });
      expect(instance).not.toHaveProperty("identifier");
      expect(String(instance.identifier_prefix).length).toBeLessThanOrEqual(37);
    }
  });

  it("waits for the maintenance window in production and applies at once elsewhere, as the config states", () => {
    expect(onlyResource(prod, "aws_rds_cluster").apply_immediately).toBe(false);
    for (const instance of instances(prod)) expect(instance.apply_immediately).toBe(false);
    for (const instance of instances(staging)) expect(instance.apply_immediately).toBe(true);
    const stated = synthData(testEnvironment({ database: { applyImmediately: true } }));
    for (const instance of instances(stated)) expect(instance.apply_immediately).toBe(true);
  });

  it("tracks reader connections when configured", () => {
    const environment = testEnvironment({ database: { readerAutoscaling: { enabled: true, metric: "connections", target: 400, max: 5 } } });
    const policy = onlyResource(synthData(environment), "aws_appautoscaling_policy");
    expect(policy.target_tracking_scaling_policy_configuration).toMatchObject({
      target_value: 400,
      predefined_metric_specification: { predefined_metric_type: "RDSReaderAverageDatabaseConnections" },
    });
  });

  describe("a switch away from backup-copy", () => {
    const region = tier.production.account.region;
    const synthMode = (disasterRecovery: Record<string, unknown>) => synthData(testEnvironment({ database: { disasterRecovery: disasterRecovery as never } }));
    const backupCopy = synthMode({ mode: "backup-copy", region });
    const globalDatabase = {
      mode: "global-database",
      region,
      cidr: "10.100.0.0/16",
      availabilityZones: [`${region}a`, `${region}b`],
    };
    /** The vaults, the recovery-region key and its alias: what holds the recovery points and can decrypt them. */
    const kept = (stack: SynthesizedStack) =>
      Object.fromEntries(
        ["aws_backup_vault", "aws_kms_key", "aws_kms_alias"].flatMap((type) =>
          Object.entries(resourcesOf(stack, type))
            .filter(([id]) => id.startsWith("DisasterRecovery_BackupCopy_"))
            .map(([id, resource]) => [`${type}.${id}`, resource]),
        ),
      );

    it("keeps both vaults and the recovery-region key at their addresses with retainRecoveryPoints, in either other mode", () => {
      expect(Object.keys(kept(backupCopy)).sort()).toEqual([
        expect.stringMatching(/^aws_backup_vault\.DisasterRecovery_BackupCopy_RecoveryRegion_Vault_/),
        expect.stringMatching(/^aws_backup_vault\.DisasterRecovery_BackupCopy_Vault_/),
        expect.stringMatching(/^aws_kms_alias\.DisasterRecovery_BackupCopy_RecoveryRegion_Key_Alias_/),
        expect.stringMatching(/^aws_kms_key\.DisasterRecovery_BackupCopy_RecoveryRegion_Key_/),
      ]);
      for (const switched of [
        synthMode({ ...globalDatabase, retainRecoveryPoints: { region } }),
        synthMode({ mode: "none", retainRecoveryPoints: { region } }),
      ]) {
        expect(kept(switched)).toEqual(kept(backupCopy));
        // No new recovery points: the plan, its selection and its role go.
        expect(countOf(switched, "aws_backup_plan")).toBe(0);
        expect(countOf(switched, "aws_backup_selection")).toBe(0);
      }
    });

    it("gives the global database's key an alias of its own next to the kept one", () => {
      const switched = synthMode({ ...globalDatabase, retainRecoveryPoints: { region } });
      const aliases = Object.values(resourcesOf(switched, "aws_kms_alias"))
        .filter((alias) => alias.provider === "aws.recovery")
        .map((alias) => alias.name);
      expect(aliases).toEqual(expect.arrayContaining(["alias/shop-test-aurora-dr", "alias/shop-test-aurora-global"]));
      expect(new Set(aliases).size).toBe(aliases.length);
    });
  });

  describe("global-database disaster recovery", () => {
    const environment = testEnvironment({
      database: {
        disasterRecovery: {
          mode: "global-database",
          region: tier.production.account.region,
          cidr: "10.100.0.0/16",
          availabilityZones: [`${tier.production.account.region}a`, `${tier.production.account.region}b`],
        },
      },
    });
    const stack = synthData(environment);

    it("keys the secondary's instances by AZ: reordering its zones moves none, and the positional ones move to them", () => {
      const region = tier.production.account.region;
      const reordered = synthData(
        testEnvironment({
          database: {
            disasterRecovery: {
              mode: "global-database",
              region,
              cidr: "10.100.0.0/16",
              availabilityZones: [`${region}b`, `${region}a`],
              secondaryInstances: 2,
            },
          },
        }),
      );
      const ordered = synthData(
        testEnvironment({
          database: {
            disasterRecovery: {
              mode: "global-database",
              region,
              cidr: "10.100.0.0/16",
              availabilityZones: [`${region}a`, `${region}b`],
              secondaryInstances: 2,
            },
          },
        }),
      );
      const secondaries = (synthesized: SynthesizedStack) =>
        Object.fromEntries(
          Object.entries(resourcesOf(synthesized, "aws_rds_cluster_instance"))
            .filter(([, instance]) => instance.provider === "aws.recovery")
            .map(([id, instance]) => [id, [instance.availability_zone, instance.identifier_prefix]]),
        );
      expect(Object.keys(secondaries(ordered))).toHaveLength(2);
      expect(secondaries(reordered)).toEqual(secondaries(ordered));
      const moved = ((ordered as { moved?: { from: string }[] }).moved ?? []).map(({ from }) => from);
      expect(moved.filter((from) => from.includes("GlobalDatabase_RecoveryRegion_Instance-"))).toHaveLength(2);
    });

    it("makes the primary the source of a global cluster without replacing it", () => {
      expect(onlyResource(stack, "aws_rds_global_cluster")).toMatchObject({
        global_cluster_identifier: "shop-test-global",
        source_db_cluster_identifier: "${aws_rds_cluster.Database_Cluster_C6094C50.arn}",
        deletion_protection: true,
      });
      expect(resourcesOf(stack, "aws_rds_cluster").Database_Cluster_C6094C50.lifecycle).toEqual({ ignore_changes: ["global_cluster_identifier"] });
    });

    it("adds an encrypted secondary cluster in its own VPC of the recovery region", () => {
      const secondary = Object.values(resourcesOf(stack, "aws_rds_cluster")).find((cluster) => cluster.provider === "aws.recovery");
      expect(secondary).toMatchObject({
        provider: "aws.recovery",
        global_cluster_identifier: expect.stringMatching(/^\$\{aws_rds_global_cluster\.DisasterRecovery_GlobalDatabase_GlobalCluster_\w+\.id\}$/),
        storage_encrypted: true,
        kms_key_id: expect.stringMatching(/aws_kms_key\.DisasterRecovery_GlobalDatabase_RecoveryRegion_Key_/),
      });
      const subnetGroup = Object.values(resourcesOf(stack, "aws_db_subnet_group")).find((group) => group.provider === "aws.recovery")!;
      expect(subnetGroup.subnet_ids).toEqual([
        expect.stringContaining(`GlobalDatabase_RecoveryRegion_Network_DatabaseSubnet-${tier.production.account.region}a`),
        expect.stringContaining(`GlobalDatabase_RecoveryRegion_Network_DatabaseSubnet-${tier.production.account.region}b`),
      ]);
      const vpcs = Object.values(resourcesOf(stack, "aws_vpc"));
      expect(vpcs).toEqual([expect.objectContaining({ cidr_block: "10.100.0.0/16", provider: "aws.recovery" })]);
    });

    it("manages every recovery-region resource with the recovery provider", () => {
      const remote = Object.entries(stack.resource ?? {}).flatMap(([type, resources]) =>
        Object.entries(resources)
          .filter(([id]) => id.startsWith("DisasterRecovery_GlobalDatabase_RecoveryRegion_"))
          .map(([id, resource]) => [`${type}.${id}`, resource.provider]),
      );
      expect(remote.length).toBeGreaterThan(10);
      for (const [, provider] of remote) expect(provider).toBe("aws.recovery");
    });
  });
  it("runs the configured engine version with encrypted storage and the configured backup retention, one instance per writer and reader", () => {
    for (const [environment, synthesized] of [
      [tier.production, prod],
      [tier.development, dev],
    ] as const) {
      expect(json(synthesized)).toHaveResourceWithProperties(RdsCluster, {
        engine: "aurora-postgresql",
        engine_version: environment.database.engineVersion,
        storage_encrypted: true,
        backup_retention_period: environment.database.backupRetentionDays,
      });
      expect(json(synthesized)).toHaveResourceWithProperties(RdsClusterInstance, { instance_class: environment.database.instanceClass });
    }
  });
});
