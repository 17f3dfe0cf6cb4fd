import { createHash } from "crypto";
import { SecretsmanagerSecret } from "@cdktf/provider-aws/lib/secretsmanager-secret";
import { KmsKey } from "../security/kms-key";
import { WorkloadRole } from "../iam/workload-role";
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
export const VAULT_IMAGE = "hashicorp/vault:2.0.4";
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

/**
 * Who may take Raft snapshots (Velero add-on's CronJob): a Kubernetes auth role bound to that one service account,
 * whose policy reads `sys/storage/raft/snapshot` and nothing else.
 */
export const VAULT_SNAPSHOT_READER = {
  role: "raft-snapshot",
  namespace: "velero",
  serviceAccount: "vault-snapshot",
  path: "sys/storage/raft/snapshot",
} as const;

/** Whether the platform takes Vault Raft snapshots: Velero and its Vault snapshot are both on. */
export function vaultSnapshotsOn(platform: AddOnContext["platform"]): boolean {
  return platform.vault.enabled && platform.velero.enabled && platform.velero.vaultSnapshot.enabled;
}

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

/** Where the setup Job's vault binary lives: copied from the Vault image, so one AWS CLI container runs both CLIs. */
const TOOLS_DIR = "/tools";
/** The Job's in-memory work folder: it survives a restart of a container, not the pod's deletion. */
const INIT_OUTPUT = "/work/init.json";

/** A value of Vault's pretty-printed JSON (in a file or on stdin), flattened first: `"name": "value"` or `"name": ["value"`. */
const jsonField = (name: string, source = "") => `tr -d ' \\n' ${source}| sed -n 's/.*"${name}":\\[\\{0,1\\}"\\([^"]*\\)".*/\\1/p'`;

/**
 * The one-time setup, idempotent so it may run again, in two steps of one Job:
 * - `init-and-store`: initialises Vault when it is not (auto-unseal means only a recovery key and a root token come
 *   out) into an in-memory file, and does not exit until Secrets Manager holds that output and reading it back gives
 *   the same root token: a failed put is retried, never given up. Should the container still be restarted (OOM,
 *   node pressure) it finds the output in the pod's in-memory folder and stores it first, so no retry initialises
 *   twice or drops the material.
 * - `configure`: gets a fresh root token from the stored recovery key (`vault operator generate-root`), revokes the
 *   root token that init returned, configures what the platform promises (KV v2 at `secret`, Kubernetes auth, the
 *   application's policy and role, the file audit device, the session signing key when absent) and revokes its own
 *   root token on exit: no root token stays valid after the Job.
 */
export function setupScript(recoverySecret: string, snapshots = false): { tools: string; initAndStore: string; configure: string } {
  const app = APPLICATION_VAULT_ROLE;
  const reader = VAULT_SNAPSHOT_READER;
  const secret = `--secret-id "${recoverySecret}"`;
  return {
    tools: `cp /bin/vault ${TOOLS_DIR}/vault`,
    initAndStore: [
      "set -e",
      // Never exits holding output it has not stored: a Job that gave up (backoffLimit) would delete the pod and its
      // in-memory folder with it. It retries, every minute at most, until the put reads back.
      "store() {",
      "  attempt=1",
      "  while true; do",
      `    if aws secretsmanager put-secret-value ${secret} --secret-string file://${INIT_OUTPUT} > /dev/null &&`,
      `      [ "$(aws secretsmanager get-secret-value ${secret} --query SecretString --output text | ${jsonField("root_token")})" = "$(${jsonField("root_token", `< ${INIT_OUTPUT} `)})" ]; then`,
      `      echo "init output stored in ${recoverySecret} (verified)"; rm -f ${INIT_OUTPUT}; return 0`,
      "    fi",
      `    echo "init output not stored in ${recoverySecret} (try $attempt); it stays in memory, retrying" >&2`,
      "    sleep $((attempt < 12 ? attempt * 5 : 60)); attempt=$((attempt + 1))",
      "  done",
      "}",
      // A previous try of this container initialised Vault but could not store the output: store it first.
      `if [ -s ${INIT_OUTPUT} ]; then store; fi`,
      "until vault status -format=json > /work/status.json; [ $? -ne 1 ]; do sleep 5; done",
      "if grep -q '\"initialized\": false' /work/status.json; then",
      `  vault operator init -recovery-shares=1 -recovery-threshold=1 -format=json > ${INIT_OUTPUT}`,
      "  store",
      "fi",
    ].join("\n"),
    configure: [
      "set -e",
      "until vault status > /dev/null; do sleep 5; done",
      `aws secretsmanager get-secret-value ${secret} --query SecretString --output text > /work/stored.json`,
      `recovery_key="$(${jsonField("recovery_keys_b64", "< /work/stored.json ")})"`,
      `initial_root="$(${jsonField("root_token", "< /work/stored.json ")})"`,
      "rm -f /work/stored.json",
      // A fresh root token from the recovery key, for this run only.
      "vault operator generate-root -cancel > /dev/null 2>&1 || true",
      "vault operator generate-root -init -format=json > /work/attempt.json",
      `nonce="$(${jsonField("nonce", "< /work/attempt.json ")})"`,
      `otp="$(${jsonField("otp", "< /work/attempt.json ")})"`,
      `encoded="$(echo "$recovery_key" | vault operator generate-root -nonce="$nonce" -format=json - | ${jsonField("encoded_token")})"`,
      'VAULT_TOKEN="$(vault operator generate-root -decode="$encoded" -otp="$otp")"',
      "export VAULT_TOKEN",
      "rm -f /work/attempt.json",
      "trap 'vault token revoke -self > /dev/null' EXIT",
      // The root token init returned is kept only as a record; it stops working after the first configuration.
      'vault token revoke "$initial_root" > /dev/null 2>&1 || true',
      "vault secrets list -format=json | grep -q '\"secret/\"' || vault secrets enable -path=secret kv-v2",
      "vault auth list -format=json | grep -q '\"kubernetes/\"' || vault auth enable kubernetes",
      "vault write auth/kubernetes/config kubernetes_host=https://kubernetes.default.svc",
      `printf 'path "${app.path}" {\\n  capabilities = ["read"]\\n}\\n' | vault policy write ${app.role} -`,
      `vault write auth/kubernetes/role/${app.role} bound_service_account_names=${app.serviceAccount} bound_service_account_namespaces=${app.namespace} policies=${app.role} audience=${VAULT_TOKEN_AUDIENCE} token_ttl=1h`,
      `vault kv get ${app.sessionSecret} > /dev/null 2>&1 || vault kv put ${app.sessionSecret} signing-key="$(head -c 48 /dev/urandom | base64 | tr -d '\\n')"`,
      "vault audit list 2>/dev/null | grep -q '^file/' || vault audit enable file file_path=/vault/audit/audit.log",
      ...(snapshots
        ? [
            `printf 'path "${reader.path}" {\\n  capabilities = ["read"]\\n}\\n' | vault policy write ${reader.role} -`,
            `vault write auth/kubernetes/role/${reader.role} bound_service_account_names=${reader.serviceAccount} bound_service_account_namespaces=${reader.namespace} policies=${reader.role} audience=${VAULT_TOKEN_AUDIENCE} token_ttl=15m`,
          ]
        : [`vault delete auth/kubernetes/role/${reader.role} > /dev/null 2>&1 || true`, `vault policy delete ${reader.role} > /dev/null 2>&1 || true`]),
    ].join("\n"),
  };
}

/** Name of the sidecar that makes Vault reload a renewed certificate. */
export const VAULT_TLS_RELOADER = "tls-reloader";

/**
 * Watches the mounted certificate (the kubelet swaps a renewed Secret's files in within a minute or so) and sends
 * Vault SIGHUP when it changed, which reloads the listener's certificate and key. Same image and user as the server,
 * which is what lets it signal the server's process; nothing else.
 */
function tlsReloader(): Record<string, unknown> {
  return {
    name: VAULT_TLS_RELOADER,
    image: VAULT_IMAGE,
    command: ["/bin/sh", "-c"],
    args: [
      [
        `certificate=${TLS_DIR}/tls.crt`,
        'seen="$(sha256sum "$certificate")"',
        "while true; do",
        "  sleep 30",
        '  now="$(sha256sum "$certificate")"',
        '  if [ "$now" != "$seen" ] && pid="$(pidof vault)"; then',
        '    kill -HUP $pid && seen="$now" && echo "certificate renewed: sent SIGHUP to vault ($pid)"',
        "  fi",
        "done",
      ].join("\n"),
    ],
    volumeMounts: [{ name: `userconfig-${VAULT_TLS_SECRET}`, mountPath: TLS_DIR, readOnly: true }],
    securityContext: RESTRICTED_CONTAINER,
    resources: containerResources("5m", "16Mi", "32Mi"),
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
  readonly serverRole: WorkloadRole;
  /** Secrets Manager name of the recovery material the setup Job writes. */
  readonly recoveryName: string;
  readonly setupRole: WorkloadRole;
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
    const prefix = context.prefix;
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
        // Empty, the chart renders a pod context without a seccomp profile (templates/_helpers.tpl
        // injector.securityContext.pod), which the namespace's restricted Pod Security refuses: no injector pod.
        securityContext: { pod: { ...restrictedPod(100, 1000), fsGroup: 1000 }, container: RESTRICTED_CONTAINER },
      },
      server: {
        resources: containerResources("250m", "256Mi", "1Gi"),
        priorityClassName: "system-cluster-critical",
        // Raft data and audit log live on EBS volumes: on-demand stateful nodes only, never spot.
        ...placement(context, "stateful"),
        serviceAccount: { annotations: serverRole.serviceAccountAnnotations },
        extraVolumes: [{ type: "secret", name: VAULT_TLS_SECRET }],
        // The CLI in the pods (probes, the setup Job's exec) verifies the listener against the private CA.
        extraEnvironmentVars: { VAULT_CACERT: `${TLS_DIR}/ca.crt` },
        dataStorage: { enabled: true, size: "10Gi", storageClass },
        auditStorage: { enabled: true, size: context.settings.auditStorageSize, storageClass },
        standalone: ha ? { enabled: false } : { enabled: true, config },
        ha: ha ? { enabled: true, replicas: context.settings.replicas, raft: { enabled: true, setNodeId: true, config } } : { enabled: false },
        topologySpreadConstraints: topologySpread(context, { "app.kubernetes.io/name": "vault", component: "server" }),
        // cert-manager renews the serving certificate in place; Vault reads it again only on SIGHUP. The sidecar sees
        // the new file in the mounted Secret and signals the server in the shared process namespace (no restart, so
        // the Raft cluster keeps its leader). docs/platform.md: "Vault's certificate".
        shareProcessNamespace: true,
        extraContainers: [tlsReloader()],
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
    const script = setupScript(recoveryName, vaultSnapshotsOn(context.platform));
    // A Job's template is immutable: a changed script gets a new Job.
    const version = createHash("sha256").update(JSON.stringify(script)).digest("hex").slice(0, 8);
    const env = [
      { name: "VAULT_ADDR", value: `https://${RELEASE}-0.${RELEASE}-internal:8200` },
      { name: "VAULT_CACERT", value: "/ca/ca.crt" },
      { name: "HOME", value: "/work" },
      { name: "AWS_REGION", value: context.location.region },
      { name: "PATH", value: `${TOOLS_DIR}:/usr/local/bin:/usr/bin:/bin` },
    ];
    const mounts = [
      { name: "work", mountPath: "/work" },
      { name: "ca", mountPath: "/ca", readOnly: true },
      { name: "tools", mountPath: TOOLS_DIR, readOnly: true },
    ];
    const step = (name: string, image: string, command: string) => ({
      name,
      image,
      command: ["/bin/sh", "-c", command],
      env,
      volumeMounts: mounts,
      securityContext: RESTRICTED_CONTAINER,
      // The AWS CLI peaks at about 67 MB; the Vault CLI needs less.
      resources: containerResources("50m", "256Mi"),
    });
    return [
      {
        apiVersion: "v1",
        kind: "ServiceAccount",
        metadata: { name: "vault-setup", namespace: NAMESPACE, annotations: setupRole.serviceAccountAnnotations },
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
              initContainers: [
                { ...step("tools", VAULT_IMAGE, script.tools), volumeMounts: [{ name: "tools", mountPath: TOOLS_DIR }] },
                step("init-and-store", AWS_CLI_IMAGE, script.initAndStore),
              ],
              containers: [step("configure", AWS_CLI_IMAGE, script.configure)],
              volumes: [
                { name: "work", emptyDir: { medium: "Memory", sizeLimit: "1Mi" } },
                { name: "tools", emptyDir: { sizeLimit: "512Mi" } },
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
