import { KmsKey } from "../security/kms-key";
import { AddOn, AddOnContext, placement, resources, topologySpread } from "./add-on";

const RELEASE = "vault";

/**
 * Vault's server configuration: integrated Raft storage (servers join through the headless `vault-internal` service
 * when there are several) and auto-unseal with the environment's KMS key, so nobody handles unseal keys. The listener
 * is cluster-internal only (no Ingress or LoadBalancer exposes it).
 */
function serverConfig(context: AddOnContext<"vault">, kmsKeyId: string): string {
  const servers = Array.from({ length: context.settings.replicas }, (_, index) => `${RELEASE}-${index}`);
  const joins = context.settings.replicas > 1 ? servers.map((server) => `  retry_join {\n    leader_api_addr = "http://${server}.${RELEASE}-internal:8200"\n  }`) : [];
  return [
    "ui = true",
    'listener "tcp" {',
    "  tls_disable = 1",
    '  address = "[::]:8200"',
    '  cluster_address = "[::]:8201"',
    // Prometheus scrapes /v1/sys/metrics without a Vault token; the metrics hold no secrets.
    "  telemetry {",
    "    unauthenticated_metrics_access = true",
    "  }",
    "}",
    "telemetry {",
    '  prometheus_retention_time = "30s"',
    "  disable_hostname = true",
    "}",
    'storage "raft" {',
    '  path = "/vault/data"',
    ...joins,
    "}",
    'seal "awskms" {',
    `  region = "${context.account.region}"`,
    `  kms_key_id = "${kmsKeyId}"`,
    "}",
    'service_registration "kubernetes" {}',
    "",
  ].join("\n");
}

/**
 * HashiCorp Vault: HA with integrated Raft storage (3 servers in production), auto-unseal through its IRSA role with
 * a dedicated KMS key, data and audit log on gp3 volumes. The agent injector stays off: workloads get their secrets
 * through External Secrets.
 */
export const vault: AddOn<"vault"> = {
  name: "vault",
  releaseName: RELEASE,
  chart: { chart: "vault", repository: "https://helm.releases.hashicorp.com", version: "0.34.1" },
  namespace: "vault",
  podSecurity: { level: "restricted" },
  after: ["kubePrometheusStack"],
  values(context) {
    const key = new KmsKey(context.scope, "UnsealKey", {
      account: context.account,
      description: `Vault auto-unseal of ${context.environment.prefix}`,
      alias: `${context.environment.prefix}-vault-unseal`,
    });
    const role = context.irsaRole(RELEASE, [
      { Sid: "AutoUnseal", Effect: "Allow", Action: ["kms:Encrypt", "kms:Decrypt", "kms:DescribeKey"], Resource: key.arn },
    ]);
    const ha = context.settings.replicas > 1;
    const config = serverConfig(context, key.key.keyId);
    const storageClass = context.storageClassName ?? null;
    return {
      injector: { enabled: false },
      server: {
        resources: resources("250m", "256Mi", "1Gi"),
        priorityClassName: "system-cluster-critical",
        // Raft data and audit log live on EBS volumes: on-demand stateful nodes only, never spot.
        ...placement(context, "stateful"),
        serviceAccount: { annotations: { "eks.amazonaws.com/role-arn": role.arn } },
        dataStorage: { enabled: true, size: "10Gi", storageClass },
        auditStorage: { enabled: true, size: context.settings.auditStorageSize, storageClass },
        standalone: ha ? { enabled: false } : { enabled: true, config },
        ha: ha ? { enabled: true, replicas: context.settings.replicas, raft: { enabled: true, setNodeId: true, config } } : { enabled: false },
        topologySpreadConstraints: topologySpread(context, { "app.kubernetes.io/name": "vault", component: "server" }),
        statefulSet: {
          securityContext: {
            // The entrypoint renders its config into /tmp, so the root filesystem stays writable.
            container: { allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] }, seccompProfile: { type: "RuntimeDefault" } },
          },
        },
      },
      serverTelemetry: { serviceMonitor: { enabled: context.platform.kubePrometheusStack.enabled } },
    };
  },
};
