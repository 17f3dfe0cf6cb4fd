import { Construct } from "constructs";
import { Release } from "@cdktf/provider-helm/lib/release";
import type { PlatformConfig } from "../../config/schema/platform";
import { ClusterRef } from "../cluster/cluster-ref";
import { PodPlacement } from "../cluster/node-group";
import { AwsLocation } from "../core/aws-scope";
import { PolicyStatement } from "../iam/policy-document";
import { WorkloadIdentityOptions } from "../iam/workload-identity";
import { WorkloadRole } from "../iam/workload-role";
import type { KarpenterNodeSettings } from "./karpenter";

/** Helm values: a YAML map. */
export type Values = Record<string, unknown>;

/** A Kubernetes object as its manifest (apiVersion, kind, metadata, spec ...). */
export type KubernetesObject = Record<string, unknown> & {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; annotations?: Record<string, string> };
};

/** Where a chart comes from: data next to the add-on, the version overridable from config. */
export interface HelmChart {
  readonly chart: string;
  readonly repository: string;
  readonly version: string;
}

/**
 * Pod Security Admission level the add-on's namespace enforces. Anything weaker than `restricted` carries the reason,
 * so a reviewer sees why the namespace may run privileged pods.
 */
export type PodSecurity = { readonly level: "restricted" } | { readonly level: "baseline" | "privileged"; readonly reason: string };

/** The add-ons of the platform, by their key under `platform:` in the environment config. */
export type AddOnName = Exclude<keyof PlatformConfig, "storageClass">;

/** A secret copied from Secrets Manager into a Kubernetes Secret by an ExternalSecret. */
export interface SecretDelivery {
  /** Name of the Kubernetes Secret (and of the ExternalSecret). */
  readonly name: string;
  readonly namespace: string;
  /** Each key of the Kubernetes Secret and where it comes from. */
  readonly data: ReadonlyArray<{ readonly secretKey: string; readonly secretName: string; readonly property?: string }>;
  /** Extra labels of the Kubernetes Secret (Argo CD finds its secrets by label). */
  readonly labels?: Record<string, string>;
}

/**
 * A secret the platform generates (External Secrets' Password generator), delivered into a Kubernetes Secret once and
 * copied by a PushSecret into Secrets Manager, where people read it; its value never passes through Terraform.
 */
export interface GeneratedSecret {
  /** Name of the Kubernetes Secret (and of its generator, ExternalSecret and PushSecret). */
  readonly name: string;
  readonly namespace: string;
  /** Secrets Manager name of the copy. */
  readonly secretName: string;
  /** The Secret's keys; `{{ .password }}` stands for the generated password (32 characters). */
  readonly data: Record<string, string>;
}

/** A Secrets Manager secret the user supplies that an object of another stack reads in the add-on's namespace. */
export interface ExternalRead {
  readonly secretName: string;
  /** Who reads it and what it holds, for the secret's description. */
  readonly description: string;
}

/**
 * What an add-on is given to build its values and objects: the environment, the cluster and settings. It holds no
 * scope: `values()` and `manifests()` are pure functions of it (and of what `resources()` built), so they can be
 * called any number of times without adding to the Terraform tree.
 */
export interface AddOnContext<Name extends AddOnName = AddOnName> {
  /** The environment's name prefix (`<project>-<environment>`): names of AWS resources, owners, aliases. */
  readonly prefix: string;
  /** The VPC's CIDR: what "inside the network" means for an internal endpoint's allowed sources. */
  readonly vpcCidr: string;
  /** Node selector and tolerations of each node pool, from the environment's node groups (read with `placement`). */
  readonly pools: Readonly<Record<NodePool, PodPlacement>>;
  /** Whether the environment runs the application (it has an edge, so the delivery stack deploys `web`). */
  readonly application: boolean;
  /** The Secrets Manager secret of Argo CD's repository credentials, when the environment has an edge. */
  readonly gitopsRepoCredentialsSecret?: string;
  /** The environment's disaster recovery region (database.disasterRecovery), when it has one: backups are copied there. */
  readonly recoveryRegion?: string;
  readonly cluster: ClusterRef;
  /** Account, partition and region of the platform stack. */
  readonly location: AwsLocation;
  /** Kubernetes minor version ("1.33"), known at synth time. */
  readonly kubernetesVersion: string;
  /** True in a production tier: ≥ 2 replicas, PDBs and topology spread. */
  readonly production: boolean;
  readonly settings: PlatformConfig[Name];
  readonly platform: PlatformConfig;
  /** The cluster's workload identity, for a role an add-on builds in a construct of its own (`workloadRole`). */
  readonly workloadIdentity: WorkloadIdentityOptions;
  /** Roles of the controllers (IRSA or Pod Identity), created by the cluster layer. */
  readonly controllerRoles: ControllerRoles;
  /** The add-on's namespace. */
  readonly namespace: string;
  /** StorageClass for the add-on's volumes; absent when the platform creates none and volumes use the cluster's default. */
  readonly storageClassName?: string;
  /** What adds the stateful and stateless nodes (`cluster.autoscaler`): decides which autoscaler add-on installs. */
  readonly autoscaler: "cluster-autoscaler" | "karpenter";
  /** Karpenter's node settings, when `cluster.autoscaler` is karpenter (its NodePools and EC2NodeClasses read them). */
  readonly karpenter?: KarpenterNodeSettings;
}

/** The context of the hooks that build Terraform resources (`resources()`, `extend()`): a scope of the add-on's own. */
export interface AddOnScope<Name extends AddOnName = AddOnName> extends AddOnContext<Name> {
  /** The add-on's own construct: the resources it needs are created here. */
  readonly scope: Construct;
  /**
   * The role of one of the add-on's service accounts, named `<prefix>-<serviceAccount>`, with the cluster's workload
   * identity (`cluster.workloadIdentity`): an IRSA role, or a Pod Identity role and its association. Put its
   * `serviceAccountAnnotations` on the service account (the role-arn annotation with IRSA, none with Pod Identity).
   */
  irsaRole(serviceAccount: string, statements: PolicyStatement[], managedPolicyArns?: string[]): WorkloadRole;
}

export interface ControllerRoles {
  /** Absent when `cluster.autoscaler` is karpenter. */
  readonly clusterAutoscaler?: WorkloadRole;
  readonly awsLoadBalancerController: WorkloadRole;
  /** Present when `cluster.autoscaler` is karpenter. */
  readonly karpenter?: WorkloadRole;
}

/**
 * What an add-on does for every other one, declared so the installer needs no add-on's name:
 * - `secret-store`: its CRDs deliver Secrets Manager secrets into Kubernetes Secrets (External Secrets). The installer
 *   applies the SecretStores, ExternalSecrets and PushSecrets right after its release, and every release that needs a
 *   secret waits for them.
 * - `admission-webhooks`: its webhooks intercept Services and Pods in every namespace and fail them while it is not
 *   running (the load balancer controller), so every other release waits for it.
 */
export type Capability = "secret-store" | "admission-webhooks";

/**
 * One Helm add-on (cdk-eks-blueprints style): the chart as data, the AWS resources it needs, the values the project
 * passes, and what the add-on adds around its release. The installer creates the namespace, builds `resources()`
 * once, merges the user's values over `values()` and creates the release with the platform's release settings.
 */
export interface AddOn<Name extends AddOnName = AddOnName, Resources = unknown> {
  /** Key of the add-on under `platform:` in config. */
  readonly name: Name;
  /** Helm release name. */
  readonly releaseName: string;
  readonly chart: HelmChart;
  readonly namespace: string;
  readonly podSecurity: PodSecurity;
  /** What the add-on does for every other add-on (see `Capability`). */
  readonly provides?: readonly Capability[];
  /** Add-ons whose releases (and CRD objects) must be installed first, when they are enabled: their CRDs or webhooks are used. */
  readonly after?: readonly AddOnName[];
  /**
   * Whether the add-on installs besides its `enabled` switch, from the context (the autoscaler add-ons follow
   * `cluster.autoscaler`). @default always
   */
  installedWhen?(context: AddOnContext<Name>): boolean;
  /** Seconds Helm waits for the release to be ready, for a chart slower than `RELEASE_SETTINGS.timeout`. */
  readonly timeoutSeconds?: number;
  /** The AWS (and other Terraform) resources the values and objects refer to: IRSA roles, keys, certificates. Built once. */
  resources?(context: AddOnScope<Name>): Resources;
  values(context: AddOnContext<Name>, resources: Resources): Values;
  /** Secrets from Secrets Manager the release needs before its pods start. */
  secrets?(context: AddOnContext<Name>): SecretDelivery[];
  /** Secrets the platform generates for the release (before its pods start). */
  generatedSecrets?(context: AddOnContext<Name>): GeneratedSecret[];
  /** User-supplied secrets other stacks' objects read in the add-on's namespace (its SecretStore must grant them). */
  externalReads?(context: AddOnContext<Name>): ExternalRead[];
  /** Objects of the add-on's own CRDs (issuers, clusters), applied after the release. */
  manifests?(context: AddOnContext<Name>, resources: Resources): KubernetesObject[];
  /** Terraform resources around the release (CronJobs, buckets) that need the release or namespace. */
  extend?(context: AddOnScope<Name>, release: Release, resources: Resources): void;
}

export function isMap(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Helm's merge of values files: maps merge key by key, anything else (lists included) is replaced by `over`. */
export function mergeValues(base: Values, over: Values): Values {
  const result: Values = { ...base };
  for (const [key, value] of Object.entries(over)) {
    const current = result[key];
    result[key] = isMap(current) && isMap(value) ? mergeValues(current, value) : value;
  }
  return result;
}

/** Requests every add-on container declares, so the scheduler and the autoscaler can plan for it. */
export function containerResources(cpu: string, memory: string, memoryLimit = memory): Values {
  return { requests: { cpu, memory }, limits: { memory: memoryLimit } };
}

/** Spreads replicas over zones (hard) and nodes (soft) in production, so a lost zone or node keeps one running. */
export function topologySpread(context: AddOnContext, matchLabels: Record<string, string>): Values[] {
  if (!context.production) return [];
  return [
    { maxSkew: 1, topologyKey: "topology.kubernetes.io/zone", whenUnsatisfiable: "DoNotSchedule", labelSelector: { matchLabels } },
    { maxSkew: 1, topologyKey: "kubernetes.io/hostname", whenUnsatisfiable: "ScheduleAnyway", labelSelector: { matchLabels } },
  ];
}

/**
 * Where an add-on's pods run. `system`: controllers and UIs, on the system pool. `stateful`: every pod with a
 * persistent volume, on the on-demand stateful pool only; the gp3 StorageClass binds WaitForFirstConsumer, so the
 * volume is created in the AZ of the node the pod first lands on and the volume's node affinity keeps the pod in that
 * AZ afterwards, where a per-AZ stateful group lets the Cluster Autoscaler add a node.
 */
export type NodePool = "system" | "stateful";

/**
 * The node selector and tolerations of `pool`, read from the environment's node groups (so users' own labels and
 * taints are honoured). Add-ons put them at the paths their charts read; the `placement` contract checks the result.
 */
export function placement(context: Pick<AddOnContext, "pools">, pool: NodePool): PodPlacement {
  return context.pools[pool];
}

/** Replicas of a stateless controller: 2 in production (with a PDB), 1 elsewhere. */
export function replicas(context: AddOnContext): number {
  return context.production ? 2 : 1;
}

/** kube-system exists in every cluster and is neither created nor relabelled by the platform. */
export const KUBE_SYSTEM = {
  namespace: "kube-system",
  podSecurity: { level: "privileged", reason: "kube-system already exists and runs aws-node and kube-proxy, which need host access" },
} as const;

/**
 * The container securityContext of every container the platform writes: what the restricted Pod Security level
 * requires (no privilege escalation, no capabilities, non-root, the runtime's seccomp profile) and a read-only root
 * filesystem. An image that must write to its root filesystem overrides only `readOnlyRootFilesystem`, with the reason.
 */
export const RESTRICTED_CONTAINER = {
  allowPrivilegeEscalation: false,
  readOnlyRootFilesystem: true,
  runAsNonRoot: true,
  capabilities: { drop: ["ALL"] },
  seccompProfile: { type: "RuntimeDefault" },
};

/** The pod securityContext of the restricted level, running as the image's own non-root user and group. */
export function restrictedPod(runAsUser: number, runAsGroup: number = runAsUser): Values {
  // A copy, not the container's object: YAML would write a shared object once and alias it.
  return { runAsNonRoot: true, runAsUser, runAsGroup, seccompProfile: { ...RESTRICTED_CONTAINER.seccompProfile } };
}
