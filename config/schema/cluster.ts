import { z } from "./zod";
import { knownInstanceType } from "./aws-catalog";
import { ipv4Cidr, retentionDays } from "./common";
import { unknownAddonVersion } from "./eks-addons";

/**
 * The newest EKS Kubernetes version that every pinned add-on and chart supports: the Cluster Autoscaler chart 9.59.0
 * ships CA 1.35 (built for Kubernetes 1.35), and the add-on versions below are the EKS builds published for 1.35.
 */
export const DEFAULT_KUBERNETES_VERSION = "1.35";

/**
 * The oldest Kubernetes minor the pinned add-ons run on: the pinned coredns build is published for 1.33–1.35. A minor
 * newer than DEFAULT_KUBERNETES_VERSION is accepted once every pin built for a minor is overridden
 * ({@link checkKubernetesUpgrade}, docs/cluster.md "Upgrading Kubernetes").
 */
export const MIN_KUBERNETES_VERSION = "1.33";

const minorOf = (version: string) => Number(version.split(".")[1]);

function supportedKubernetesVersion(version: string, ctx: z.RefinementCtx): void {
  if (minorOf(version) < minorOf(MIN_KUBERNETES_VERSION)) {
    ctx.addIssue({
      code: "custom",
      message: `"${version}" is older than the pinned add-ons support: ${MIN_KUBERNETES_VERSION} to ${DEFAULT_KUBERNETES_VERSION} (the coredns add-on is built for ${MIN_KUBERNETES_VERSION}–${DEFAULT_KUBERNETES_VERSION})`,
    });
  }
}

/** EKS managed add-on versions for Kubernetes 1.35, pinned so a plan never looks them up. */
export const DEFAULT_ADDON_VERSIONS = {
  vpcCni: "v1.21.1-eksbuild.7",
  coredns: "v1.13.2-eksbuild.4",
  kubeProxy: "v1.35.3-eksbuild.2",
  ebsCsiDriver: "v1.54.0-eksbuild.1",
  podIdentityAgent: "v1.3.10-eksbuild.1",
  snapshotController: "v8.2.0-eksbuild.1",
} as const;

export const NODE_POOLS = ["system", "stateful", "stateless"] as const;

/** What adds and removes the nodes of the stateful and stateless pools (docs/cluster.md, "Choosing an autoscaler"). */
export const AUTOSCALERS = ["cluster-autoscaler", "karpenter"] as const;
export type Autoscaler = (typeof AUTOSCALERS)[number];

/**
 * The EKS-optimized AL2023 AMI release Karpenter's nodes boot (`al2023@<release>`), pinned like the add-on versions
 * so nodes only roll when the config changes. v20260120 ships amazon-eks-node-al2023-x86_64-standard-1.35-v20260120
 * (awslabs/amazon-eks-ami CHANGELOG.md, "AMI Release v20260120"); newer releases are listed there.
 */
export const DEFAULT_KARPENTER_AMI_RELEASE = "v20260120";
export type NodePoolName = (typeof NODE_POOLS)[number];

const addonVersion = z.string().regex(/^v\d+\.\d+\.\d+-eksbuild\.\d+$/, "must be an exact EKS add-on version such as v1.21.1-eksbuild.7");

const iamPrincipalArn = z
  .string()
  .regex(
    /^arn:aws(-cn|-us-gov)?:iam::\d{12}:(role|user)\/[\w+=,.@/-]{1,512}$/,
    "must be an IAM role or user ARN, e.g. arn:aws:iam::123456789012:role/platform-admins",
  );

const instanceType = z
  .string()
  .regex(/^[a-z][a-z0-9-]*\.[a-z0-9-]+$/, { message: "must be an EC2 instance type such as m7i.large", abort: true })
  .superRefine(knownInstanceType);

const kubernetesLabelKey = z
  .string()
  .regex(
    /^([a-z0-9]([a-z0-9.-]{0,251}[a-z0-9])?\/)?[A-Za-z0-9]([A-Za-z0-9._-]{0,61}[A-Za-z0-9])?$/,
    "must be a Kubernetes label key: an optional DNS prefix and '/', then up to 63 letters, digits, '-', '_' or '.'",
  );

const kubernetesLabelValue = z
  .string()
  .regex(/^([A-Za-z0-9]([A-Za-z0-9._-]{0,61}[A-Za-z0-9])?)?$/, "must be a Kubernetes label value: up to 63 letters, digits, '-', '_' or '.'");

/** How a workload's pods get AWS credentials: IRSA (web identity from the cluster's OIDC provider) or EKS Pod Identity. */
export const WORKLOAD_IDENTITIES = ["irsa", "pod-identity"] as const;
export type WorkloadIdentity = (typeof WORKLOAD_IDENTITIES)[number];

export const TAINT_EFFECTS = ["NO_SCHEDULE", "NO_EXECUTE", "PREFER_NO_SCHEDULE"] as const;

const taint = z.strictObject({
  key: kubernetesLabelKey.describe("Taint key."),
  value: kubernetesLabelValue.optional().describe("Taint value. @default none"),
  effect: z.enum(TAINT_EFFECTS).describe("What the taint does to pods that do not tolerate it."),
});

export type NodeTaint = z.output<typeof taint>;

interface NodeGroupDefaults {
  readonly role: string;
  readonly capacityType: "ON_DEMAND" | "SPOT";
  readonly instanceTypes: string[];
  readonly minSize: number;
  readonly desiredSize: number;
  readonly maxSize: number;
  readonly oneGroupPerAz: boolean;
  readonly taints: NodeTaint[];
}

/** `workload=<pool>:NoSchedule`: the taint that keeps every pod without the matching toleration off a pool. */
export function workloadTaint(pool: NodePoolName): NodeTaint {
  return { key: "workload", value: pool, effect: "NO_SCHEDULE" };
}

const size = (what: string, fallback: number) =>
  z.number().int("must be a whole number").min(0, "must be 0 or more").max(1000, "must be at most 1000").default(fallback).describe(`${what}.`);

const nodeGroup = (defaults: NodeGroupDefaults) =>
  z
    .strictObject({
      capacityType: z.enum(["ON_DEMAND", "SPOT"]).default(defaults.capacityType).describe("On-demand or spot capacity."),
      instanceTypes: z
        .array(instanceType)
        .min(1, "needs at least one instance type")
        .max(20, "allows at most 20 instance types (EKS managed node group limit)")
        .default(defaults.instanceTypes)
        .describe("Instance types, all of one CPU architecture and similar size."),
      minSize: size("Fewest nodes (per AZ when oneGroupPerAz)", defaults.minSize),
      desiredSize: size("Nodes at creation (per AZ when oneGroupPerAz); the Cluster Autoscaler owns it afterwards", defaults.desiredSize),
      maxSize: size("Most nodes (per AZ when oneGroupPerAz)", defaults.maxSize),
      oneGroupPerAz: z
        .boolean()
        .default(defaults.oneGroupPerAz)
        .describe("One node group per AZ instead of one spanning all AZs, so the Cluster Autoscaler can add a node in the AZ of a pod's EBS volume."),
      diskSizeGiB: z
        .number()
        .int("must be a whole number")
        .min(20, "must be between 20 and 16384 GiB")
        .max(16384, "must be between 20 and 16384 GiB")
        .default(50)
        .describe("Size of each node's encrypted gp3 root volume."),
      maxUnavailablePercentage: z
        .number()
        .int("must be a whole number")
        .min(1, "must be between 1 and 100")
        .max(100, "must be between 1 and 100")
        .default(33)
        .describe("Share of nodes a rolling update may replace at once."),
      labels: z.record(kubernetesLabelKey, kubernetesLabelValue).default({ workload: defaults.role }).describe("Kubernetes labels of the nodes."),
      taints: z.array(taint).default(defaults.taints).describe("Kubernetes taints of the nodes; pods without a matching toleration stay off them."),
    })
    .prefault({})
    .describe(`The ${defaults.role} node group.`);

export const clusterSchema = z
  .strictObject({
    version: z
      .string()
      .regex(/^1\.\d{2}$/, { message: 'must be a Kubernetes minor version in quotes, e.g. "1.35"', abort: true })
      .superRefine(supportedKubernetesVersion)
      .default(DEFAULT_KUBERNETES_VERSION)
      .describe("Kubernetes version of the control plane and nodes."),
    endpoint: z
      .strictObject({
        publicAccess: z.boolean().default(false).describe("Expose the API server endpoint on the internet as well as inside the VPC."),
        publicAccessCidrs: z
          .array(ipv4Cidr)
          .default([])
          .describe("Networks allowed to the public endpoint; required when publicAccess is true. 0.0.0.0/0 is refused for production."),
        privateAccessCidrs: z
          .array(ipv4Cidr)
          .default([])
          .describe("Networks outside the VPC's nodes (VPN, peered CI runners) allowed to the private endpoint on 443."),
      })
      .prefault({})
      .describe("Who can reach the Kubernetes API server."),
    adminPrincipals: z
      .array(iamPrincipalArn)
      .default([])
      .describe("IAM roles or users that get cluster-admin through an access entry (besides the environment's deploy role)."),
    logRetentionDays: retentionDays.default(90),
    nodeGroups: z
      .strictObject({
        system: nodeGroup({
          role: "system",
          capacityType: "ON_DEMAND",
          instanceTypes: ["m7i.large"],
          minSize: 2,
          desiredSize: 2,
          maxSize: 4,
          oneGroupPerAz: false,
          // Untainted: pods that declare no placement (chart hooks, Jobs) land here, never on the stateful or spot pools.
          taints: [],
        }),
        stateful: nodeGroup({
          role: "stateful",
          capacityType: "ON_DEMAND",
          instanceTypes: ["r7i.large"],
          minSize: 1,
          desiredSize: 1,
          maxSize: 3,
          oneGroupPerAz: true,
          taints: [workloadTaint("stateful")],
        }),
        stateless: nodeGroup({
          role: "stateless",
          capacityType: "SPOT",
          instanceTypes: ["m7i.large", "m6i.large", "m5.large", "m7a.large", "m6a.large"],
          minSize: 0,
          desiredSize: 2,
          maxSize: 20,
          oneGroupPerAz: false,
          taints: [workloadTaint("stateless")],
        }),
      })
      .prefault({})
      .describe("Managed node groups: system (cluster-critical add-ons), stateful (on demand), stateless (spot)."),
    autoscaler: z
      .enum(AUTOSCALERS)
      .default("cluster-autoscaler")
      .describe(
        'What adds and removes the stateful and stateless nodes: the Cluster Autoscaler resizing their managed node groups, or Karpenter launching instances from NodePools with the same labels and taints (the system node group stays either way; docs/cluster.md, "Choosing an autoscaler").',
      ),
    karpenter: z
      .strictObject({
        amiRelease: z
          .string()
          .regex(/^v\d{8}$/, "must be an EKS AL2023 AMI release such as v20260120")
          .default(DEFAULT_KARPENTER_AMI_RELEASE)
          .describe(
            "Release of the EKS-optimized AL2023 AMI Karpenter's nodes boot (alias al2023@<release>), published for cluster.version; changing it rolls Karpenter's nodes through their disruption budgets.",
          ),
        keepNodeGroups: z
          .boolean()
          .default(false)
          .describe(
            'While moving an existing environment to Karpenter: keep the stateful and stateless managed node groups (no longer autoscaled) until their pods are drained onto Karpenter\'s nodes, then remove this (docs/cluster.md, "Migrating to Karpenter").',
          ),
      })
      .prefault({})
      .describe("Karpenter's nodes, used when autoscaler is karpenter."),
    addons: z
      .strictObject({
        vpcCni: addonVersion.default(DEFAULT_ADDON_VERSIONS.vpcCni).describe("vpc-cni add-on version."),
        coredns: addonVersion.default(DEFAULT_ADDON_VERSIONS.coredns).describe("coredns add-on version."),
        kubeProxy: addonVersion.default(DEFAULT_ADDON_VERSIONS.kubeProxy).describe("kube-proxy add-on version."),
        ebsCsiDriver: addonVersion.default(DEFAULT_ADDON_VERSIONS.ebsCsiDriver).describe("aws-ebs-csi-driver add-on version."),
        podIdentityAgent: addonVersion.default(DEFAULT_ADDON_VERSIONS.podIdentityAgent).describe("eks-pod-identity-agent add-on version."),
        snapshotController: addonVersion
          .default(DEFAULT_ADDON_VERSIONS.snapshotController)
          .describe("snapshot-controller add-on version (VolumeSnapshot CRDs and controller, for Velero's CSI snapshots)."),
      })
      .prefault({})
      .describe("EKS managed add-on versions, pinned (no version look-up at plan time)."),
    workloadIdentity: z
      .enum(WORKLOAD_IDENTITIES)
      .default("irsa")
      .describe(
        "How add-ons and the application get AWS credentials: irsa (a role-arn annotation on the service account, web identity from the cluster's OIDC provider) or pod-identity (an EKS Pod Identity association per service account; IRSA stays for what cannot use it, docs/cluster.md).",
      ),
    keepIrsaTrust: z
      .boolean()
      .default(false)
      .describe(
        "With pod-identity: the roles also trust their own service account's IRSA token, so pods started before a switch from irsa keep refreshing credentials until they restart. Set back to false once every workload has restarted.",
      ),
  })
  .prefault({})
  .describe("The EKS cluster: control plane, access, node groups and add-ons.");

export type ClusterConfig = z.output<typeof clusterSchema>;
export type NodeGroupConfig = ClusterConfig["nodeGroups"][NodePoolName];

export interface ClusterProblem {
  readonly path: (string | number)[];
  readonly message: string;
}

const ON_DEMAND_POOLS: readonly NodePoolName[] = ["system", "stateful"];

/** Graviton families carry a `g` right after the generation digit (m7g, c7gn, r8g). */
export function isArmInstanceType(type: string): boolean {
  return /^[a-z]+\d+g[a-z]*\./.test(type);
}

/** The pins of the platform layer that follow the Kubernetes minor: the Cluster Autoscaler chart (its image follows the minor). */
export interface MinorBoundPlatformPins {
  readonly clusterAutoscaler: { readonly enabled: boolean; readonly version?: string };
  readonly karpenter?: { readonly enabled: boolean };
}

/**
 * Every pin built for one Kubernetes minor that a newer `cluster.version` needs overridden, as config paths: each
 * add-on still at its default build, and the Cluster Autoscaler chart while it is enabled and not overridden.
 */
export function pinsToOverride(cluster: ClusterConfig, platform: MinorBoundPlatformPins): string[] {
  const addons = (Object.keys(DEFAULT_ADDON_VERSIONS) as (keyof typeof DEFAULT_ADDON_VERSIONS)[])
    .filter((addon) => cluster.addons[addon] === DEFAULT_ADDON_VERSIONS[addon])
    .map((addon) => `cluster.addons.${addon}`);
  const karpenter = cluster.autoscaler === "karpenter";
  const chart =
    !karpenter && platform.clusterAutoscaler.enabled && platform.clusterAutoscaler.version === undefined ? ["platform.clusterAutoscaler.version"] : [];
  const ami = karpenter && cluster.karpenter.amiRelease === DEFAULT_KARPENTER_AMI_RELEASE ? ["cluster.karpenter.amiRelease"] : [];
  return [...addons, ...chart, ...ami];
}

/**
 * A `cluster.version` newer than the pinned minor, refused in one line naming every pin still to override (the rule
 * needs the platform section, so it runs with the rules across sections, not with {@link checkCluster}).
 */
export function checkKubernetesUpgrade(cluster: ClusterConfig, platform: MinorBoundPlatformPins): ClusterProblem[] {
  if (minorOf(cluster.version) <= minorOf(DEFAULT_KUBERNETES_VERSION)) return [];
  const missing = pinsToOverride(cluster, platform);
  return missing.length === 0
    ? []
    : [
        {
          path: ["version"],
          message: `"${cluster.version}" is newer than the ${DEFAULT_KUBERNETES_VERSION} the pinned add-ons and charts are built for: give ${cluster.version} builds for ${missing.join(", ")} (docs/cluster.md, "Upgrading Kubernetes")`,
        },
      ];
}

/**
 * The autoscaler choice against the platform section: Karpenter chosen but its add-on switched off would leave the
 * stateful and stateless workloads without nodes. Paths are below the environment.
 */
export function checkAutoscaler(cluster: ClusterConfig, platform: MinorBoundPlatformPins): ClusterProblem[] {
  if (cluster.autoscaler === "karpenter" && platform.karpenter?.enabled === false) {
    return [
      {
        path: ["platform", "karpenter", "enabled"],
        message: "must be true while cluster.autoscaler is karpenter: nothing else would launch the stateful and stateless nodes",
      },
    ];
  }
  return [];
}

/** Rules across fields of the cluster section; `isProduction` tightens the endpoint rule. Paths are below `cluster`. */
export function checkCluster(cluster: ClusterConfig, isProduction: boolean): ClusterProblem[] {
  const problems: ClusterProblem[] = [];
  const { endpoint } = cluster;
  if (endpoint.publicAccess && endpoint.publicAccessCidrs.length === 0) {
    problems.push({
      path: ["endpoint", "publicAccessCidrs"],
      message: "must list the networks allowed to the public endpoint when publicAccess is true (EKS would otherwise open it to 0.0.0.0/0)",
    });
  }
  if (!endpoint.publicAccess && endpoint.publicAccessCidrs.length > 0) {
    problems.push({ path: ["endpoint", "publicAccessCidrs"], message: "has no effect while publicAccess is false; remove it or set publicAccess: true" });
  }
  endpoint.publicAccessCidrs.forEach((cidr, index) => {
    if (isProduction && cidr.endsWith("/0")) {
      problems.push({
        path: ["endpoint", "publicAccessCidrs", index],
        message: `"${cidr}" opens the API endpoint to the whole internet, which a production tier does not allow; list your office, VPN or CI networks`,
      });
    }
  });
  if (cluster.keepIrsaTrust && cluster.workloadIdentity !== "pod-identity") {
    problems.push({
      path: ["keepIrsaTrust"],
      message: "bridges a switch to pod-identity and has no effect with workloadIdentity irsa; remove it or set workloadIdentity: pod-identity",
    });
  }
  for (const pool of NODE_POOLS) {
    const group = cluster.nodeGroups[pool];
    if (group.minSize > group.desiredSize || group.desiredSize > group.maxSize) {
      problems.push({
        path: ["nodeGroups", pool, "desiredSize"],
        message: `needs minSize ≤ desiredSize ≤ maxSize, got ${group.minSize} ≤ ${group.desiredSize} ≤ ${group.maxSize}`,
      });
    }
    if (group.maxSize < 1) {
      problems.push({ path: ["nodeGroups", pool, "maxSize"], message: "must be at least 1 (EKS managed node groups need room for one node)" });
    }
    const arm = group.instanceTypes.filter(isArmInstanceType);
    if (arm.length > 0 && arm.length < group.instanceTypes.length) {
      problems.push({
        path: ["nodeGroups", pool, "instanceTypes"],
        message: `mixes Graviton (${arm.join(", ")}) and x86 types; one node group runs one AMI architecture`,
      });
    }
    if (new Set(group.instanceTypes).size !== group.instanceTypes.length) {
      problems.push({ path: ["nodeGroups", pool, "instanceTypes"], message: "lists an instance type twice" });
    }
  }
  for (const pool of ON_DEMAND_POOLS) {
    if (cluster.nodeGroups[pool].capacityType !== "ON_DEMAND") {
      problems.push({
        path: ["nodeGroups", pool, "capacityType"],
        message: `must be ON_DEMAND: the ${pool} group runs workloads that must not lose nodes to spot interruptions`,
      });
    }
  }
  // kube-proxy may not be newer than the API server, and EKS publishes one kube-proxy build line per minor.
  const kubeProxyMinor = /^v1\.(\d+)\./.exec(cluster.addons.kubeProxy)?.[1];
  const versionSupported = minorOf(cluster.version) >= minorOf(MIN_KUBERNETES_VERSION);
  // A newer minor still on the default build is named among the pins to override (checkKubernetesUpgrade).
  const kubeProxyPending = minorOf(cluster.version) > minorOf(DEFAULT_KUBERNETES_VERSION) && cluster.addons.kubeProxy === DEFAULT_ADDON_VERSIONS.kubeProxy;
  if (versionSupported && !kubeProxyPending && kubeProxyMinor !== undefined && Number(kubeProxyMinor) !== minorOf(cluster.version)) {
    problems.push({
      path: ["addons", "kubeProxy"],
      message: `${cluster.addons.kubeProxy} is the kube-proxy build for 1.${kubeProxyMinor}, but cluster.version is "${cluster.version}"; use the ${cluster.version} build (aws eks describe-addon-versions --addon-name kube-proxy --kubernetes-version ${cluster.version})`,
    });
  }
  // Each add-on version against what EKS publishes for the cluster's minor (config/schema/eks-addons.ts).
  for (const [addon, version] of Object.entries(cluster.addons)) {
    const problem = unknownAddonVersion(addon, version, cluster.version);
    // One line a field: a kube-proxy of another minor is already named as such above.
    const named = problems.some((each) => each.path.join(".") === `addons.${addon}`);
    if (problem && !named) problems.push({ path: ["addons", addon], message: problem });
  }
  if (cluster.karpenter.keepNodeGroups && cluster.autoscaler !== "karpenter") {
    problems.push({
      path: ["karpenter", "keepNodeGroups"],
      message: "has no effect while autoscaler is cluster-autoscaler (the node groups exist anyway); remove it or set autoscaler: karpenter",
    });
  }
  const stateless = cluster.nodeGroups.stateless;
  if (stateless.capacityType !== "SPOT") {
    problems.push({ path: ["nodeGroups", "stateless", "capacityType"], message: "must be SPOT: the stateless group is the spot capacity of the cluster" });
  }
  if (stateless.instanceTypes.length < 3) {
    problems.push({
      path: ["nodeGroups", "stateless", "instanceTypes"],
      message: `needs at least 3 instance types of similar shape so spot capacity comes from several pools, got ${stateless.instanceTypes.length}`,
    });
  }
  return problems;
}
