import { AddOn, KUBE_SYSTEM, placement, replicas, containerResources, topologySpread } from "./add-on";

/**
 * Cluster Autoscaler for the managed node groups. It finds them by the auto-discovery tags the cluster layer puts on
 * the node groups, and runs the image of the cluster's Kubernetes minor (the autoscaler supports only its own minor).
 */
export const clusterAutoscaler: AddOn<"clusterAutoscaler"> = {
  name: "clusterAutoscaler",
  releaseName: "cluster-autoscaler",
  chart: { chart: "cluster-autoscaler", repository: "https://kubernetes.github.io/autoscaler", version: "9.59.0" },
  ...KUBE_SYSTEM,
  installedWhen: (context) => context.autoscaler === "cluster-autoscaler",
  values(context) {
    const role = context.controllerRoles.clusterAutoscaler;
    if (!role) throw new Error("the cluster-autoscaler add-on needs the controller role of the cluster layer (cluster.autoscaler: cluster-autoscaler)");
    return {
      cloudProvider: "aws",
      awsRegion: context.cluster.region,
      autoDiscovery: { clusterName: context.cluster.name },
      image: { tag: clusterAutoscalerImageTag(context.kubernetesVersion) },
      rbac: { serviceAccount: { create: true, name: role.serviceAccount, annotations: role.serviceAccountAnnotations } },
      // extraArgs documents these flags only in comments, so they go through the open customArgs list.
      customArgs: [
        `--expander=${context.settings.expander}`,
        "--balance-similar-node-groups=true",
        "--skip-nodes-with-system-pods=false",
        "--skip-nodes-with-local-storage=false",
      ],
      replicaCount: replicas(context),
      priorityClassName: "system-cluster-critical",
      ...placement(context, "system"),
      resources: containerResources("100m", "300Mi", "600Mi"),
      podDisruptionBudget: { maxUnavailable: 1 },
      topologySpreadConstraints: topologySpread(context, { "app.kubernetes.io/name": "aws-cluster-autoscaler" }),
    };
  },
};

/** The autoscaler release of a Kubernetes minor: `v<minor>.0` (override `image.tag` in values for a later patch). */
export function clusterAutoscalerImageTag(kubernetesVersion: string): string {
  const match = /^1\.(\d+)$/.exec(kubernetesVersion);
  if (!match) throw new Error(`kubernetesVersion "${kubernetesVersion}" is not a Kubernetes minor such as "1.33"`);
  return `v1.${match[1]}.0`;
}
