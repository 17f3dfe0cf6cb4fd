import { kubernetesTaintEffect } from "../cluster/node-group";
import { AddOn, AddOnContext, containerResources, KUBE_SYSTEM, KubernetesObject, placement, replicas, topologySpread, Values } from "./add-on";

/** The pools Karpenter provisions; the system pool stays a managed node group (and runs Karpenter itself). */
export const KARPENTER_POOLS = ["stateful", "stateless"] as const;
export type KarpenterPoolName = (typeof KARPENTER_POOLS)[number];

/** The label Karpenter puts on every node it launches: its NodePool's name. */
export const NODEPOOL_LABEL = "karpenter.sh/nodepool";

/** A node pool's config as Karpenter needs it: what the replaced managed node group was given (mapped by the platform stack). */
export interface KarpenterPoolConfig {
  /** The group's instance types: their categories, families and sizes are what the NodePool may launch. */
  readonly instanceTypes: readonly string[];
  /** Nodes the group started with (per AZ when `oneGroupPerAz`): the size the cost estimate assumes. */
  readonly desiredSize: number;
  /** Most nodes of the group (per AZ when `oneGroupPerAz`): with the largest type, the NodePool's limits. */
  readonly maxSize: number;
  readonly oneGroupPerAz: boolean;
  /** Root volume size of each node. */
  readonly diskSizeGiB: number;
  readonly labels: Readonly<Record<string, string>>;
  readonly taints: readonly { readonly key: string; readonly value?: string; readonly effect: Parameters<typeof kubernetesTaintEffect>[0] }[];
  /** The CPU architecture of the instance types (one group runs one). */
  readonly architecture: "amd64" | "arm64";
}

/**
 * Annotations of each NodePool for the cost estimate (tools/cost): the nodes the replaced node group(s) started with
 * and their first instance type. Karpenter sizes by demand, so the figure is an estimate at that size.
 */
export const COST_ANNOTATIONS = { nodes: "cost.platform/estimated-nodes", instanceType: "cost.platform/estimated-instance-type" } as const;

/** What the cluster layer creates for Karpenter (constructs/cluster/karpenter.ts), by name. */
export interface KarpenterClusterResources {
  readonly instanceProfileName: string;
  readonly interruptionQueueName: string;
}

/** What the cluster layer and the config give Karpenter's NodePools and EC2NodeClasses (mapped by the platform stack). */
export interface KarpenterNodeSettings {
  /** Value of the `karpenter.sh/discovery` tag on the private subnets and the nodes' security group: the cluster name. */
  readonly discoveryTag: string;
  /** Name of the Terraform-created instance profile of the node role. */
  readonly instanceProfile: string;
  /** Name of the interruption queue (`settings.interruptionQueue`). */
  readonly interruptionQueue: string;
  /** ARN of the node volume key: the root volumes are encrypted with it, like the managed node groups'. */
  readonly volumeKeyArn: string;
  /** `al2023@v<release>`: pinned, never `@latest`, so nodes change only with the config. */
  readonly amiAlias: string;
  /** The cluster's AZs: NodePools launch only there, and a per-AZ pool's limit counts each AZ. */
  readonly zones: readonly string[];
  /** Tags of the instances, volumes and network interfaces Karpenter launches (provider default tags do not reach them). */
  readonly tags: Readonly<Record<string, string>>;
  readonly pools: Readonly<Record<KarpenterPoolName, KarpenterPoolConfig>>;
}

/** vCPUs of an instance size (`large` 2, `xlarge` 4, `4xlarge` 16); EC2's sizes double with each step. */
export function instanceVcpus(instanceType: string): number {
  const size = instanceType.split(".")[1] ?? "";
  const fixed: Record<string, number> = { nano: 1, micro: 1, small: 1, medium: 1, large: 2, xlarge: 4, metal: 96 };
  if (size in fixed) return fixed[size]!;
  const multiple = /^(\d+)xlarge$/.exec(size);
  return multiple ? Number(multiple[1]) * 4 : 2;
}

/** GiB of memory per vCPU by instance category: compute 2, general purpose 4, memory 8, high memory x 16. */
export function instanceMemoryGiB(instanceType: string): number {
  const category = instanceCategory(instanceType);
  const perVcpu: Record<string, number> = { c: 2, m: 4, t: 4, r: 8, x: 16, z: 8 };
  return instanceVcpus(instanceType) * (perVcpu[category] ?? 4);
}

const instanceFamily = (instanceType: string) => instanceType.split(".")[0]!;
const instanceCategory = (instanceType: string) => /^[a-z]+?(?=\d)/.exec(instanceType)?.[0] ?? instanceType[0]!;
const instanceSize = (instanceType: string) => instanceType.split(".")[1]!;

/** The next EC2 size up (`large` → `xlarge`, `xlarge` → `2xlarge`, `2xlarge` → `4xlarge`). */
function nextSize(size: string): string {
  if (size === "large") return "xlarge";
  if (size === "xlarge") return "2xlarge";
  const multiple = /^(\d+)xlarge$/.exec(size);
  return multiple ? `${Number(multiple[1]) * 2}xlarge` : size;
}

const unique = <T>(values: readonly T[]) => [...new Set(values)];

/** Most nodes the replaced node group(s) could have had: `maxSize`, per AZ when the group was one per AZ. */
export function poolMaxNodes(pool: KarpenterPoolConfig, zones: number): number {
  return pool.maxSize * (pool.oneGroupPerAz ? zones : 1);
}

/**
 * The NodePool's limits: what the replaced groups could reach at their largest configured instance type, so Karpenter
 * never runs more capacity than the Cluster Autoscaler could have (a runaway Deployment cannot buy unlimited nodes).
 */
export function poolLimits(pool: KarpenterPoolConfig, zones: number): { cpu: string; memory: string } {
  const nodes = poolMaxNodes(pool, zones);
  const cpu = Math.max(...pool.instanceTypes.map(instanceVcpus));
  const memory = Math.max(...pool.instanceTypes.map(instanceMemoryGiB));
  return { cpu: String(nodes * cpu), memory: `${nodes * memory}Gi` };
}

/** Requirements that diversify the configured types: their categories, families, sizes and one size up, one architecture. */
export function poolRequirements(pool: KarpenterPoolConfig, capacityTypes: readonly string[], zones: readonly string[]): Values[] {
  const types = pool.instanceTypes;
  return [
    { key: "kubernetes.io/os", operator: "In", values: ["linux"] },
    { key: "kubernetes.io/arch", operator: "In", values: [pool.architecture] },
    { key: "karpenter.sh/capacity-type", operator: "In", values: [...capacityTypes] },
    { key: "topology.kubernetes.io/zone", operator: "In", values: [...zones] },
    { key: "karpenter.k8s.aws/instance-category", operator: "In", values: unique(types.map(instanceCategory)) },
    { key: "karpenter.k8s.aws/instance-family", operator: "In", values: unique(types.map(instanceFamily)) },
    { key: "karpenter.k8s.aws/instance-size", operator: "In", values: unique(types.flatMap((type) => [instanceSize(type), nextSize(instanceSize(type))])) },
  ];
}

/**
 * Disruption of each pool. Karpenter drains through the eviction API, so every PodDisruptionBudget is honoured whatever
 * the budget allows; budgets only cap how many nodes it takes away at once.
 * - stateless: consolidation replaces or removes underutilized spot nodes, at most 10% of the pool at a time.
 * - stateful: only empty nodes are removed, one at a time (a moving volume takes its pod with it).
 * - production: no consolidation of underutilized nodes on weekdays 08:00–18:00 UTC (cost optimisation is never worth
 *   pod churn at peak), while empty nodes and drift (a new AMI release) still proceed within the budget.
 */
export function poolDisruption(pool: KarpenterPoolName, production: boolean): Values {
  const businessHours = { schedule: "0 8 * * mon-fri", duration: "10h" };
  if (pool === "stateless") {
    return {
      consolidationPolicy: "WhenEmptyOrUnderutilized",
      consolidateAfter: "5m",
      budgets: [{ nodes: "10%" }, ...(production ? [{ nodes: "0", reasons: ["Underutilized"], ...businessHours }] : [])],
    };
  }
  return {
    consolidationPolicy: "WhenEmpty",
    consolidateAfter: "10m",
    budgets: [{ nodes: "1" }, ...(production ? [{ nodes: "0", reasons: ["Drifted"], ...businessHours }] : [])],
  };
}

/** Nodes are replaced after 30 days, so every node runs a recent AMI with current patches even if nothing drifts. */
export const NODE_EXPIRY = "720h";

function nodeClass(name: KarpenterPoolName, nodes: KarpenterNodeSettings): KubernetesObject {
  const pool = nodes.pools[name];
  const discovery = [{ tags: { "karpenter.sh/discovery": nodes.discoveryTag } }];
  return {
    apiVersion: "karpenter.k8s.aws/v1",
    kind: "EC2NodeClass",
    metadata: { name },
    spec: {
      amiSelectorTerms: [{ alias: nodes.amiAlias }],
      subnetSelectorTerms: discovery,
      securityGroupSelectorTerms: discovery,
      instanceProfile: nodes.instanceProfile,
      // IMDSv2 only, one hop: pods (which use IRSA or Pod Identity) cannot reach the node role's credentials.
      metadataOptions: { httpEndpoint: "enabled", httpProtocolIPv6: "disabled", httpPutResponseHopLimit: 1, httpTokens: "required" },
      blockDeviceMappings: [
        {
          deviceName: "/dev/xvda",
          rootVolume: true,
          ebs: { volumeSize: `${pool.diskSizeGiB}Gi`, volumeType: "gp3", encrypted: true, kmsKeyID: nodes.volumeKeyArn, deleteOnTermination: true },
        },
      ],
      detailedMonitoring: true,
      tags: { ...nodes.tags, Name: `${nodes.discoveryTag}-${name}`, "node-group": name },
    },
  };
}

function nodePool(name: KarpenterPoolName, nodes: KarpenterNodeSettings, production: boolean): KubernetesObject {
  const pool = nodes.pools[name];
  const capacityTypes = name === "stateful" ? ["on-demand"] : ["spot", "on-demand"];
  // The stateful placement selects the managed groups' capacity label too; Karpenter's on-demand nodes carry it as well.
  const labels = name === "stateful" ? { ...pool.labels, "eks.amazonaws.com/capacityType": "ON_DEMAND" } : { ...pool.labels };
  const estimatedNodes = pool.desiredSize * (pool.oneGroupPerAz ? nodes.zones.length : 1);
  return {
    apiVersion: "karpenter.sh/v1",
    kind: "NodePool",
    metadata: { name, annotations: { [COST_ANNOTATIONS.nodes]: String(estimatedNodes), [COST_ANNOTATIONS.instanceType]: pool.instanceTypes[0]! } },
    spec: {
      template: {
        metadata: { labels },
        spec: {
          nodeClassRef: { group: "karpenter.k8s.aws", kind: "EC2NodeClass", name },
          taints: pool.taints.map((taint) => ({
            key: taint.key,
            ...(taint.value !== undefined ? { value: taint.value } : {}),
            effect: kubernetesTaintEffect(taint.effect),
          })),
          requirements: poolRequirements(pool, capacityTypes, nodes.zones),
          expireAfter: NODE_EXPIRY,
        },
      },
      limits: poolLimits(pool, nodes.zones.length),
      disruption: poolDisruption(name, production),
    },
  };
}

/** The NodePools and EC2NodeClasses of the stateful and stateless pools. */
export function karpenterNodeObjects(nodes: KarpenterNodeSettings, production: boolean): KubernetesObject[] {
  return KARPENTER_POOLS.flatMap((name) => [nodeClass(name, nodes), nodePool(name, nodes, production)]);
}

function settingsOf(context: AddOnContext): KarpenterNodeSettings {
  if (!context.karpenter) throw new Error("the karpenter add-on needs the cluster layer's Karpenter resources (cluster.autoscaler: karpenter)");
  return context.karpenter;
}

/**
 * Karpenter (chart 1.14.1, OCI only): the controller on the system node group, never on a node it manages (a
 * `karpenter.sh/nodepool DoesNotExist` node affinity), two replicas with the chart's PodDisruptionBudget in production,
 * and the interruption queue. The chart ships its CRDs in `crds/` and renders no webhook at this version: Helm installs
 * the CRDs with the first release and never upgrades them, so a chart upgrade applies the new CRDs first
 * (docs/cluster.md, "Karpenter"). The NodePools and EC2NodeClasses are applied after the release.
 */
export const karpenter: AddOn<"karpenter"> = {
  name: "karpenter",
  releaseName: "karpenter",
  chart: { chart: "karpenter", repository: "oci://public.ecr.aws/karpenter", version: "1.14.1" },
  ...KUBE_SYSTEM,
  installedWhen: (context) => context.autoscaler === "karpenter",
  values(context) {
    const nodes = settingsOf(context);
    const role = context.controllerRoles.karpenter;
    if (!role) throw new Error("the karpenter add-on needs the controller role of the cluster layer (cluster.autoscaler: karpenter)");
    const system = placement(context, "system");
    const selectorLabels = { "app.kubernetes.io/name": "karpenter", "app.kubernetes.io/instance": "karpenter" };
    return {
      serviceAccount: { create: true, name: role.serviceAccount, annotations: role.serviceAccountAnnotations },
      replicas: replicas(context),
      podDisruptionBudget: { name: "karpenter", maxUnavailable: 1 },
      nodeSelector: { "kubernetes.io/os": "linux", ...system.nodeSelector },
      tolerations: [{ key: "CriticalAddonsOnly", operator: "Exists" }, ...system.tolerations],
      affinity: {
        nodeAffinity: {
          requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: NODEPOOL_LABEL, operator: "DoesNotExist" }] }] },
        },
        podAntiAffinity: {
          requiredDuringSchedulingIgnoredDuringExecution: [{ topologyKey: "kubernetes.io/hostname", labelSelector: { matchLabels: selectorLabels } }],
        },
      },
      topologySpreadConstraints: topologySpread(context, selectorLabels),
      controller: { resources: containerResources("250m", "512Mi", "1Gi") },
      settings: { clusterName: context.cluster.name, interruptionQueue: nodes.interruptionQueue },
    };
  },
  manifests(context) {
    return karpenterNodeObjects(settingsOf(context), context.production);
  },
};
