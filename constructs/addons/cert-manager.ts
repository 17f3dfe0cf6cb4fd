import { formatArn } from "../core/aws-scope";
import { WorkloadRole } from "../iam/workload-role";
import { AddOn, AddOnContext, KubernetesObject, placement, replicas, containerResources, topologySpread, Values } from "./add-on";
import { PLATFORM_CA_ISSUER, vaultCertificate } from "./vault";

const LETS_ENCRYPT = {
  "letsencrypt-staging": "https://acme-staging-v02.api.letsencrypt.org/directory",
  "letsencrypt-production": "https://acme-v02.api.letsencrypt.org/directory",
} as const;

/** A cert-manager Deployment (controller, webhook, cainjector) sized and spread for its tier. */
function component(context: AddOnContext, name: string, cpu: string, memory: string): Values {
  return {
    replicaCount: replicas(context),
    ...placement(context, "system"),
    resources: containerResources(cpu, memory),
    podDisruptionBudget: { enabled: context.production },
    topologySpreadConstraints: topologySpread(context, { "app.kubernetes.io/component": name }),
  };
}

/**
 * cert-manager with Let's Encrypt ClusterIssuers (staging to rehearse, production for real certificates). Challenges
 * are DNS-01 in the configured Route53 zones, written through cert-manager's IRSA role and nothing else.
 */
export const certManager: AddOn<"certManager", WorkloadRole> = {
  name: "certManager",
  releaseName: "cert-manager",
  chart: { chart: "cert-manager", repository: "https://charts.jetstack.io", version: "v1.21.1" },
  namespace: "cert-manager",
  podSecurity: { level: "restricted" },
  resources(context) {
    // Route53 is global and its ARNs carry neither region nor account.
    const route53 = (resource: string) => formatArn(context.scope, { service: "route53", region: "", account: "", resource });
    return context.irsaRole("cert-manager", [
      { Sid: "ReadChanges", Effect: "Allow", Action: "route53:GetChange", Resource: route53("change/*") },
      {
        Sid: "WriteChallenges",
        Effect: "Allow",
        Action: ["route53:ChangeResourceRecordSets", "route53:ListResourceRecordSets"],
        Resource: context.settings.hostedZoneIds.map((id) => route53(`hostedzone/${id}`)),
      },
      { Sid: "FindZones", Effect: "Allow", Action: "route53:ListHostedZonesByName", Resource: "*" },
    ]);
  },
  values(context, role) {
    return {
      crds: { enabled: true, keep: true },
      global: { priorityClassName: "system-cluster-critical" },
      serviceAccount: { name: "cert-manager", annotations: role.serviceAccountAnnotations },
      ...component(context, "controller", "50m", "128Mi"),
      webhook: component(context, "webhook", "20m", "64Mi"),
      cainjector: component(context, "cainjector", "20m", "128Mi"),
      startupapicheck: placement(context, "system"),
    };
  },
  manifests(context) {
    return [...privateCa(context), ...letsEncrypt(context)];
  },
};

/**
 * The platform's private CA for in-cluster TLS (Vault's listener): a self-signed root kept in cert-manager's namespace
 * and a ClusterIssuer that signs with it. Clients trust it through the `ca.crt` of any certificate it issues.
 */
function privateCa(context: AddOnContext<"certManager">): KubernetesObject[] {
  const root = "platform-ca-root";
  return [
    { apiVersion: "cert-manager.io/v1", kind: "ClusterIssuer", metadata: { name: `${root}-issuer` }, spec: { selfSigned: {} } },
    {
      apiVersion: "cert-manager.io/v1",
      kind: "Certificate",
      metadata: { name: root, namespace: context.namespace },
      spec: {
        isCA: true,
        commonName: `${context.prefix} platform CA`,
        secretName: root,
        duration: "87600h",
        privateKey: { algorithm: "ECDSA", size: 256 },
        issuerRef: { kind: "ClusterIssuer", name: `${root}-issuer`, group: "cert-manager.io" },
      },
    },
    { apiVersion: "cert-manager.io/v1", kind: "ClusterIssuer", metadata: { name: PLATFORM_CA_ISSUER }, spec: { ca: { secretName: root } } },
    ...(context.platform.vault.enabled ? [vaultCertificate()] : []),
  ];
}

function letsEncrypt(context: AddOnContext<"certManager">): KubernetesObject[] {
  return Object.entries(LETS_ENCRYPT).map(([name, server]): KubernetesObject => ({
    apiVersion: "cert-manager.io/v1",
    kind: "ClusterIssuer",
    metadata: { name },
    spec: {
      acme: {
        server,
        email: context.settings.acmeEmail,
        privateKeySecretRef: { name: `${name}-account-key` },
        solvers: [{ dns01: { route53: { region: context.location.region } } }],
      },
    },
  }));
}
