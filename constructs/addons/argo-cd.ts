import { stringify } from "yaml";
import type { PlatformConfig } from "../../config/schema/platform";
import { DnsValidatedCertificate } from "../edge/dns-validated-certificate";
import { WebAcl } from "../edge/web-acl";
import { KmsKey } from "../security/kms-key";
import { AddOn, AddOnContext, AddOnScope, HelmChart, placement, replicas, containerResources, topologySpread, Values } from "./add-on";
import { ArgoCdBackup } from "./argocd-backup";

export const ARGOCD_NAMESPACE = "argocd";
/** Where Argo CD and the add-ons that extend it live: one restricted namespace. */
export const ARGOCD_HOME = { namespace: ARGOCD_NAMESPACE, podSecurity: { level: "restricted" } } as const;

/** A chart of the Argo project's Helm repository (Argo CD, Rollouts, Image Updater). */
export function argoHelmChart(chart: string, version: string): HelmChart {
  return { chart, repository: "https://argoproj.github.io/argo-helm", version };
}
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
    resources: containerResources(cpu, memory, memoryLimit),
  };
}

/** Days the public ALB's WAF keeps its request log: long enough to investigate an incident noticed late. */
const WAF_LOG_RETENTION_DAYS = 90;

/** The server's ingress, when a host name is configured: its certificate and, in public mode, its WAF. */
interface ServerIngress {
  readonly hostname: string;
  readonly certificate: DnsValidatedCertificate;
  readonly webAcl?: WebAcl;
}

export interface ArgoCdResources {
  readonly ingress?: ServerIngress;
}

/** The ingress's ACM certificate for the host name, and a regional WAF in public mode (none without a host name). */
function ingressResources(context: AddOnScope<"argoCd">): ArgoCdResources {
  const { hostname, access, hostedZoneId } = context.settings;
  if (!hostname) return {};
  const prefix = context.prefix;
  const certificate = new DnsValidatedCertificate(context.scope, "Certificate", { domainName: hostname, zone: { zoneId: hostedZoneId! } });
  if (access.mode !== "public") return { ingress: { hostname, certificate } };
  const webAcl = new WebAcl(context.scope, "WebAcl", {
    name: `${prefix}-argocd`,
    scope: "REGIONAL",
    rateLimit: access.wafRateLimit,
    largeBodies: "block",
    logRetentionDays: WAF_LOG_RETENTION_DAYS,
    key: new KmsKey(context.scope, "WafLogKey", { description: `Encrypts the Argo CD WAF logs of ${prefix}` }),
  });
  return { ingress: { hostname, certificate, webAcl } };
}

/**
 * The ALB ingress of the server. Internal by default: no public address, and only the VPC may connect (the deploy
 * runner, a VPN). Public mode is opt-in: internet-facing, open to the configured CIDRs only, behind a regional WAF.
 * Either way TLS ends at the ALB with an ACM certificate issued for the host name, so the host always has one.
 */
function ingress(context: AddOnContext<"argoCd">, { hostname, certificate, webAcl }: ServerIngress): Values {
  const { access } = context.settings;
  const publicAccess = access.mode === "public";
  return {
    enabled: true,
    // The chart's `aws` mode adds the gRPC backend the CLI needs behind an ALB.
    controller: "aws",
    ingressClassName: "alb",
    hostname,
    annotations: {
      "alb.ingress.kubernetes.io/scheme": publicAccess ? "internet-facing" : "internal",
      "alb.ingress.kubernetes.io/inbound-cidrs": (publicAccess ? access.allowedCidrs : [context.vpcCidr]).join(","),
      "alb.ingress.kubernetes.io/target-type": "ip",
      "alb.ingress.kubernetes.io/listen-ports": '[{"HTTPS":443}]',
      "alb.ingress.kubernetes.io/certificate-arn": certificate.arn,
      "alb.ingress.kubernetes.io/ssl-policy": "ELBSecurityPolicy-TLS13-1-2-2021-06",
      "alb.ingress.kubernetes.io/backend-protocol": "HTTPS",
      ...(webAcl ? { "alb.ingress.kubernetes.io/wafv2-acl-arn": webAcl.arn } : {}),
    },
  };
}

/** Built-in role `deployer`: everything read-only can see, plus sync, rollback and resource actions on applications. */
const DEPLOYER_POLICY = [
  "g, role:deployer, role:readonly",
  "p, role:deployer, applications, sync, */*, allow",
  "p, role:deployer, applications, action/*, */*, allow",
  "p, role:deployer, applications, update, */*, allow",
];

/**
 * RBAC: with SSO, each configured group gets its role and anyone else gets nothing (`policy.default` empty); without
 * SSO only the local admin exists, and it is admin already.
 */
function rbac(sso: NonNullable<PlatformConfig["argoCd"]["sso"]>): Values {
  const { admin, deployer, readOnly } = sso.groups;
  const grants = (groups: string[], role: string) => groups.map((group) => `g, ${group}, role:${role}`);
  return {
    "policy.default": "",
    "policy.csv": [...DEPLOYER_POLICY, ...grants(admin, "admin"), ...grants(deployer, "deployer"), ...grants(readOnly, "readonly"), ""].join("\n"),
    scopes: "[groups]",
  };
}

/**
 * Argo CD: HA in production (redis-ha, two of each stateless component), an ALB ingress with TLS when a host name is
 * configured, OIDC single sign-on with the local admin disabled when SSO is configured, and a daily configuration
 * backup to S3.
 */
export const argoCd: AddOn<"argoCd", ArgoCdResources> = {
  name: "argoCd",
  releaseName: "argo-cd",
  chart: argoHelmChart("argo-cd", "10.1.1"),
  ...ARGOCD_HOME,
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
  // The delivery layer's repository credentials ExternalSecret reads through this namespace's SecretStore.
  externalReads(context) {
    const secretName = context.gitopsRepoCredentialsSecret;
    return secretName
      ? [{ secretName, description: "Argo CD's credentials for the application's Git repository (argocd namespace); the value is yours to put" }]
      : [];
  },
  resources: ingressResources,
  values(context, resources) {
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
        rbac: sso ? rbac(sso) : { "policy.default": "role:readonly" },
      },
      // Dex is only needed to broker other identity providers; OIDC goes straight to the issuer.
      dex: { enabled: false },
      // redis-ha's StatefulSet and HAProxy read the subchart's top-level keys, not argo-cd's global.
      "redis-ha": { enabled: context.production, ...placement(context, "system") },
      redis: { resources: containerResources("50m", "64Mi", "256Mi") },
      controller: {
        // The application controller is sharded, not replicated: one replica owns all clusters here.
        replicas: 1,
        resources: containerResources("250m", "512Mi", "2Gi"),
        metrics,
      },
      server: {
        ...component(context, "server", "50m", "128Mi", "512Mi"),
        metrics,
        ...(resources.ingress ? { ingress: ingress(context, resources.ingress) } : {}),
      },
      repoServer: { ...component(context, "repo-server", "100m", "256Mi", "1Gi"), metrics },
      applicationSet: { ...component(context, "applicationset-controller", "50m", "128Mi", "512Mi"), metrics },
    };
  },
  extend(context, release) {
    const { backup } = context.settings;
    if (!backup.enabled) return;
    new ArgoCdBackup(context.scope, "Backup", {
      namePrefix: context.prefix,
      namespace: ARGOCD_NAMESPACE,
      identity: context.workloadIdentity,
      schedule: backup.schedule,
      retentionDays: backup.retentionDays,
      argocdImage: `quay.io/argoproj/argocd:${ARGOCD_VERSION}`,
      dependsOn: [release],
    });
  },
};
