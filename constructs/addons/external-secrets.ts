import { AddOn, AddOnContext, placement, replicas, containerResources, topologySpread, Values } from "./add-on";

/** A Deployment of the external-secrets chart (controller, webhook, cert controller) sized and spread for its tier. */
function component(context: AddOnContext, component: string, cpu: string, memory: string): Values {
  return {
    replicaCount: replicas(context),
    priorityClassName: "system-cluster-critical",
    ...placement(context, "system"),
    resources: containerResources(cpu, memory),
    podDisruptionBudget: { enabled: context.production, minAvailable: 1 },
    topologySpreadConstraints: topologySpread(context, { "app.kubernetes.io/name": component }),
  };
}

/**
 * External Secrets: copies secrets from AWS Secrets Manager into Kubernetes Secrets and generated ones back. The
 * controller itself has no AWS identity: each namespace's SecretStore authenticates as that namespace's own service
 * account (`secret-stores.ts`), so what a namespace can read is decided by its role, not by the controller's.
 */
export const externalSecrets: AddOn<"externalSecrets"> = {
  name: "externalSecrets",
  releaseName: "external-secrets",
  chart: { chart: "external-secrets", repository: "https://charts.external-secrets.io", version: "2.9.0" },
  namespace: "external-secrets",
  podSecurity: { level: "restricted" },
  provides: ["secret-store"],
  values(context) {
    return {
      installCRDs: true,
      // One active controller among the replicas; the others wait for the lease.
      leaderElect: context.production,
      serviceAccount: { name: "external-secrets" },
      ...component(context, "external-secrets", "50m", "128Mi"),
      webhook: component(context, "external-secrets-webhook", "20m", "64Mi"),
      certController: component(context, "external-secrets-cert-controller", "20m", "128Mi"),
    };
  },
};
