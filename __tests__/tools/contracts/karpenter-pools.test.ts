import type { EnvironmentConfig } from "../../../config";
import type { KubernetesObject } from "../../../constructs/addons/add-on";
import { karpenterNodeObjects } from "../../../constructs/addons/karpenter";
import { podPlacement } from "../../../constructs/cluster/node-group";
import { schedulingContract } from "../../../tools/contracts/checks/scheduling";
import { karpenterNodePools } from "../../../tools/contracts/karpenter-pools";
import { placementContract } from "../../../tools/contracts/placement";
import type { NodePoolFacts, SystemModel, WorkloadFacts } from "../../../tools/contracts/types";
import { karpenterPool } from "../../../stacks/platform-stack";
import { testEnvironment } from "../../support/environments";

const environment: EnvironmentConfig = testEnvironment({ cluster: { autoscaler: "karpenter" } });
const { nodeGroups } = environment.cluster;

/** The NodePools and EC2NodeClasses the karpenter add-on applies for this environment. */
function nodeObjects(): KubernetesObject[] {
  return karpenterNodeObjects(
    {
      discoveryTag: environment.prefix,
      instanceProfile: `${environment.prefix}-karpenter-nodes`,
      interruptionQueue: `${environment.prefix}-karpenter-interruptions`,
      volumeKeyArn: "arn:aws:kms:eu-central-1:123456789012:key/example",
      amiAlias: `al2023@${environment.cluster.karpenter.amiRelease}`,
      zones: environment.network.availabilityZones,
      tags: {},
      pools: { stateful: karpenterPool(nodeGroups.stateful), stateless: karpenterPool(nodeGroups.stateless) },
    },
    environment.isProduction,
  );
}

const SYSTEM: NodePoolFacts = {
  name: "system",
  pool: "system",
  capacityType: "ON_DEMAND",
  labels: { ...podPlacement(nodeGroups.system).nodeSelector },
  taints: [],
  zones: environment.network.availabilityZones,
};

function model(objects: KubernetesObject[], workloads: WorkloadFacts[]): SystemModel {
  const modelled = objects.map((object) => ({ source: "release:test-platform:karpenter-config", object }));
  return { environment, stacks: {}, releases: [], objects: modelled, nodePools: [SYSTEM, ...karpenterNodePools(environment, modelled)], workloads };
}

const stateful = podPlacement(nodeGroups.stateful);
const WORKLOADS: WorkloadFacts[] = [
  {
    source: "release:test-platform:vault",
    kind: "StatefulSet",
    name: "vault",
    namespace: "vault",
    owner: "platform",
    persistentVolume: true,
    podSpec: { nodeSelector: stateful.nodeSelector, tolerations: stateful.tolerations },
  },
  {
    source: "gitops:overlays/test",
    kind: "Rollout",
    name: "web",
    namespace: "web",
    owner: "application",
    persistentVolume: false,
    podSpec: {
      tolerations: podPlacement(nodeGroups.stateless).tolerations,
      affinity: {
        nodeAffinity: {
          preferredDuringSchedulingIgnoredDuringExecution: [
            {
              weight: 100,
              preference: { matchExpressions: Object.entries(nodeGroups.stateless.labels).map(([key, value]) => ({ key, operator: "In", values: [value] })) },
            },
          ],
        },
      },
    },
  },
];

const nodePool = (objects: KubernetesObject[], name: string) =>
  objects.find((object) => object.kind === "NodePool" && object.metadata.name === name) as Record<string, any>;

describe("Karpenter's NodePools in the placement and scheduling contracts", () => {
  it("are node pools with the template's labels and taints, on-demand for stateful and spot for stateless", () => {
    const pools = karpenterNodePools(
      environment,
      nodeObjects().map((object) => ({ source: "x", object })),
    );
    expect(pools.map(({ pool, capacityType }) => [pool, capacityType])).toEqual([
      [nodeGroups.stateful.labels.workload, "ON_DEMAND"],
      [nodeGroups.stateless.labels.workload, "SPOT"],
    ]);
    expect(pools[0].labels).toMatchObject({ ...stateful.nodeSelector, "karpenter.sh/nodepool": "stateful" });
    expect(pools[1].taints).toEqual(podPlacement(nodeGroups.stateless).tolerations.map(({ key, value, effect }) => ({ key, value, effect })));
  });

  it("let the stateful pods and the application schedule where they must", () => {
    const built = model(nodeObjects(), WORKLOADS);
    expect(placementContract.check(built).findings).toEqual([]);
    expect(schedulingContract.check(built).findings).toEqual([]);
  });

  it("flag a stateful NodePool that may buy spot: a volume's pod could lose its node to a reclaim", () => {
    const objects = nodeObjects();
    const requirements = nodePool(objects, "stateful").spec.template.spec.requirements as Record<string, unknown>[];
    requirements.find((requirement) => requirement.key === "karpenter.sh/capacity-type")!.values = ["spot", "on-demand"];
    expect(placementContract.check(model(objects, WORKLOADS)).findings.map((finding) => finding.consumer)).toEqual([expect.stringContaining("vault")]);
  });

  it("flag a NodePool that lost the labels the workloads select", () => {
    const objects = nodeObjects();
    nodePool(objects, "stateful").spec.template.metadata.labels = {};
    const built = model(objects, WORKLOADS);
    expect(placementContract.check(built).findings.map((finding) => finding.consumer)).toEqual([expect.stringContaining("vault")]);
    expect(schedulingContract.check(built).findings.map((finding) => finding.consumer)).toEqual([expect.stringContaining("vault")]);
  });
});
