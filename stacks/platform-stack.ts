import { Construct } from "constructs";
import { EnvironmentConfig } from "../config";
import { ControllerRoles } from "../constructs/addons/add-on";
import { PLATFORM_ADD_ONS } from "../constructs/addons/catalog";
import { KarpenterClusterResources, KarpenterNodeSettings, KarpenterPoolConfig } from "../constructs/addons/karpenter";
import { isArmInstanceType, NodeGroupConfig } from "../config/schema/cluster";
import { clusterProviders } from "../constructs/cluster/kube-auth";
import { PlatformAddOns } from "../constructs/addons/platform-add-ons";
import { Gp3StorageClass } from "../constructs/addons/storage-class";
import { ClusterRef } from "../constructs/cluster/cluster-ref";
import { KmsKey } from "../constructs/security/kms-key";
import { EnvironmentStack } from "./environment-stack";

export interface PlatformStackProps {
  readonly cluster: ClusterRef;
  /** IRSA roles of the load balancer controller and the cluster autoscaler, created by the cluster layer. */
  readonly controllerRoles: ControllerRoles;
  /**
   * Kubernetes minor of the cluster ("1.33"), from the environment's config (`environment.cluster.version`): the
   * autoscaler's image tag must be known at synth time, and `cluster.kubernetesVersion` is a cross-stack token.
   */
  readonly kubernetesVersion: string;
  /** The node volume key of the cluster layer; the default StorageClass encrypts with it (the EBS CSI driver may use it). */
  readonly volumeKey: KmsKey;
  /** Karpenter's AWS side from the cluster layer, when `cluster.autoscaler` is karpenter. @default none (Cluster Autoscaler) */
  readonly karpenter?: KarpenterClusterResources;
}

/** `<env>-platform`: what runs inside the cluster so that applications scale, are observed, delivered and get secrets. */
export class PlatformStack extends EnvironmentStack {
  readonly addOns: PlatformAddOns;
  readonly storageClass?: Gp3StorageClass;

  constructor(scope: Construct, environment: EnvironmentConfig, props: PlatformStackProps) {
    super(scope, environment, "platform");
    clusterProviders(this, props.cluster);
    if (environment.platform.storageClass.enabled) {
      this.storageClass = new Gp3StorageClass(this, "DefaultStorageClass", { key: props.volumeKey, retainVolumes: environment.isProduction });
    }
    this.addOns = new PlatformAddOns(this, "AddOns", {
      environment,
      cluster: props.cluster,
      kubernetesVersion: props.kubernetesVersion,
      controllerRoles: props.controllerRoles,
      addOns: PLATFORM_ADD_ONS,
      storageClass: this.storageClass?.storageClass,
      karpenter: props.karpenter ? karpenterNodeSettings(environment, props.karpenter, props.volumeKey, this.defaultTags) : undefined,
    });
  }
}

/** Karpenter's NodePools and EC2NodeClasses from the config's node groups and the cluster layer's resources. */
function karpenterNodeSettings(
  environment: EnvironmentConfig,
  nodes: KarpenterClusterResources,
  volumeKey: KmsKey,
  tags: Readonly<Record<string, string>>,
): KarpenterNodeSettings {
  const { cluster } = environment;
  return {
    discoveryTag: environment.prefix,
    instanceProfile: nodes.instanceProfileName,
    interruptionQueue: nodes.interruptionQueueName,
    volumeKeyArn: volumeKey.arn,
    amiAlias: `al2023@${cluster.karpenter.amiRelease}`,
    zones: environment.network.availabilityZones,
    // The stack's default tags (the project's and the config's), which the provider cannot put on what Karpenter launches.
    tags,
    pools: { stateful: karpenterPool(cluster.nodeGroups.stateful), stateless: karpenterPool(cluster.nodeGroups.stateless) },
  };
}

/** A node group's config as a NodePool reads it, with the architecture of its instance types. */
export function karpenterPool(group: NodeGroupConfig): KarpenterPoolConfig {
  const { instanceTypes, desiredSize, maxSize, oneGroupPerAz, diskSizeGiB, labels, taints } = group;
  return {
    instanceTypes,
    desiredSize,
    maxSize,
    oneGroupPerAz,
    diskSizeGiB,
    labels,
    taints,
    architecture: instanceTypes.every(isArmInstanceType) ? "arm64" : "amd64",
  };
}
