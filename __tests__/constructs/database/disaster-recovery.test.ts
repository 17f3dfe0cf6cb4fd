import type {} from "cdktf/lib/testing/adapters/jest";
import { BackupPlan } from "@cdktf/provider-aws/lib/backup-plan";
import { BackupVault } from "@cdktf/provider-aws/lib/backup-vault";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { RdsCluster } from "@cdktf/provider-aws/lib/rds-cluster";
import { Vpc } from "@cdktf/provider-aws/lib/vpc";
import { DisasterRecoveryConfig } from "../../../config";
import { planSubnets } from "../../../config/subnet-plan";
import { DisasterRecovery } from "../../../constructs/database/disaster-recovery";
import { databaseIn } from "../../support/data";
import { testStack } from "../../support/environments";
import { json, resourcesOf, synthStack, SynthesizedStack } from "../../support/synth";

type RecoveryMode = Exclude<DisasterRecoveryConfig, { mode: "none" }>;

function synthRecovery(config: RecoveryMode): { recovery: DisasterRecovery; synthesized: SynthesizedStack } {
  const stack = testStack({ accountId: "123456789012", region: "eu-central-1", partition: "aws" });
  // The recovery provider copies the stack's default one: its account guard and default tags.
  new AwsProvider(stack, "aws", {
    region: "eu-central-1",
    allowedAccountIds: ["123456789012"],
    defaultTags: [{ tags: { project: "shop", environment: "test" } }],
  });
  const database = databaseIn(stack);
  const recovery = new DisasterRecovery(stack, "DisasterRecovery", {
    namePrefix: "shop-test",
    database,
    config,
    backupRetentionDays: 21,
    instanceClass: "db.r7g.large",
    applyImmediately: false,
    serverless: { minCapacity: 0.5, maxCapacity: 8 },
    logRetentionDays: 30,
    flowLogs: { enabled: true, retentionDays: 90, trafficType: "REJECT" },
  });
  return { recovery, synthesized: synthStack(stack) };
}

/** The resources managed by the recovery region's provider. */
function recoveryResources(synthesized: SynthesizedStack, type: string): Record<string, unknown>[] {
  return Object.values(resourcesOf(synthesized, type)).filter((resource) => resource.provider === "aws.recovery");
}

describe("DisasterRecovery in backup-copy mode", () => {
  const { recovery, synthesized } = synthRecovery({ mode: "backup-copy", region: "eu-west-1", copyRetentionDays: 90, schedule: "cron(0 4 * * ? *)" });

  it("adds a provider for the recovery region, pinned to the stack's account and tagged like the stack", () => {
    expect(json(synthesized)).toHaveProviderWithProperties(AwsProvider, {
      alias: "recovery",
      region: "eu-west-1",
      allowed_account_ids: ["123456789012"],
      default_tags: [{ tags: { project: "shop", environment: "test" } }],
    });
    expect(recovery.region).toBe("eu-west-1");
    expect(recovery.globalDatabase).toBeUndefined();
  });

  it("backs the database up on the configured schedule and keeps the primary's retention here and the configured one in the recovery vault", () => {
    expect(json(synthesized)).toHaveResourceWithProperties(BackupPlan, {
      rule: [
        expect.objectContaining({
          rule_name: "daily-copy-to-eu-west-1",
          schedule: "cron(0 4 * * ? *)",
          lifecycle: { delete_after: 21 },
          copy_action: [expect.objectContaining({ lifecycle: { delete_after: 90 } })],
        }),
      ],
    });
  });

  it("puts the recovery vault and its key in the recovery region", () => {
    expect(recoveryResources(synthesized, "aws_backup_vault")).toEqual([expect.objectContaining({ name: "shop-test-aurora-dr" })]);
    expect(json(synthesized)).toHaveResourceWithProperties(BackupVault, { name: "shop-test-aurora" });
    expect(recoveryResources(synthesized, "aws_kms_key")).toHaveLength(1);
  });
});

describe("DisasterRecovery in global-database mode", () => {
  const { plan } = planSubnets({
    cidr: "10.100.0.0/16",
    availabilityZones: ["eu-west-1a", "eu-west-1b"],
    subnets: { public: {}, private: {}, database: {} },
  });
  const { recovery, synthesized } = synthRecovery({
    mode: "global-database",
    region: "eu-west-1",
    cidr: "10.100.0.0/16",
    subnetPlan: plan!,
    secondaryInstances: 2,
  });

  it("runs the configured number of secondary instances in a VPC of the planned subnets in the recovery region", () => {
    expect(recovery.backupCopy).toBeUndefined();
    expect(json(synthesized)).toHaveResourceWithProperties(Vpc, { cidr_block: "10.100.0.0/16", provider: "aws.recovery" });
    const databaseSubnets = recoveryResources(synthesized, "aws_subnet").filter((subnet) => (subnet.tags as Record<string, string>).tier === "database");
    expect(databaseSubnets.map((subnet) => [subnet.availability_zone, subnet.cidr_block])).toEqual(
      plan!.database.map((subnet) => [subnet.availabilityZone, subnet.cidr]),
    );
    const secondaries = recoveryResources(synthesized, "aws_rds_cluster_instance");
    expect(secondaries.map((instance) => [instance.identifier_prefix, instance.availability_zone])).toEqual([
      ["shop-test-dr-a-", "eu-west-1a"],
      ["shop-test-dr-b-", "eu-west-1b"],
    ]);
    for (const instance of secondaries) expect(instance.lifecycle).toEqual({ create_before_destroy: true });
    expect(json(synthesized)).toHaveResourceWithProperties(RdsCluster, {
      cluster_identifier: "shop-test-dr",
      provider: "aws.recovery",
      storage_encrypted: true,
    });
  });

  it("logs the secondary VPC's traffic as the primary's flow-log settings say", () => {
    expect(recoveryResources(synthesized, "aws_flow_log")).toEqual([expect.objectContaining({ traffic_type: "REJECT" })]);
    const logGroups = recoveryResources(synthesized, "aws_cloudwatch_log_group").map((group) => [group.name, group.retention_in_days]);
    expect(logGroups).toContainEqual(["/aws/vpc/shop-test-dr/flow-logs", 90]);
  });
});
