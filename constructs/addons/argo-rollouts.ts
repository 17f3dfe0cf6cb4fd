import { AddOn, placement, replicas, containerResources, topologySpread } from "./add-on";
import { argoHelmChart } from "./argo-cd";

/** Argo Rollouts: blue-green and canary Deployments, analysed against Prometheus. */
export const argoRollouts: AddOn<"argoRollouts"> = {
  name: "argoRollouts",
  releaseName: "argo-rollouts",
  chart: argoHelmChart("argo-rollouts", "2.41.0"),
  namespace: "argo-rollouts",
  podSecurity: { level: "restricted" },
  after: ["kubePrometheusStack"],
  values(context) {
    const monitored = context.platform.kubePrometheusStack.enabled;
    return {
      installCRDs: true,
      controller: {
        replicas: replicas(context),
        priorityClassName: "system-cluster-critical",
        ...placement(context, "system"),
        resources: containerResources("50m", "128Mi", "512Mi"),
        pdb: { enabled: context.production, minAvailable: 1 },
        topologySpreadConstraints: topologySpread(context, { "app.kubernetes.io/component": "rollouts-controller" }),
        metrics: { enabled: monitored, serviceMonitor: { enabled: monitored } },
      },
      dashboard: { enabled: false },
    };
  },
};
