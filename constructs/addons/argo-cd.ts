import { stringify } from "yaml";
import { AddOn, AddOnContext, placement, replicas, resources, topologySpread, Values } from "./add-on";
import { ArgoCdBackup } from "./argocd-backup";

export const ARGOCD_NAMESPACE = "argocd";
/** Argo CD reads `$argocd-oidc:clientSecret` only from Secrets labelled as part of Argo CD. */
const OIDC_SECRET = "argocd-oidc";
/** appVersion of the pinned chart: the backup runs the same CLI as the server, so the export format matches. */
const ARGOCD_VERSION = "v3.4.4";

/** A stateless Argo CD component: replicas, PDB, spread and requests for its tier. */
function component(context: AddOnContext, name: string, cpu: string, memory: string, memoryLimit: string): Values {
  return {
    replicas: replicas(context),
    pdb: { enabled: context.production, minAvailable: 1 },
    topologySpreadConstraints: topologySpread(context, { "app.kubernetes.io/name": `argocd-${name}` }),
    resources: resources(cpu, memory, memoryLimit),
  };
}

function ingress(hostname: string): Values {
  return {
    enabled: true,
    // The chart's `aws` mode adds the gRPC backend the CLI needs behind an ALB.
    controller: "aws",
    ingressClassName: "alb",
    hostname,
    annotations: {
      "alb.ingress.kubernetes.io/scheme": "internet-facing",
      "alb.ingress.kubernetes.io/target-type": "ip",
      // TLS ends at the ALB with the ACM certificate of this host name (discovered by the controller).
      "alb.ingress.kubernetes.io/listen-ports": '[{"HTTPS":443}]',
      "alb.ingress.kubernetes.io/ssl-policy": "ELBSecurityPolicy-TLS13-1-2-2021-06",
      "alb.ingress.kubernetes.io/backend-protocol": "HTTPS",
    },
  };
}

/**
 * Argo CD: HA in production (redis-ha, two of each stateless component), an ALB ingress with TLS when a host name is
 * configured, OIDC single sign-on with the local admin disabled when SSO is configured, and a daily configuration
 * backup to S3.
 */
export const argoCd: AddOn<"argoCd"> = {
  name: "argoCd",
  releaseName: "argo-cd",
  chart: { chart: "argo-cd", repository: "https://argoproj.github.io/argo-helm", version: "10.1.1" },
  namespace: ARGOCD_NAMESPACE,
  podSecurity: { level: "restricted" },
  after: ["kubePrometheusStack"],
  secrets(context) {
    const { sso } = context.settings;
    if (!sso) return [];
    return [
      {
        name: OIDC_SECRET,
        namespace: ARGOCD_NAMESPACE,
        labels: { "app.kubernetes.io/part-of": "argocd" },
        data: [{ secretKey: "clientSecret", secretName: sso.clientSecretName }],
      },
    ];
  },
  values(context) {
    const { hostname, sso } = context.settings;
    const monitored = context.platform.kubePrometheusStack.enabled;
    const metrics = { enabled: monitored, serviceMonitor: { enabled: monitored } };
    return {
      // Every component falls back to global.nodeSelector/tolerations (`component.x | default global.x`).
      global: { ...(hostname ? { domain: hostname } : {}), priorityClassName: "system-cluster-critical", ...placement(context, "system") },
      configs: {
        cm: {
          "admin.enabled": !sso,
          "exec.enabled": false,
          ...(sso
            ? {
                "oidc.config": stringify({
                  name: "SSO",
                  issuer: sso.issuer,
                  clientID: sso.clientId,
                  clientSecret: `$${OIDC_SECRET}:clientSecret`,
                  requestedScopes: ["openid", "profile", "email", "groups"],
                }),
              }
            : {}),
        },
        rbac: { "policy.default": "role:readonly" },
      },
      // Dex is only needed to broker other identity providers; OIDC goes straight to the issuer.
      dex: { enabled: false },
      // redis-ha's StatefulSet and HAProxy read the subchart's top-level keys, not argo-cd's global.
      "redis-ha": { enabled: context.production, ...placement(context, "system") },
      redis: { resources: resources("50m", "64Mi", "256Mi") },
      controller: {
        // The application controller is sharded, not replicated: one replica owns all clusters here.
        replicas: 1,
        resources: resources("250m", "512Mi", "2Gi"),
        metrics,
      },
      server: { ...component(context, "server", "50m", "128Mi", "512Mi"), metrics, ...(hostname ? { ingress: ingress(hostname) } : {}) },
      repoServer: { ...component(context, "repo-server", "100m", "256Mi", "1Gi"), metrics },
      applicationSet: { ...component(context, "applicationset-controller", "50m", "128Mi", "512Mi"), metrics },
    };
  },
  extend(context, release) {
    const { backup } = context.settings;
    if (!backup.enabled) return;
    new ArgoCdBackup(context.scope, "Backup", {
      account: context.account,
      namePrefix: context.environment.prefix,
      namespace: ARGOCD_NAMESPACE,
      oidcProvider: context.cluster.oidcProvider,
      schedule: backup.schedule,
      argocdImage: `quay.io/argoproj/argocd:${ARGOCD_VERSION}`,
      dependsOn: [release],
    });
  },
};
