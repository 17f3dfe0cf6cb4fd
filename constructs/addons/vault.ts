import { createHash } from "crypto";
import { SecretsmanagerSecret } from "@cdktf/provider-aws/lib/secretsmanager-secret";
import { KmsKey } from "../security/kms-key";
import { IrsaRole } from "../iam/irsa-role";
import { AddOn, AddOnContext, KubernetesObject, placement, replicas, containerResources, RESTRICTED_CONTAINER, restrictedPod, topologySpread } from "./add-on";
import { secretRecoveryWindowDays } from "../security/secret-lifecycle";
import { AWS_CLI_IMAGE } from "./argocd-backup";

const RELEASE = "vault";
const NAMESPACE = "vault";
/** The Secret cert-manager writes Vault's serving certificate to; the chart mounts `extraVolumes` under /vault/userconfig. */
export const VAULT_TLS_SECRET = "vault-tls";
const TLS_DIR = `/vault/userconfig/${VAULT_TLS_SECRET}`;
/** The ClusterIssuer of the platform's private CA (cert-manager add-on), which signs Vault's certificate. */
export const PLATFORM_CA_ISSUER = "platform-ca";
/** appVersion of the pinned chart: the init job runs the same CLI as the servers. */
const VAULT_IMAGE = "hashicorp/vault:2.0.4";
/** Audience of the projected token the application's agent logs in with (its pods mount no default token). */
export const VAULT_TOKEN_AUDIENCE = "vault";

/** What the application gets from Vault: its Kubernetes auth role, policy and the secret the platform generates. */
export const APPLICATION_VAULT_ROLE = {
  role: "web",
  namespace: "web",
  serviceAccount: "web",
  path: "secret/data/web/*",
  sessionSecret: "secret/web/session",
} as const;

/** Vault's serving certificate, from the private CA: every name clients and Raft peers use, and the loopback the CLI uses. */
export function vaultCertificate(): KubernetesObject {
  const service = `${RELEASE}.${NAMESPACE}.svc`;
  return {
    apiVersion: "cert-manager.io/v1",
    kind: "Certificate",
    metadata: { name: VAULT_TLS_SECRET, namespace: NAMESPACE },
    spec: {
      secretName: VAULT_TLS_SECRET,
      duration: "2160h",
      renewBefore: "360h",
      privateKey: { algorithm: "ECDSA", size: 256, rotationPolicy: "Always" },
      dnsNames: [
        RELEASE,
        `${RELEASE}.${NAMESPACE}`,
        service,
        `${service}.cluster.local`,
        `*.${RELEASE}-internal`,
        `*.${RELEASE}-internal.${NAMESPACE}.svc`,
        `*.${RELEASE}-internal.${NAMESPACE}.svc.cluster.local`,
      ],
      ipAddresses: ["127.0.0.1"],
      issuerRef: { kind: "ClusterIssuer", name: PLATFORM_CA_ISSUER, group: "cert-manager.io" },
    },
  };
}

/**
 * Vault's server configuration: integrated Raft storage (servers join through the headless `vault-internal` service
 * when there are several) and auto-unseal with the environment's KMS key, so nobody handles unseal keys. The listener
 * is cluster-internal only (no Ingress or LoadBalancer exposes it) and serves TLS with the private CA's certificate.
 */
function serverConfig(context: AddOnContext<"vault">, kmsKeyId: string): string {
  const servers = Array.from({ length: context.settings.replicas }, (_, index) => `${RELEASE}-${index}`);
  const joins =
    context.settings.replicas > 1
      ? servers.map(
          (server) => `  retry_join {\n    leader_api_addr = "https://${server}.${RELEASE}-internal:8200"\n    leader_ca_cert_file = "${TLS_DIR}/ca.crt"\n  }`,
        )
      : [];
  return [
    "ui = true",
    'listener "tcp" {',
    `  tls_cert_file = "${TLS_DIR}/tls.crt"`,
    `  tls_key_file = "${TLS_DIR}/tls.key"`,
    '  tls_min_version = "tls12"',
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
    `  region = "${context.location.region}"`,
    `  kms_key_id = "${kmsKeyId}"`,
    "}",
    'service_registration "kubernetes" {}',
    "",
  ].join("\n");
}

/**
 * The one-time setup, idempotent so it may run again: initialise Vault if it is not (auto-unseal means only recovery
 * keys and a root token come out, which go straight to Secrets Manager), then configure what the platform promises:
 * KV v2 at `secret`, Kubernetes auth, one policy and role per consuming service account, the file audit device, and
 * the application's session signing key, generated when absent.
 */
function setupScript(recoverySecret: string): { fetch: string; init: string; store: string; configure: string } {
  const app = APPLICATION_VAULT_ROLE;
  return {
    fetch: `aws secretsmanager get-secret-value --secret-id "${recoverySecret}" --query SecretString --output text > /work/init.json 2>/dev/null || rm -f /work/init.json`,
    init: [
      "set -e",
      "until vault status -format=json > /work/status.json; [ $? -ne 1 ]; do sleep 5; done",
      "if grep -q '\"initialized\": false' /work/status.json; then vault operator init -recovery-shares=1 -recovery-threshold=1 -format=json > /work/new.json; fi",
    ].join("\n"),
    store: `if [ -s /work/new.json ]; then aws secretsmanager put-secret-value --secret-id "${recoverySecret}" --secret-string file:///work/new.json && cp /work/new.json /work/init.json; fi`,
    configure: [
      "set -e",
      "until vault status > /dev/null; do sleep 5; done",
      `export VAULT_TOKEN="$(sed -n 's/.*"root_token": *"\\([^"]*\\)".*/\\1/p' /work/init.json)"`,
      "vault secrets list -format=json | grep -q '\"secret/\"' || vault secrets enable -path=secret kv-v2",
      "vault auth list -format=json | grep -q '\"kubernetes/\"' || vault auth enable kubernetes",
      "vault write auth/kubernetes/config kubernetes_host=https://kubernetes.default.svc",
      `printf 'path "${app.path}" {\\n  capabilities = ["read"]\\n}\\n' | vault policy write ${app.role} -`,
      `vault write auth/kubernetes/role/${app.role} bound_service_account_names=${app.serviceAccount} bound_service_account_namespaces=${app.namespace} policies=${app.role} audience=${VAULT_TOKEN_AUDIENCE} token_ttl=1h`,
      `vault kv get ${app.sessionSecret} > /dev/null 2>&1 || vault kv put ${app.sessionSecret} signing-key="$(head -c 48 /dev/urandom | base64 | tr -d '\\n')"`,
      "vault audit list 2>/dev/null | grep -q '^file/' || vault audit enable file file_path=/vault/audit/audit.log",
    ].join("\n"),
  };
}

/**
 * HashiCorp Vault: HA with integrated Raft storage (3 servers in production), auto-unseal through its IRSA role with
 * a dedicated KMS key, TLS from the platform's private CA, data and audit log on gp3 volumes, the agent injector on,
 * and a setup Job, so nobody runs `vault operator init` by hand.
 */
/** Vault's AWS side: the unseal key and the servers' role, the recovery secret and the setup Job's role. */
export interface VaultResources {
  readonly unsealKey: KmsKey;
  readonly serverRole: IrsaRole;
  /** Secrets Manager name of the recovery material the setup Job writes. */
  readonly recoveryName: string;
  readonly setupRole: IrsaRole;
}

export const vault: AddOn<"vault", VaultResources> = {
  name: "vault",
  releaseName: RELEASE,
  chart: { chart: "vault", repository: "https://helm.releases.hashicorp.com", version: "0.34.1" },
  namespace: NAMESPACE,
  podSecurity: { level: "restricted" },
  // cert-manager's manifests issue Vault's certificate, which the servers mount.
  after: ["kubePrometheusStack", "certManager"],
  resources(context) {
    const prefix = context.environment.prefix;
    const unsealKey = new KmsKey(context.scope, "UnsealKey", { description: `Vault auto-unseal of ${prefix}`, alias: `${prefix}-vault-unseal` });
    const serverRole = context.irsaRole(RELEASE, [
      { Sid: "AutoUnseal", Effect: "Allow", Action: ["kms:Encrypt", "kms:Decrypt", "kms:DescribeKey"], Resource: unsealKey.arn },
    ]);
    const recoveryKey = new KmsKey(context.scope, "RecoveryKey", {
      description: `Vault recovery keys and root token of ${prefix}`,
      alias: `${prefix}-vault-recovery`,
    });
    const recoveryName = `${prefix}/vault/recovery`;
    const recovery = new SecretsmanagerSecret(context.scope, "Recovery", {
      name: recoveryName,
      description: "Output of vault operator init (recovery key, root token), written once by the vault-setup Job",
      kmsKeyId: recoveryKey.arn,
      // Losing the recovery key of a production Vault loses its root access: the longest window Secrets Manager allows.
      recoveryWindowInDays: secretRecoveryWindowDays(context.production, 30),
    });
    const viaSecretsManager = { StringEquals: { "kms:ViaService": `secretsmanager.${context.location.region}.amazonaws.com` } };
    const setupRole = context.irsaRole("vault-setup", [
      { Sid: "KeepRecoveryMaterial", Effect: "Allow", Action: ["secretsmanager:GetSecretValue", "secretsmanager:PutSecretValue"], Resource: recovery.arn },
      {
        Sid: "ThroughSecretsManager",
        Effect: "Allow",
        Action: ["kms:Decrypt", "kms:GenerateDataKey"],
        Resource: recoveryKey.arn,
        Condition: viaSecretsManager,
      },
    ]);
    return { unsealKey, serverRole, recoveryName, setupRole };
  },
  values(context, { unsealKey, serverRole }) {
    const ha = context.settings.replicas > 1;
    const config = serverConfig(context, unsealKey.key.keyId);
    const storageClass = context.storageClassName ?? null;
    return {
      global: { tlsDisable: false },
      injector: {
        enabled: true,
        replicas: replicas(context),
        priorityClassName: "system-cluster-critical",
        resources: containerResources("50m", "64Mi", "128Mi"),
      },
      server: {
        resources: containerResources("250m", "256Mi", "1Gi"),
        priorityClassName: "system-cluster-critical",
        // Raft data and audit log live on EBS volumes: on-demand stateful nodes only, never spot.
        ...placement(context, "stateful"),
        serviceAccount: { annotations: { "eks.amazonaws.com/role-arn": serverRole.arn } },
        extraVolumes: [{ type: "secret", name: VAULT_TLS_SECRET }],
        // The CLI in the pods (probes, the setup Job's exec) verifies the listener against the private CA.
        extraEnvironmentVars: { VAULT_CACERT: `${TLS_DIR}/ca.crt` },
        dataStorage: { enabled: true, size: "10Gi", storageClass },
        auditStorage: { enabled: true, size: context.settings.auditStorageSize, storageClass },
        standalone: ha ? { enabled: false } : { enabled: true, config },
        ha: ha ? { enabled: true, replicas: context.settings.replicas, raft: { enabled: true, setNodeId: true, config } } : { enabled: false },
        topologySpreadConstraints: topologySpread(context, { "app.kubernetes.io/name": "vault", component: "server" }),
        statefulSet: {
          securityContext: {
            // The entrypoint renders its config into /tmp, so the root filesystem stays writable.
            container: { ...RESTRICTED_CONTAINER, readOnlyRootFilesystem: false },
          },
        },
      },
      serverTelemetry: { serviceMonitor: { enabled: context.platform.kubePrometheusStack.enabled } },
    };
  },
  manifests(context, { recoveryName, setupRole }) {
    const script = setupScript(recoveryName);
    // A Job's template is immutable: a changed script gets a new Job.
    const version = createHash("sha256").update(JSON.stringify(script)).digest("hex").slice(0, 8);
    const env = [
      { name: "VAULT_ADDR", value: `https://${RELEASE}-0.${RELEASE}-internal:8200` },
      { name: "VAULT_CACERT", value: "/ca/ca.crt" },
      { name: "HOME", value: "/work" },
      { name: "AWS_REGION", value: context.location.region },
    ];
    const mounts = [
      { name: "work", mountPath: "/work" },
      { name: "ca", mountPath: "/ca", readOnly: true },
    ];
    const step = (name: string, image: string, command: string) => ({
      name,
      image,
      command: ["/bin/sh", "-c", command],
      env,
      volumeMounts: mounts,
      securityContext: RESTRICTED_CONTAINER,
      resources: containerResources("50m", "64Mi"),
    });
    return [
      {
        apiVersion: "v1",
        kind: "ServiceAccount",
        metadata: { name: "vault-setup", namespace: NAMESPACE, annotations: { "eks.amazonaws.com/role-arn": setupRole.arn } },
      },
      {
        apiVersion: "batch/v1",
        kind: "Job",
        metadata: { name: `vault-setup-${version}`, namespace: NAMESPACE },
        spec: {
          backoffLimit: 10,
          template: {
            spec: {
              serviceAccountName: "vault-setup",
              restartPolicy: "OnFailure",
              securityContext: restrictedPod(100, 1000),
              initContainers: [step("fetch", AWS_CLI_IMAGE, script.fetch), step("init", VAULT_IMAGE, script.init), step("store", AWS_CLI_IMAGE, script.store)],
              containers: [step("configure", VAULT_IMAGE, script.configure)],
              volumes: [
                { name: "work", emptyDir: { medium: "Memory", sizeLimit: "1Mi" } },
                // Only the CA certificate: the Job has no business with the servers' private key.
                { name: "ca", secret: { secretName: VAULT_TLS_SECRET, items: [{ key: "ca.crt", path: "ca.crt" }] } },
              ],
            },
          },
        },
      },
    ];
  },
};
