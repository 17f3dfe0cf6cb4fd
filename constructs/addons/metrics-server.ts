import { AddOn, KUBE_SYSTEM, placement, replicas, topologySpread } from "./add-on";

/** metrics-server: the resource metrics API that the HorizontalPodAutoscaler and `kubectl top` read. */
export const metricsServer: AddOn<"metricsServer"> = {
  name: "metricsServer",
  releaseName: "metrics-server",
  chart: { chart: "metrics-server", repository: "https://kubernetes-sigs.github.io/metrics-server/", version: "3.13.1" },
  ...KUBE_SYSTEM,
  values(context) {
    return {
      replicas: replicas(context),
      priorityClassName: "system-cluster-critical",
      ...placement(context, "system"),
      // The chart's defaults hold requests only; requests are what the scheduler and autoscaler need.
      resources: { requests: { cpu: "100m", memory: "200Mi" } },
      podDisruptionBudget: { enabled: context.production, minAvailable: 1 },
      topologySpreadConstraints: topologySpread(context, { "app.kubernetes.io/name": "metrics-server" }),
    };
  },
};
