import * as fs from "fs";
import * as path from "path";
import { TerraformStack, Testing } from "cdktf";
import { buildApp } from "../../main";
import {
  classifyChange,
  hasChanges,
  PlanJson,
  PlanResourceChange,
  renderSummaries,
  resourceClass,
  summarizePlan,
  summarizePlans,
} from "../../tools/plan-summary";
import { shippedEnvironments, testApp, testEnvironment } from "../support/environments";

const fixture = (name: string) => JSON.parse(fs.readFileSync(path.join(__dirname, "fixtures", "plans", name), "utf8")) as PlanJson;

const change = (address: string, actions: string[], replacePaths: string[][] = []): PlanResourceChange => ({
  address,
  type: address.split(".")[0],
  mode: "managed",
  change: { actions, ...(replacePaths.length > 0 ? { replace_paths: replacePaths } : {}) },
});

describe("plan summary", () => {
  const data = summarizePlan("prod-data", fixture("data-replaces-database.json"));

  it("counts creates, updates, deletes and replacements, ignoring no-ops and data reads", () => {
    expect(data.creates).toEqual(["aws_cloudwatch_metric_alarm.Database_Cpu_11111111"]);
    expect(data.updates).toEqual(["aws_rds_cluster_parameter_group.Database_Parameters_0F0F0F0F"]);
    expect(data.deletes).toEqual(["aws_secretsmanager_secret.Database_Old_22222222"]);
    expect(data.replacements).toEqual([
      "aws_rds_cluster.Database_Cluster_1A2B3C4D [destroy-first] (engine_version)",
      "aws_security_group.Database_Sg_33333333 [create-first] (name)",
    ]);
  });

  it("marks the destroy-first database and the deleted secret as outages, not the create-first security group", () => {
    expect(data.outages).toEqual([
      "replaces destroy-first stateful aws_rds_cluster.Database_Cluster_1A2B3C4D [destroy-first] (engine_version)",
      "deletes stateful aws_secretsmanager_secret.Database_Old_22222222",
    ]);
  });

  it("tells create-first from destroy-first replacements, and only destroy-first of what is not stateless is an outage", () => {
    const createFirst = classifyChange(change("aws_eks_node_group.Eks_NodeGroup-system", ["create", "delete"], [["node_group_name_prefix"]]));
    const destroyFirst = classifyChange(change("aws_eks_node_group.Eks_NodeGroup-system", ["delete", "create"], [["instance_types"]]));
    const statelessFirst = classifyChange(change("aws_cloudwatch_metric_alarm.Alarms_Cpu", ["delete", "create"], [["alarm_name"]]));
    expect(createFirst).toMatchObject({ action: "replace", order: "create-first", replacePaths: ["node_group_name_prefix"], outage: false });
    expect(destroyFirst).toMatchObject({ action: "replace", order: "destroy-first", resourceClass: "stateful", outage: true });
    expect(statelessFirst).toMatchObject({ order: "destroy-first", resourceClass: "stateless", outage: false });
  });

  it("says when an Aurora change waits for the maintenance window", () => {
    const resize = (applyImmediately: boolean): PlanResourceChange => ({
      ...change("aws_rds_cluster_instance.Database_Instance-eu-west-1a", ["update"]),
      change: { actions: ["update"], after: { instance_class: "db.r7g.xlarge", apply_immediately: applyImmediately } },
    });
    expect(classifyChange(resize(false))).toMatchObject({ action: "update", deferred: true });
    expect(classifyChange(resize(true))).toMatchObject({ action: "update", deferred: false });
    const summary = summarizePlan("prod-data", { resource_changes: [resize(false)] });
    expect(summary.updates).toEqual(["aws_rds_cluster_instance.Database_Instance-eu-west-1a (applies in the maintenance window)"]);
    expect(renderSummaries([summary])).toContain("> - `aws_rds_cluster_instance.Database_Instance-eu-west-1a`");
  });

  it("treats a type it does not know as not stateless", () => {
    expect(classifyChange(change("aws_new_thing.X", ["delete"]))).toMatchObject({ resourceClass: undefined, outage: true });
  });

  it("attributes a downstream change to the upstream output it reads when planned together", () => {
    const network: PlanJson = {
      resource_changes: [change("aws_subnet.Network_Private-eu-central-1d", ["create"])],
      output_changes: {
        "cross-stack-output-aws_subnetNetwork_Private-eu-central-1did": { actions: ["create"] },
        "cross-stack-output-aws_vpcNetwork_Vpcid": { actions: ["no-op"] },
      },
    };
    const reads = (output: string) => ({
      references: [
        // As `terraform show -json` lists a read: the output, then each shorter traversal.
        `data.terraform_remote_state.cross-stack-reference-input-prod-network.outputs.${output}`,
        "data.terraform_remote_state.cross-stack-reference-input-prod-network.outputs",
        "data.terraform_remote_state.cross-stack-reference-input-prod-network",
      ],
    });
    const cluster: PlanJson = {
      resource_changes: [
        change("aws_eks_node_group.Eks_NodeGroup-stateless", ["create", "delete"], [["subnet_ids"]]),
        change("aws_security_group.Eks_ControlPlane", ["update"]),
      ],
      configuration: {
        root_module: {
          resources: [
            {
              address: "aws_eks_node_group.Eks_NodeGroup-stateless",
              expressions: { subnet_ids: reads("cross-stack-output-aws_subnetNetwork_Private-eu-central-1did") },
            },
            { address: "aws_security_group.Eks_ControlPlane", expressions: { vpc_id: reads("cross-stack-output-aws_vpcNetwork_Vpcid") } },
          ],
        },
      },
    };
    const [, clusterSummary] = summarizePlans([
      { stack: "prod-network", planJson: network },
      { stack: "prod-cluster", planJson: cluster },
    ]);
    expect(clusterSummary.changes.map(({ address, causedBy }) => [address, causedBy])).toEqual([
      ["aws_eks_node_group.Eks_NodeGroup-stateless", ["prod-network.cross-stack-output-aws_subnetNetwork_Private-eu-central-1did"]],
      ["aws_security_group.Eks_ControlPlane", []],
    ]);
    expect(clusterSummary.replacements).toEqual([
      "aws_eks_node_group.Eks_NodeGroup-stateless [create-first] (subnet_ids) ← prod-network.cross-stack-output-aws_subnetNetwork_Private-eu-central-1did",
    ]);
    // Planned alone, nothing upstream is known to change.
    expect(summarizePlan("prod-cluster", cluster).changes.every(({ causedBy }) => causedBy.length === 0)).toBe(true);
  });

  it("renders a table per stack with destroy-first counts and a warning for outages", () => {
    const markdown = renderSummaries([
      data,
      summarizePlan("prod-network", fixture("network-no-changes.json")),
      summarizePlan("prod-runner", fixture("runner-creates.json")),
    ]);
    expect(markdown).toContain("| `prod-data` | 1 | 1 | 2 (1 destroy-first) | 1 | ⚠️ 2 |");
    expect(markdown).toContain("| `prod-network` | 0 | 0 | 0 | 0 | none |");
    expect(markdown).toContain("| `prod-runner` | 3 | 0 | 0 | 0 | none |");
    expect(markdown).toContain("> - `replaces destroy-first stateful aws_rds_cluster.Database_Cluster_1A2B3C4D [destroy-first] (engine_version)`");
    expect(markdown).not.toContain("#### prod-network");
  });

  it("says so when nothing changes", () => {
    const network = summarizePlan("dev-network", fixture("network-no-changes.json"));
    expect(hasChanges(network)).toBe(false);
    expect(renderSummaries([network])).toContain("No changes.");
  });
});

describe("resource classes", () => {
  /** The shipped environments plus the optional parts they may leave out: both recovery modes. */
  function emittedTypes(): Set<string> {
    const variants = [
      testEnvironment(
        {
          database: {
            disasterRecovery: {
              mode: "global-database",
              region: "eu-west-1",
              cidr: "10.1.0.0/16",
              availabilityZones: ["eu-west-1a", "eu-west-1b"],
            } as never,
          },
        },
        "globaldb",
      ),
      testEnvironment({ database: { disasterRecovery: { mode: "backup-copy", region: "eu-west-1" } as never } }, "backupcopy"),
    ];
    const app = buildApp(testApp(), [...shippedEnvironments(), ...variants]);
    const types = new Set<string>();
    for (const stack of app.node.children.filter((child) => TerraformStack.isStack(child))) {
      const synthesized = JSON.parse(Testing.synth(stack)) as { resource?: Record<string, unknown> };
      for (const type of Object.keys(synthesized.resource ?? {})) types.add(type);
    }
    return types;
  }

  it("classifies every resource type the synthesized stacks emit", () => {
    const types = emittedTypes();
    expect(types.size).toBeGreaterThan(50);
    expect([...types].filter((type) => resourceClass(type) === undefined)).toEqual([]);
  });
});
