import type { EnvironmentConfig } from "../../config";

/** A Kubernetes object as a manifest. */
export interface KubeObject {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: {
    readonly name: string;
    readonly namespace?: string;
    readonly labels?: Record<string, string>;
    readonly annotations?: Record<string, string>;
  };
  readonly [key: string]: unknown;
}

/** A Helm release of a synthesized stack, with its values parsed (all values documents merged in order). */
export interface ReleaseModel {
  readonly stack: string;
  /** Terraform address, e.g. `helm_release.Vault_Release_1A2B3C`. */
  readonly address: string;
  readonly name: string;
  readonly namespace: string;
  readonly chart: string;
  readonly version: string;
  readonly values: Record<string, unknown>;
  /** Terraform addresses this release depends on (depends_on), in the same stack. */
  readonly dependsOn: readonly string[];
}

/** A Kubernetes object some part of the system creates. */
export interface ObjectModel {
  /** Where it comes from: `gitops:<overlay>`, `stack:<stack>:<address>`, `release:<stack>:<release name>`. */
  readonly source: string;
  readonly object: KubeObject;
}

export interface NodeTaintFacts {
  readonly key: string;
  readonly value?: string;
  /** As Kubernetes spells it: NoSchedule, PreferNoSchedule, NoExecute. */
  readonly effect: string;
}

/** One EKS managed node group as the scheduler sees its nodes. */
export interface NodePoolFacts {
  /** Node group name, e.g. `webapp-prod-stateful-eu-west-1a`. */
  readonly name: string;
  /** The config's pool: system, stateful or stateless. */
  readonly pool: string;
  readonly capacityType: "ON_DEMAND" | "SPOT";
  /** Kubernetes labels of the nodes, EKS's own included (`eks.amazonaws.com/capacityType`, `topology.kubernetes.io/zone` when one AZ). */
  readonly labels: Record<string, string>;
  readonly taints: readonly NodeTaintFacts[];
  /** AZs the group's subnets are in. */
  readonly zones: readonly string[];
}

/** A pod template some part of the system runs. */
export interface WorkloadFacts {
  readonly source: string;
  /** Deployment, StatefulSet, DaemonSet, Rollout, Job, CronJob ... */
  readonly kind: string;
  readonly name: string;
  readonly namespace: string;
  /** Who runs it: the platform's add-ons or the application (gitops/). */
  readonly owner: "platform" | "application";
  /** True when a pod of it mounts a PersistentVolumeClaim (volumeClaimTemplates included). */
  readonly persistentVolume: boolean;
  /** The pod spec as rendered (nodeSelector, tolerations, affinity, volumes, containers ...). */
  readonly podSpec: Record<string, unknown>;
  /** Annotations of the pod template (the Vault injector reads them). Optional: added by the contracts helper. */
  readonly podAnnotations?: Record<string, string>;
  /**
   * True when the pod spec carries the chart's Pod Security fields (securityContext, host switches, extra containers)
   * as tools/contracts/chart-workloads.ts models them; objects' pod specs always carry them. Added by the addons helper.
   */
  readonly securityModelled?: boolean;
}

/** The whole synthesized system of one environment. */
export interface SystemModel {
  readonly environment: EnvironmentConfig;
  /** Synthesized `cdk.tf.json` per stack name (this environment's stacks and the bootstrap stack of its account). */
  readonly stacks: Readonly<Record<string, Record<string, unknown>>>;
  readonly releases: readonly ReleaseModel[];
  readonly objects: readonly ObjectModel[];
  readonly nodePools: readonly NodePoolFacts[];
  readonly workloads: readonly WorkloadFacts[];
  /**
   * The stacks each stack is deployed after (cdktf's manifest), for install order across stacks. Optional: added by
   * the contracts helper; absent means no order between stacks is known.
   */
  readonly stackDependencies?: Readonly<Record<string, readonly string[]>>;
}

/** One broken reference: who consumes what, and what exists instead. */
export interface Finding {
  readonly contract: string;
  readonly consumer: string;
  readonly reference: string;
  readonly instead: string;
}

/** One contract over the whole system. */
export interface Contract {
  readonly name: string;
  readonly description: string;
  check(model: SystemModel): { readonly checked: number; readonly findings: readonly Finding[] };
}
