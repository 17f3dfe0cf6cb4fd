import { Construct } from "constructs";
import { ITerraformDependable } from "cdktf";
import { AutoscalingGroupTagA as AutoscalingGroupTag } from "@cdktf/provider-aws/lib/autoscaling-group-tag";
import { EksNodeGroup } from "@cdktf/provider-aws/lib/eks-node-group";
import { isArmInstanceType, NodeGroupConfig, NodeTaint } from "../../config/schema/cluster";
import { autoscalerClusterTag } from "../iam/controller-policies";
import { NetworkSubnet } from "../network/network";
import type { EksControlPlane } from "./eks-cluster";
import { NodeLaunchTemplate } from "./launch-template";
import { NodeRole } from "./node-role";

const TAINT_EFFECTS_IN_KUBERNETES = { NO_SCHEDULE: "NoSchedule", NO_EXECUTE: "NoExecute", PREFER_NO_SCHEDULE: "PreferNoSchedule" } as const;

/** A taint effect as Kubernetes spells it (the EKS API uses NO_SCHEDULE, Kubernetes NoSchedule). */
export function kubernetesTaintEffect(effect: NodeTaint["effect"]): string {
  return TAINT_EFFECTS_IN_KUBERNETES[effect];
}

/** A toleration as a pod spec spells it. */
export interface Toleration {
  readonly key: string;
  readonly operator: "Equal" | "Exists";
  readonly value?: string;
  readonly effect: string;
}

/** What a pod needs to run on a node group and only there: the group's labels (and capacity type) selected, its taints tolerated. */
export interface PodPlacement {
  readonly nodeSelector: Record<string, string>;
  readonly tolerations: Toleration[];
}

/** The toleration of one node taint: equal to its value, or any value when the taint has none. */
export function tolerationOf(taint: NodeTaint): Toleration {
  return taint.value === undefined
    ? { key: taint.key, operator: "Exists", effect: kubernetesTaintEffect(taint.effect) }
    : { key: taint.key, operator: "Equal", value: taint.value, effect: kubernetesTaintEffect(taint.effect) };
}

/**
 * Pod placement on one pool of the config. The capacity type label is selected too, so a pod that must not run on spot
 * never does even if a user gives two pools the same labels; EKS sets that label on every managed node and the node
 * group's autoscaler tags announce it, so the Cluster Autoscaler can still scale the group from zero.
 */
export function podPlacement(group: Pick<NodeGroupConfig, "labels" | "taints" | "capacityType">): PodPlacement {
  return {
    nodeSelector: { ...group.labels, "eks.amazonaws.com/capacityType": group.capacityType },
    tolerations: group.taints.map(tolerationOf),
  };
}

/** Add-on pods that belong on one pool (the system nodes): its labels as node selector, its taints tolerated. */
export function addonPlacement(group: Pick<NodeGroupConfig, "labels" | "taints" | "capacityType">): Record<string, unknown> {
  const { nodeSelector, tolerations } = podPlacement(group);
  return { nodeSelector, ...(tolerations.length > 0 ? { tolerations } : {}) };
}

export interface ManagedNodeGroupProps {
  /** The control plane the nodes join. */
  readonly cluster: EksControlPlane;
  /**
   * Start of the group's name; Terraform appends a unique suffix. A change that EKS can only make by replacing the group
   * (instance types, subnets, the launch template) then creates the new group before it deletes the old one, instead of
   * draining the pool under a fixed name first (terraform-provider-aws#22499). Unique within the cluster only.
   */
  readonly namePrefix: string;
  /** The IAM role of the nodes (their instance profile). */
  readonly role: NodeRole;
  /** The launch template the nodes start from (root volume, metadata options, tags), at its latest version. */
  readonly launchTemplate: NodeLaunchTemplate;
  /** Private subnets the group launches into. */
  readonly subnets: readonly NetworkSubnet[];
  /** On-Demand or Spot instances. */
  readonly capacityType: "ON_DEMAND" | "SPOT";
  /** Instance types, all of one architecture (the AMI type follows it). */
  readonly instanceTypes: readonly string[];
  /** Fewest nodes the group (and the Cluster Autoscaler) keeps. */
  readonly minSize: number;
  /** Size at creation only: afterwards the Cluster Autoscaler owns it and Terraform ignores it. */
  readonly desiredSize: number;
  /** Most nodes the Cluster Autoscaler may scale the group to. */
  readonly maxSize: number;
  /** Kubernetes labels of the nodes. */
  readonly labels: Readonly<Record<string, string>>;
  /** Kubernetes taints of the nodes. */
  readonly taints: readonly NodeTaint[];
  /** Share of nodes a rolling update replaces at once. */
  readonly maxUnavailablePercentage: number;
  /**
   * Tags that may change over the environment's life (cost center, owner): on the group's Auto Scaling group and
   * propagated to the instances it launches from then on. Kept out of the launch template, whose every change is a new
   * version that rolls all nodes; Auto Scaling does not propagate them to volumes. @default none
   */
  readonly instanceTags?: Readonly<Record<string, string>>;
  /** What must exist before nodes join (the VPC CNI add-on, so nodes become Ready). @default none */
  readonly dependsOn?: ITerraformDependable[];
}

/**
 * An EKS managed node group on the AL2023 AMI, with the Cluster Autoscaler's auto-discovery tags and the node-template
 * label and taint tags on its Auto Scaling group, so the autoscaler can scale it up from zero knowing what a node will
 * look like. Managed node groups do not copy their tags to the Auto Scaling group, hence one aws_autoscaling_group_tag
 * per tag. Spot groups get Capacity Rebalancing from EKS itself. The group is replaced create-first under a name prefix.
 */
export class ManagedNodeGroup extends Construct {
  readonly nodeGroup: EksNodeGroup;
  /** The tags the Cluster Autoscaler reads from the group's Auto Scaling group. */
  readonly autoscalerTags: Record<string, string>;

  constructor(scope: Construct, id: string, props: ManagedNodeGroupProps) {
    super(scope, id);
    const { labels, taints } = props;
    this.nodeGroup = new EksNodeGroup(this, "NodeGroup", {
      clusterName: props.cluster.cluster.name,
      nodeGroupNamePrefix: props.namePrefix,
      nodeRoleArn: props.role.arn,
      subnetIds: props.subnets.map(({ subnet }) => subnet.id),
      amiType: props.instanceTypes.every(isArmInstanceType) ? "AL2023_ARM_64_STANDARD" : "AL2023_x86_64_STANDARD",
      capacityType: props.capacityType,
      instanceTypes: [...props.instanceTypes],
      version: props.cluster.version,
      launchTemplate: { id: props.launchTemplate.id, version: props.launchTemplate.latestVersion },
      scalingConfig: { minSize: props.minSize, desiredSize: props.desiredSize, maxSize: props.maxSize },
      updateConfig: { maxUnavailablePercentage: props.maxUnavailablePercentage },
      labels: { ...labels },
      taint: taints.map((taint) => ({ key: taint.key, value: taint.value, effect: taint.effect })),
      lifecycle: { createBeforeDestroy: true, ignoreChanges: ["scaling_config[0].desired_size"] },
      dependsOn: props.dependsOn,
    });

    this.autoscalerTags = {
      "k8s.io/cluster-autoscaler/enabled": "true",
      [autoscalerClusterTag(props.cluster.name)]: "owned",
      "k8s.io/cluster-autoscaler/node-template/label/eks.amazonaws.com/capacityType": props.capacityType,
      "k8s.io/cluster-autoscaler/node-template/label/eks.amazonaws.com/nodegroup": this.nodeGroup.nodeGroupName,
      ...Object.fromEntries(Object.entries(labels).map(([key, value]) => [`k8s.io/cluster-autoscaler/node-template/label/${key}`, value])),
      ...Object.fromEntries(
        taints.map((taint) => [`k8s.io/cluster-autoscaler/node-template/taint/${taint.key}`, `${taint.value ?? ""}:${kubernetesTaintEffect(taint.effect)}`]),
      ),
    };
    const autoscalingGroupName = this.nodeGroup.resources.get(0).autoscalingGroups.get(0).name;
    for (const [key, value] of Object.entries(this.autoscalerTags)) {
      new AutoscalingGroupTag(this, `AsgTag-${key}`, {
        autoscalingGroupName,
        tag: { key, value, propagateAtLaunch: false },
      });
    }
    for (const [key, value] of Object.entries(props.instanceTags ?? {})) {
      new AutoscalingGroupTag(this, `InstanceTag-${key}`, {
        autoscalingGroupName,
        tag: { key, value, propagateAtLaunch: true },
      });
    }
  }
}
