import { placementContract } from "../../../tools/contracts/placement";
import type { NodePoolFacts, SystemModel, WorkloadFacts } from "../../../tools/contracts/types";
import { testEnvironment } from "../../support/environments";

const SPOT = { key: "workload", value: "stateless", effect: "NoSchedule" };
const STATEFUL = { key: "workload", value: "stateful", effect: "NoSchedule" };

const pool = (
  name: string,
  poolName: string,
  capacityType: NodePoolFacts["capacityType"],
  taints: NodePoolFacts["taints"],
  zones = ["az-a", "az-b"],
): NodePoolFacts => ({
  name,
  pool: poolName,
  capacityType,
  labels: { workload: poolName, "eks.amazonaws.com/capacityType": capacityType, ...(zones.length === 1 ? { "topology.kubernetes.io/zone": zones[0] } : {}) },
  taints,
  zones,
});

const POOLS: NodePoolFacts[] = [
  pool("shop-test-system", "system", "ON_DEMAND", []),
  pool("shop-test-stateful-az-a", "stateful", "ON_DEMAND", [STATEFUL], ["az-a"]),
  pool("shop-test-stateful-az-b", "stateful", "ON_DEMAND", [STATEFUL], ["az-b"]),
  pool("shop-test-stateless", "stateless", "SPOT", [SPOT]),
];

const onStateful = {
  nodeSelector: { workload: "stateful", "eks.amazonaws.com/capacityType": "ON_DEMAND" },
  tolerations: [{ key: "workload", operator: "Equal", value: "stateful", effect: "NoSchedule" }],
};
const onSystem = { nodeSelector: { workload: "system" } };
const preferSpot = {
  tolerations: [{ key: "workload", operator: "Equal", value: "stateless", effect: "NoSchedule" }],
  affinity: {
    nodeAffinity: {
      preferredDuringSchedulingIgnoredDuringExecution: [
        { weight: 100, preference: { matchExpressions: [{ key: "workload", operator: "In", values: ["stateless"] }] } },
      ],
    },
  },
};

function workload(overrides: Partial<WorkloadFacts>): WorkloadFacts {
  return {
    source: "release:test-platform:x",
    kind: "Deployment",
    name: "x",
    namespace: "ns",
    owner: "platform",
    persistentVolume: false,
    podSpec: {},
    ...overrides,
  };
}

function model(workloads: WorkloadFacts[], nodePools: NodePoolFacts[] = POOLS): SystemModel {
  return { environment: testEnvironment(), stacks: {}, releases: [], objects: [], nodePools, workloads };
}

const check = (workloads: WorkloadFacts[], nodePools?: NodePoolFacts[]) => placementContract.check(model(workloads, nodePools));

describe("placement contract", () => {
  it("passes stateful pods on the stateful pools, the application on spot, the platform on system, and skips DaemonSets", () => {
    const result = check([
      workload({ kind: "StatefulSet", name: "vault", namespace: "vault", persistentVolume: true, podSpec: onStateful }),
      workload({ kind: "Rollout", name: "web", namespace: "webapp", owner: "application", source: "gitops:prod", podSpec: preferSpot }),
      workload({ name: "cert-manager", podSpec: onSystem }),
      // Untainted system pool: a Job without placement still cannot reach the tainted pools.
      workload({ kind: "Job", name: "startupapicheck", podSpec: {} }),
      workload({ kind: "Job", name: "migrate", owner: "application", podSpec: {} }),
      workload({ kind: "DaemonSet", name: "fluent-bit", podSpec: { tolerations: [{ operator: "Exists" }] } }),
    ]);
    expect(result).toEqual({ checked: 5, findings: [] });
  });

  it("accepts a required node affinity in place of a node selector, zone terms included", () => {
    const inZoneA = {
      tolerations: onStateful.tolerations,
      affinity: {
        nodeAffinity: {
          requiredDuringSchedulingIgnoredDuringExecution: {
            nodeSelectorTerms: [
              {
                matchExpressions: [
                  { key: "workload", operator: "In", values: ["stateful"] },
                  { key: "topology.kubernetes.io/zone", operator: "In", values: ["az-a"] },
                ],
              },
            ],
          },
        },
      },
    };
    expect(check([workload({ kind: "StatefulSet", persistentVolume: true, podSpec: inZoneA })]).findings).toEqual([]);
  });

  it("reports a pod with a volume that tolerates spot and selects nothing", () => {
    const anywhere = { tolerations: [{ operator: "Exists" }] };
    expect(check([workload({ kind: "StatefulSet", name: "prometheus", namespace: "monitoring", persistentVolume: true, podSpec: anywhere })]).findings).toEqual(
      [
        {
          contract: "placement",
          consumer: "StatefulSet monitoring/prometheus (release:test-platform:x)",
          reference: "only on-demand stateful node pools (it mounts a persistent volume): a required node selector for them and a toleration of their taints",
          instead: "can schedule onto shop-test-system (system, ON_DEMAND), shop-test-stateless (stateless, SPOT)",
        },
      ],
    );
  });

  it("reports a pod with a volume that selects the stateful pool without tolerating its taint", () => {
    const untolerated = { nodeSelector: onStateful.nodeSelector };
    expect(check([workload({ kind: "StatefulSet", name: "vault", namespace: "vault", persistentVolume: true, podSpec: untolerated })]).findings).toEqual([
      expect.objectContaining({ consumer: "StatefulSet vault/vault (release:test-platform:x)", instead: "schedules onto no node pool" }),
    ]);
  });

  it("reports a stateful pool run on spot as no place for a volume", () => {
    const spotStateful = [POOLS[0], { ...POOLS[1], capacityType: "SPOT" as const }];
    expect(
      check(
        [workload({ kind: "StatefulSet", persistentVolume: true, podSpec: { nodeSelector: { workload: "stateful" }, tolerations: onStateful.tolerations } })],
        spotStateful,
      ).findings,
    ).toEqual([expect.objectContaining({ instead: "can schedule onto shop-test-stateful-az-a (stateful, SPOT)" })]);
  });

  it("reports the application when it does not tolerate spot, and when it only tolerates it", () => {
    const web = (podSpec: Record<string, unknown>) =>
      workload({ kind: "Rollout", name: "web", namespace: "webapp", owner: "application", source: "gitops:prod", podSpec });
    expect(check([web({})]).findings).toEqual([
      {
        contract: "placement",
        consumer: "Rollout webapp/web (gitops:prod)",
        reference: "the stateless (spot) node pools: a toleration of their taints",
        instead: "cannot schedule onto shop-test-stateless (stateless, SPOT)",
      },
    ]);
    expect(check([web({ tolerations: preferSpot.tolerations })]).findings).toEqual([
      {
        contract: "placement",
        consumer: "Rollout webapp/web (gitops:prod)",
        reference: "a preferred node affinity for the stateless (spot) node pools",
        instead: "does not prefer shop-test-stateless (stateless, SPOT)",
      },
    ]);
  });

  it("reports a platform pod that may land on the stateful or spot pools", () => {
    const everywhere = { tolerations: [{ key: "workload", operator: "Exists" }] };
    expect(check([workload({ name: "argocd-server", namespace: "argocd", podSpec: everywhere })]).findings).toEqual([
      {
        contract: "placement",
        consumer: "Deployment argocd/argocd-server (release:test-platform:x)",
        reference: "only the system node pools",
        instead:
          "can schedule onto shop-test-stateful-az-a (stateful, ON_DEMAND), shop-test-stateful-az-b (stateful, ON_DEMAND), shop-test-stateless (stateless, SPOT)",
      },
    ]);
  });

  it("reports a platform pod whose selector matches no pool", () => {
    expect(check([workload({ podSpec: { nodeSelector: { workload: "sytem" } } })]).findings).toEqual([
      expect.objectContaining({ reference: "only the system node pools", instead: "schedules onto no node pool" }),
    ]);
  });

  it("counts a PreferNoSchedule taint as no barrier and honours the effect of a toleration", () => {
    const soft = [pool("p-system", "system", "ON_DEMAND", [{ key: "dedicated", value: "ops", effect: "PreferNoSchedule" }]), POOLS[3]];
    expect(check([workload({ podSpec: onSystem })], soft).findings).toEqual([]);
    const wrongEffect = {
      nodeSelector: { workload: "stateful" },
      tolerations: [{ key: "workload", operator: "Equal", value: "stateful", effect: "NoExecute" }],
    };
    expect(check([workload({ kind: "StatefulSet", persistentVolume: true, podSpec: wrongEffect })]).findings).toEqual([
      expect.objectContaining({ instead: "schedules onto no node pool" }),
    ]);
  });
});
