// The cdktf matchers are registered in __tests__/support/setup.ts; this brings their types.
import type {} from "cdktf/lib/testing/adapters/jest";
import { App, Testing } from "cdktf";
import { AutoscalingGroupTagA } from "@cdktf/provider-aws/lib/autoscaling-group-tag";
import { EksAddon } from "@cdktf/provider-aws/lib/eks-addon";
import { EksNodeGroup } from "@cdktf/provider-aws/lib/eks-node-group";
import { EnvironmentConfig } from "../../config";
import { ClusterStack } from "../../stacks/cluster-stack";
import { NetworkStack } from "../../stacks/network-stack";
import { shippedEnvironments, testApp, testEnvironment } from "../support/environments";
import { resourcesOf } from "../support/synth";

function synthCluster(environment: EnvironmentConfig, app: App = testApp()): string {
  const network = new NetworkStack(app, environment);
  return Testing.synth(new ClusterStack(app, environment, { network: network.network }));
}

const EFFECTS = { NO_SCHEDULE: "NoSchedule", NO_EXECUTE: "NoExecute", PREFER_NO_SCHEDULE: "PreferNoSchedule" } as const;

describe("node pool taints by default", () => {
  const environment = testEnvironment();
  const synthesized = synthCluster(environment);

  it("taints the stateful pool workload=stateful:NoSchedule and the spot pool workload=stateless:NoSchedule, and leaves system untainted", () => {
    expect(synthesized).toHaveResourceWithProperties(EksNodeGroup, {
      capacity_type: "ON_DEMAND",
      labels: { workload: "stateful" },
      taint: [{ key: "workload", value: "stateful", effect: "NO_SCHEDULE" }],
    });
    expect(synthesized).toHaveResourceWithProperties(EksNodeGroup, {
      capacity_type: "SPOT",
      labels: { workload: "stateless" },
      taint: [{ key: "workload", value: "stateless", effect: "NO_SCHEDULE" }],
    });
    expect(synthesized).toHaveResourceWithProperties(EksNodeGroup, { labels: { workload: "system" }, taint: [] });
  });

  it("announces each tainted group's taint to the Cluster Autoscaler, so it scales the group up from zero", () => {
    for (const pool of ["stateful", "stateless"]) {
      expect(synthesized).toHaveResourceWithProperties(AutoscalingGroupTagA, {
        tag: { key: "k8s.io/cluster-autoscaler/node-template/taint/workload", value: `${pool}:NoSchedule`, propagate_at_launch: false },
      });
      expect(synthesized).toHaveResourceWithProperties(AutoscalingGroupTagA, {
        tag: { key: "k8s.io/cluster-autoscaler/node-template/label/workload", value: pool, propagate_at_launch: false },
      });
    }
  });

  it("turns on NetworkPolicy enforcement in the VPC CNI add-on", () => {
    const [cni] = Object.values(resourcesOf(JSON.parse(synthesized), "aws_eks_addon")).filter((addon) => addon.addon_name === "vpc-cni");
    expect(JSON.parse(cni.configuration_values as string)).toEqual({ enableNetworkPolicy: "true" });
  });

  it("keeps a user's own taints instead of the defaults", () => {
    const own = testEnvironment({ cluster: { nodeGroups: { stateful: { taints: [{ key: "dedicated", value: "data", effect: "NO_EXECUTE" }] } } } });
    expect(synthCluster(own)).toHaveResourceWithProperties(EksNodeGroup, {
      labels: { workload: "stateful" },
      taint: [{ key: "dedicated", value: "data", effect: "NO_EXECUTE" }],
    });
  });
});

describe.each(shippedEnvironments().map((environment) => [environment.name, environment] as const))("node pools of %s", (_name, environment) => {
  const synthesized = synthCluster(environment);
  const groups = Object.values(resourcesOf(JSON.parse(synthesized), "aws_eks_node_group"));

  it("carries each pool's configured taints on every node group of the pool, and on its autoscaler tags", () => {
    // With Karpenter only the system pool is a node group; its NodePools carry the others' taints (karpenter.test.ts).
    const karpenter = environment.cluster.autoscaler === "karpenter" && !environment.cluster.karpenter.keepNodeGroups;
    for (const pool of karpenter ? (["system"] as const) : (["system", "stateful", "stateless"] as const)) {
      const { taints, labels } = environment.cluster.nodeGroups[pool];
      const ofPool = groups.filter((group) => String(group.node_group_name_prefix).startsWith(`${pool}-`));
      expect(ofPool.length).toBeGreaterThan(0);
      for (const group of ofPool) {
        expect(group.labels).toEqual(labels);
        expect(group.taint).toEqual(taints.map(({ key, value, effect }) => ({ key, value, effect })));
      }
      for (const taint of taints) {
        expect(synthesized).toHaveResourceWithProperties(AutoscalingGroupTagA, {
          tag: {
            key: `k8s.io/cluster-autoscaler/node-template/taint/${taint.key}`,
            value: `${taint.value ?? ""}:${EFFECTS[taint.effect]}`,
            propagate_at_launch: false,
          },
        });
      }
    }
    expect(environment.cluster.nodeGroups.stateful.taints).toContainEqual({ key: "workload", value: "stateful", effect: "NO_SCHEDULE" });
    expect(environment.cluster.nodeGroups.stateless.taints).toContainEqual({ key: "workload", value: "stateless", effect: "NO_SCHEDULE" });
  });

  it("enforces NetworkPolicies through the VPC CNI", () => {
    expect(synthesized).toHaveResourceWithProperties(EksAddon, {
      addon_name: "vpc-cni",
      configuration_values: JSON.stringify({ enableNetworkPolicy: "true" }),
    });
  });
});
