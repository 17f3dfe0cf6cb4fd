import { dataSources, expectPlanned, nonCreateActions, planOf, plannedResources, SHIPPED_ENVIRONMENTS } from "./harness";

const LOCAL_DATA_SOURCES = ["terraform_remote_state"];

function cluster(env: string) {
  const [primary] = plannedResources(planOf(`${env}-data`), "aws_rds_cluster").filter((resource) => !resource.values.global_cluster_identifier);
  return primary.values;
}

function instances(env: string) {
  return plannedResources(planOf(`${env}-data`), "aws_rds_cluster_instance").map((resource) => resource.values);
}

describe("offline Terraform runs of the data stacks", () => {
  it("plans the data stack of every shipped environment", () => {
    expectPlanned(SHIPPED_ENVIRONMENTS.map((env) => `${env}-data`));
  });

  describe.each(SHIPPED_ENVIRONMENTS)("%s-data", (env) => {
    it("only creates, and uses no data source that would call AWS", () => {
      expect(nonCreateActions(planOf(`${env}-data`))).toEqual([]);
      expect(dataSources(planOf(`${env}-data`)).filter((type) => !LOCAL_DATA_SOURCES.includes(type))).toEqual([]);
    });

    it("encrypts the cluster, lets AWS manage the master password and never exposes an instance", () => {
      expect(cluster(env)).toMatchObject({ storage_encrypted: true, manage_master_user_password: true, iam_database_authentication_enabled: true });
      expect(cluster(env).master_password ?? null).toBeNull();
      for (const instance of instances(env)) expect(instance.publicly_accessible).toBe(false);
    });
  });

  describe("prod", () => {
    it("protects the cluster: deletion protection, 35 days of backups and a named final snapshot", () => {
      expect(cluster("prod")).toMatchObject({
        deletion_protection: true,
        backup_retention_period: 35,
        skip_final_snapshot: false,
      });
    });

    it("names the final snapshot from a value Terraform fixes when the cluster is created (unknown until apply, never a fixed name)", () => {
      const plan = planOf("prod-data");
      const change = (
        plan as unknown as { resource_changes: { type: string; change: { after: Record<string, unknown>; after_unknown: Record<string, unknown> } }[] }
      ).resource_changes.find((resource) => resource.type === "aws_rds_cluster" && !resource.change.after.global_cluster_identifier);
      expect(change?.change.after_unknown.final_snapshot_identifier).toBe(true);
      expect(plannedResources(plan, "terraform_data")).toHaveLength(1);
    });
  });

  describe.each(SHIPPED_ENVIRONMENTS)("%s-data parameter groups", (env) => {
    it("log DDL (CKV2_AWS_27) and are named by prefix, so a replacement never collides with the old group", () => {
      const [clusterGroup] = plannedResources(planOf(`${env}-data`), "aws_rds_cluster_parameter_group");
      expect(clusterGroup.values.parameter).toContainEqual(expect.objectContaining({ name: "log_statement", value: "ddl" }));
      for (const group of [clusterGroup, ...plannedResources(planOf(`${env}-data`), "aws_db_parameter_group")]) {
        expect(String(group.values.name_prefix)).toMatch(new RegExp(`^${String(cluster(env).cluster_identifier)}-aurora-`));
      }
    });

    it("runs at least two instances, each in a different AZ", () => {
      const zones = instances("prod").map((instance) => instance.availability_zone);
      expect(zones.length).toBeGreaterThanOrEqual(2);
      expect(new Set(zones).size).toBe(zones.length);
    });

    it("scales readers with a target-tracking policy", () => {
      const [policy] = plannedResources(planOf("prod-data"), "aws_appautoscaling_policy");
      expect(policy.values).toMatchObject({ policy_type: "TargetTrackingScaling", scalable_dimension: "rds:cluster:ReadReplicaCount" });
    });

    it("copies backups to a vault in a second region", () => {
      const vaults = plannedResources(planOf("prod-data"), "aws_backup_vault");
      expect(vaults.map((vault) => vault.values.name).sort()).toEqual(["webapp-prod-aurora", "webapp-prod-aurora-dr"]);
      const plan = planOf("prod-data");
      const [rule] = plannedResources(plan, "aws_backup_plan")[0].values.rule as { copy_action: unknown[] }[];
      expect(rule.copy_action).toHaveLength(1);
    });
  });

  it("makes dev cheaper than prod: fewer instances, on Serverless v2", () => {
    expect(instances("dev").length).toBeLessThan(instances("prod").length);
    for (const instance of instances("dev")) expect(instance.instance_class).toBe("db.serverless");
    expect(cluster("dev")).toMatchObject({ deletion_protection: false, skip_final_snapshot: true });
    expect(plannedResources(planOf("dev-data"), "aws_appautoscaling_policy")).toEqual([]);
  });
});
