import type { Contract, Finding, NodePoolFacts, NodeTaintFacts, SystemModel, WorkloadFacts } from "./types";

const NAME = "placement";
const ZONE_LABEL = "topology.kubernetes.io/zone";
/** Kinds whose pods finish: the application's Jobs need no spot preference, they only need somewhere to run. */
const RUN_TO_COMPLETION = new Set(["Job", "CronJob"]);

type Map = Record<string, unknown>;

interface Requirement {
  readonly key: string;
  readonly operator: string;
  readonly values?: readonly string[];
}

interface Toleration {
  readonly key?: string;
  readonly operator?: string;
  readonly value?: string;
  readonly effect?: string;
}

const isMap = (value: unknown): value is Map => typeof value === "object" && value !== null && !Array.isArray(value);
const listOf = <T>(value: unknown): T[] => (Array.isArray(value) ? (value as T[]) : []);

/** The values a label can have on a pool's nodes: its own label, or for the zone label of a multi-AZ pool, its zones. */
function labelValues(pool: NodePoolFacts, key: string): readonly string[] {
  const value = pool.labels[key];
  if (value !== undefined) return [value];
  return key === ZONE_LABEL ? pool.zones : [];
}

/** Whether some node of the pool can satisfy one node selector requirement (In, NotIn, Exists, DoesNotExist, Gt, Lt). */
function satisfies(pool: NodePoolFacts, requirement: Requirement): boolean {
  const present = labelValues(pool, requirement.key);
  const wanted = requirement.values ?? [];
  switch (requirement.operator) {
    case "In":
      return present.some((value) => wanted.includes(value));
    case "NotIn":
      return present.length === 0 || present.some((value) => !wanted.includes(value));
    case "Exists":
      return present.length > 0;
    case "DoesNotExist":
      return present.length === 0;
    case "Gt":
      return present.some((value) => Number(value) > Number(wanted[0]));
    case "Lt":
      return present.some((value) => Number(value) < Number(wanted[0]));
    default:
      return false;
  }
}

const termMatches = (pool: NodePoolFacts, term: unknown): boolean =>
  isMap(term) && listOf<Requirement>(term.matchExpressions).every((requirement) => satisfies(pool, requirement));

function nodeAffinityOf(podSpec: Map): Map {
  const affinity = podSpec.affinity;
  return isMap(affinity) && isMap(affinity.nodeAffinity) ? affinity.nodeAffinity : {};
}

/** The pod's hard node selection: its nodeSelector and its required node affinity (any one term). */
function selects(podSpec: Map, pool: NodePoolFacts): boolean {
  const nodeSelector = isMap(podSpec.nodeSelector) ? podSpec.nodeSelector : {};
  if (!Object.entries(nodeSelector).every(([key, value]) => labelValues(pool, key).includes(String(value)))) return false;
  const required = nodeAffinityOf(podSpec).requiredDuringSchedulingIgnoredDuringExecution;
  const terms = isMap(required) ? listOf<unknown>(required.nodeSelectorTerms) : [];
  return terms.length === 0 || terms.some((term) => termMatches(pool, term));
}

/** Kubernetes' toleration match: an empty key with Exists tolerates everything, an empty effect every effect. */
function tolerates(toleration: Toleration, taint: NodeTaintFacts): boolean {
  if (toleration.effect && toleration.effect !== taint.effect) return false;
  if ((toleration.operator ?? "Equal") === "Exists") return !toleration.key || toleration.key === taint.key;
  return toleration.key === taint.key && (toleration.value ?? "") === (taint.value ?? "");
}

/** Taints that keep pods off a node (PreferNoSchedule only discourages). */
const repels = (taint: NodeTaintFacts) => taint.effect === "NoSchedule" || taint.effect === "NoExecute";

function toleratesPool(podSpec: Map, pool: NodePoolFacts): boolean {
  const tolerations = listOf<Toleration>(podSpec.tolerations);
  return pool.taints.filter(repels).every((taint) => tolerations.some((toleration) => tolerates(toleration, taint)));
}

/** The pools the scheduler may put the workload's pods on. */
function schedulablePools(workload: WorkloadFacts, pools: readonly NodePoolFacts[]): NodePoolFacts[] {
  return pools.filter((pool) => selects(workload.podSpec, pool) && toleratesPool(workload.podSpec, pool));
}

/** Whether a preferred node affinity term (with weight > 0) matches the pool. */
function prefers(podSpec: Map, pool: NodePoolFacts): boolean {
  return listOf<Map>(nodeAffinityOf(podSpec).preferredDuringSchedulingIgnoredDuringExecution).some(
    (term) => Number(term.weight ?? 0) > 0 && termMatches(pool, term.preference),
  );
}

const describePool = (pool: NodePoolFacts) => `${pool.name} (${pool.pool}, ${pool.capacityType})`;
const describePools = (pools: readonly NodePoolFacts[]) => (pools.length === 0 ? "no node pool" : pools.map(describePool).join(", "));
const consumerOf = (workload: WorkloadFacts) => `${workload.kind} ${workload.namespace}/${workload.name} (${workload.source})`;

/** What the workload must do, and what it does instead when it does not; undefined when it holds. */
function check(workload: WorkloadFacts, pools: readonly NodePoolFacts[]): Omit<Finding, "contract" | "consumer"> | undefined {
  const reachable = schedulablePools(workload, pools);
  if (workload.persistentVolume) {
    const elsewhere = reachable.filter((pool) => pool.pool !== "stateful" || pool.capacityType !== "ON_DEMAND");
    if (reachable.length > 0 && elsewhere.length === 0) return undefined;
    return {
      reference: "only on-demand stateful node pools (it mounts a persistent volume): a required node selector for them and a toleration of their taints",
      instead: reachable.length === 0 ? "schedules onto no node pool" : `can schedule onto ${describePools(elsewhere)}`,
    };
  }
  if (workload.owner === "application") {
    if (RUN_TO_COMPLETION.has(workload.kind)) {
      return reachable.length > 0 ? undefined : { reference: "some node pool", instead: "schedules onto no node pool" };
    }
    const stateless = pools.filter((pool) => pool.pool === "stateless");
    const untolerated = stateless.filter((pool) => !reachable.includes(pool));
    if (stateless.length === 0 || untolerated.length > 0) {
      return {
        reference: "the stateless (spot) node pools: a toleration of their taints",
        instead: stateless.length === 0 ? "the system has no stateless node pool" : `cannot schedule onto ${describePools(untolerated)}`,
      };
    }
    const notPreferred = stateless.filter((pool) => !prefers(workload.podSpec, pool));
    if (notPreferred.length > 0) {
      return { reference: "a preferred node affinity for the stateless (spot) node pools", instead: `does not prefer ${describePools(notPreferred)}` };
    }
    return undefined;
  }
  const elsewhere = reachable.filter((pool) => pool.pool !== "system");
  if (reachable.length > 0 && elsewhere.length === 0) return undefined;
  return {
    reference: "only the system node pools",
    instead: reachable.length === 0 ? "schedules onto no node pool" : `can schedule onto ${describePools(elsewhere)}`,
  };
}

/**
 * Every pod lands where its failure mode is safe: pods with a persistent volume only on on-demand stateful capacity
 * (a spot reclaim never takes a Raft member or a Prometheus volume away), the application on spot capacity it
 * tolerates and prefers, everything else of the platform on the system pool. DaemonSets run on every node by design.
 */
export const placementContract: Contract = {
  name: NAME,
  description:
    "pods with a persistent volume schedule only onto on-demand stateful node pools; the application tolerates and prefers the stateless (spot) pools; other platform pods only onto the system pools",
  check(model: SystemModel) {
    const workloads = model.workloads.filter((workload) => workload.kind !== "DaemonSet");
    const findings: Finding[] = [];
    for (const workload of workloads) {
      const problem = check(workload, model.nodePools);
      if (problem) findings.push({ contract: NAME, consumer: consumerOf(workload), ...problem });
    }
    return { checked: workloads.length, findings };
  },
};
