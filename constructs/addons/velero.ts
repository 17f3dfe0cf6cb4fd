import { backupIntervalHours } from "../../config/schema/platform";
import { WorkloadRole } from "../iam/workload-role";
import { BackupBucket } from "../storage/backup-bucket";
import { AddOn, AddOnContext, containerResources, KubernetesObject, placement, RESTRICTED_CONTAINER, restrictedPod, Values } from "./add-on";
import { AWS_CLI_IMAGE } from "./argocd-backup";
import { LOGGING_NAMESPACE } from "./elasticsearch";
import { kubePrometheusStack } from "./kube-prometheus-stack";
import { PLATFORM_CA_ISSUER, vault, VAULT_IMAGE, VAULT_SNAPSHOT_READER, VAULT_TOKEN_AUDIENCE, vaultSnapshotsOn } from "./vault";

/** A manifest with the metadata this add-on writes (labels, annotations). */
type Manifest = KubernetesObject & { metadata: { labels?: Record<string, string>; annotations?: Record<string, string> } };

const RELEASE = "velero";
const NAMESPACE = "velero";
const SERVER_SERVICE_ACCOUNT = "velero";
/**
 * The object store plugin (S3 only: volumes are snapshotted through CSI, which needs no Velero plugin since 1.14).
 * v1.14.x is the plugin line built against Velero 1.18, the chart's appVersion.
 */
export const VELERO_AWS_PLUGIN_IMAGE = "docker.io/velero/velero-plugin-for-aws:v1.14.0";
/** The VolumeSnapshotClass Velero's CSI support picks for EBS volumes: the one of the driver with Velero's label. */
export const VOLUME_SNAPSHOT_CLASS = "ebs-csi-velero";
/** EC2 tag on every EBS snapshot of a Velero backup, valued with the environment's prefix. */
export const SNAPSHOT_TAG = "velero-backup-of";
/** Where Velero keeps backups in the bucket, and where the Vault snapshots go. */
export const BACKUP_PREFIX = "velero";
export const VAULT_SNAPSHOT_PREFIX = "vault-raft";
/** The Vault snapshot CronJob (and its service account, which Vault's Kubernetes auth role binds). */
export const VAULT_SNAPSHOT_JOB = "vault-raft-snapshot";
/** Any non-root user: the images only read their binaries and write to emptyDir volumes owned by the pod's group. */
const VELERO_USER = 65532;
/** Vault's image user and group, which the snapshot Job's vault CLI and AWS CLI both run as. */
const VAULT_USER = 100;
const VAULT_GROUP = 1000;

/**
 * The namespaces whose add-ons keep data on persistent volumes, each backed up by its own schedule. The `backups`
 * contract checks this list against every claim the platform renders, so a new add-on with a volume fails CI until
 * it is here.
 */
export function backedUpNamespaces(platform: AddOnContext["platform"]): string[] {
  const stateful = [
    // Prometheus, Alertmanager and Grafana.
    platform.kubePrometheusStack.enabled && kubePrometheusStack.namespace,
    // ECK's Elasticsearch cluster, not its operator's namespace (elastic-system), which holds no volume.
    platform.elasticsearch.enabled && LOGGING_NAMESPACE,
    // Raft data and the audit log.
    platform.vault.enabled && vault.namespace,
  ].filter((namespace): namespace is string => typeof namespace === "string");
  return [...new Set(stateful)].sort();
}

/** Velero's name of a schedule (the chart prefixes its fullname): the `schedule` label of its metrics. */
export const scheduleName = (namespace: string) => `${RELEASE}-${namespace}`;

/** Velero's TTL of a backup, as a Go duration. */
export const backupTtl = (days: number) => `${days * 24}h0m0s`;

/** The late threshold, 1.5 × the schedule's interval, in seconds (for expressions) and minutes (for `for:`). */
const lateAfter = (schedule: string) => ({ seconds: backupIntervalHours(schedule) * 1.5 * 3600, minutes: backupIntervalHours(schedule) * 90 });

/**
 * A backup is late when its last success is older than 1.5 × its interval, or when none has succeeded that long
 * after the series appeared (Velero reports 0 until the first success).
 */
function lateRules(alert: string, series: string, schedule: string, what: string): Values[] {
  const late = lateAfter(schedule);
  return [
    {
      alert,
      expr: `time() - ${series} > ${late.seconds} and ${series} > 0`,
      for: "5m",
      labels: { severity: "critical" },
      annotations: { summary: `${what}: the last successful one is older than ${late.minutes / 60} hours (1.5 × its schedule "${schedule}").` },
    },
    {
      alert,
      expr: `absent(${series}) or ${series} == 0`,
      for: `${late.minutes}m`,
      labels: { severity: "critical" },
      annotations: { summary: `${what}: none has succeeded for ${late.minutes / 60} hours (1.5 × its schedule "${schedule}").` },
    },
  ];
}

/** Alerts on the backups: a failed one, a late one per schedule, and the same for Vault's snapshots. Routed by severity. */
export function backupAlerts(context: AddOnContext<"velero">): Values[] {
  const { schedule } = context.settings;
  const snapshot = context.settings.vaultSnapshot;
  return [
    {
      alert: "VeleroBackupFailed",
      expr: 'increase(velero_backup_failure_total{schedule!=""}[1h]) > 0 or increase(velero_backup_partial_failure_total{schedule!=""}[1h]) > 0',
      labels: { severity: "warning" },
      annotations: {
        summary:
          "A Velero backup of schedule {{ $labels.schedule }} failed or partially failed: velero backup describe --details (docs/operations.md#backups).",
      },
    },
    ...backedUpNamespaces(context.platform).flatMap((namespace) =>
      lateRules(
        "VeleroBackupLate",
        `velero_backup_last_successful_timestamp{schedule="${scheduleName(namespace)}"}`,
        schedule,
        `Velero backup of ${namespace}`,
      ),
    ),
    ...(vaultSnapshotsOn(context.platform)
      ? [
          {
            alert: "VaultSnapshotFailed",
            expr: `kube_job_failed{namespace="${NAMESPACE}", job_name=~"${VAULT_SNAPSHOT_JOB}-.*", condition="true"} > 0`,
            labels: { severity: "warning" },
            annotations: {
              summary: "A Vault Raft snapshot Job ({{ $labels.job_name }}) failed: kubectl -n velero logs job/{{ $labels.job_name }} --all-containers.",
            },
          },
          ...lateRules(
            "VaultSnapshotLate",
            `kube_cronjob_status_last_successful_time{namespace="${NAMESPACE}", cronjob="${VAULT_SNAPSHOT_JOB}"}`,
            snapshot.schedule,
            "Vault Raft snapshot",
          ),
        ]
      : []),
  ];
}

/** Velero's AWS side: the backup bucket (and its copy) and the server's role. */
export interface VeleroResources {
  readonly backups: BackupBucket;
  readonly serverRole: WorkloadRole;
  /** The Vault snapshot Job's role, when Vault snapshots are on. */
  readonly snapshotRole?: WorkloadRole;
}

/**
 * What the Velero server may do: backups and their metadata under `velero/` in its bucket, with the bucket's key.
 * No EC2 permission: volumes are snapshotted through CSI VolumeSnapshots, which the EBS CSI driver (its own role,
 * AmazonEBSCSIDriverPolicy and the volume key) takes and restores; Velero only creates the Kubernetes objects.
 */
function serverStatements(backups: BackupBucket) {
  const bucket = backups.bucket;
  return [
    { Sid: "ListBackups", Effect: "Allow" as const, Action: "s3:ListBucket", Resource: bucket.arn },
    {
      Sid: "ReadWriteBackups",
      Effect: "Allow" as const,
      Action: ["s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:AbortMultipartUpload", "s3:ListMultipartUploadParts"],
      Resource: `${bucket.arn}/${BACKUP_PREFIX}/*`,
    },
    ...backups.key.grantIdentity("BackupKey", ["kms:GenerateDataKey", "kms:Decrypt"]).statements,
  ];
}

/** The objects around the release: the snapshot class and, with Vault, the Raft snapshot CronJob and what it needs. */
function veleroObjects(context: AddOnContext<"velero">, resources: VeleroResources): Manifest[] {
  const snapshotClass: Manifest = {
    apiVersion: "snapshot.storage.k8s.io/v1",
    kind: "VolumeSnapshotClass",
    metadata: { name: VOLUME_SNAPSHOT_CLASS, labels: { "velero.io/csi-volumesnapshot-class": "true" } },
    driver: "ebs.csi.aws.com",
    // The EBS CSI driver tags the snapshots it takes through this class: how a teardown finds them (they are not in
    // Terraform's state), docs/operations.md#backups.
    parameters: { tagSpecification_1: `${SNAPSHOT_TAG}=${context.prefix}` },
    // Velero sets its own snapshots' contents to Delete when the backup expires; Retain keeps an EBS snapshot when
    // the VolumeSnapshot is lost with its namespace, which is when it is needed.
    deletionPolicy: "Retain",
  };
  if (!vaultSnapshotsOn(context.platform) || !resources.snapshotRole) return [snapshotClass];
  return [snapshotClass, ...vaultSnapshotObjects(context, resources, resources.snapshotRole)];
}

/** The shell of the snapshot Job's two steps: log in and save the snapshot; upload it encrypted. */
export function vaultSnapshotScript(bucket: string, keyArn: string): { save: string; upload: string } {
  return {
    save: [
      "set -e",
      `VAULT_TOKEN="$(vault write -field=token auth/kubernetes/login role=${VAULT_SNAPSHOT_READER.role} jwt=@/var/run/secrets/vault/token)"`,
      "export VAULT_TOKEN",
      "trap 'vault token revoke -self > /dev/null' EXIT",
      "vault operator raft snapshot save /work/vault.snap",
      "ls -l /work/vault.snap",
    ].join("\n"),
    upload: [
      "set -e",
      `aws s3 cp /work/vault.snap "s3://${bucket}/${VAULT_SNAPSHOT_PREFIX}/$(date -u +%Y-%m-%dT%H%M%SZ).snap" --sse aws:kms --sse-kms-key-id ${keyArn}`,
    ].join("\n"),
  };
}

function vaultSnapshotObjects(context: AddOnContext<"velero">, resources: VeleroResources, role: WorkloadRole): Manifest[] {
  const { schedule } = context.settings.vaultSnapshot;
  const caSecret = `${VAULT_SNAPSHOT_JOB}-ca`;
  const script = vaultSnapshotScript(resources.backups.bucket.name, resources.backups.key.arn);
  const mounts = [
    { name: "work", mountPath: "/work" },
    { name: "ca", mountPath: "/ca", readOnly: true },
  ];
  const env = [
    { name: "VAULT_ADDR", value: `https://${vault.releaseName}.${vault.namespace}.svc:8200` },
    { name: "VAULT_CACERT", value: "/ca/ca.crt" },
    { name: "HOME", value: "/work" },
    { name: "AWS_REGION", value: context.location.region },
  ];
  return [
    {
      apiVersion: "v1",
      kind: "ServiceAccount",
      metadata: { name: VAULT_SNAPSHOT_READER.serviceAccount, namespace: NAMESPACE, annotations: role.serviceAccountAnnotations },
    },
    // Only for its ca.crt: the private CA that signs Vault's serving certificate, which the CLI verifies.
    {
      apiVersion: "cert-manager.io/v1",
      kind: "Certificate",
      metadata: { name: caSecret, namespace: NAMESPACE },
      spec: {
        secretName: caSecret,
        commonName: `${VAULT_SNAPSHOT_JOB}.${NAMESPACE}`,
        duration: "2160h",
        renewBefore: "360h",
        privateKey: { algorithm: "ECDSA", size: 256, rotationPolicy: "Always" },
        usages: ["client auth"],
        issuerRef: { kind: "ClusterIssuer", name: PLATFORM_CA_ISSUER, group: "cert-manager.io" },
      },
    },
    {
      apiVersion: "batch/v1",
      kind: "CronJob",
      metadata: { name: VAULT_SNAPSHOT_JOB, namespace: NAMESPACE },
      spec: {
        schedule,
        timeZone: "Etc/UTC",
        concurrencyPolicy: "Forbid",
        successfulJobsHistoryLimit: 3,
        failedJobsHistoryLimit: 3,
        jobTemplate: {
          spec: {
            backoffLimit: 2,
            // A failed Job (and its alert) clears after one interval; VaultSnapshotLate keeps firing until one succeeds.
            ttlSecondsAfterFinished: backupIntervalHours(schedule) * 3600,
            template: {
              spec: {
                serviceAccountName: VAULT_SNAPSHOT_READER.serviceAccount,
                automountServiceAccountToken: false,
                restartPolicy: "OnFailure",
                securityContext: { ...restrictedPod(VAULT_USER, VAULT_GROUP), fsGroup: VAULT_GROUP },
                ...placement(context, "system"),
                initContainers: [
                  {
                    name: "save",
                    image: VAULT_IMAGE,
                    command: ["/bin/sh", "-c", script.save],
                    env,
                    volumeMounts: [...mounts, { name: "vault-token", mountPath: "/var/run/secrets/vault", readOnly: true }],
                    securityContext: RESTRICTED_CONTAINER,
                    resources: containerResources("50m", "128Mi", "512Mi"),
                  },
                ],
                containers: [
                  {
                    name: "upload",
                    image: AWS_CLI_IMAGE,
                    command: ["/bin/sh", "-c", script.upload],
                    env,
                    // EKS's pod identity webhook adds the web identity token of the service account's role.
                    volumeMounts: mounts,
                    securityContext: RESTRICTED_CONTAINER,
                    // The AWS CLI peaks at about 67 MB; a large snapshot is streamed in parts.
                    resources: containerResources("50m", "256Mi"),
                  },
                ],
                volumes: [
                  { name: "work", emptyDir: { sizeLimit: "2Gi" } },
                  // Only the CA certificate: the Job has no use for the certificate's key.
                  { name: "ca", secret: { secretName: caSecret, items: [{ key: "ca.crt", path: "ca.crt" }] } },
                  // The token Vault's Kubernetes auth role verifies: its audience only, so it is worth nothing elsewhere.
                  {
                    name: "vault-token",
                    projected: { sources: [{ serviceAccountToken: { path: "token", audience: VAULT_TOKEN_AUDIENCE, expirationSeconds: 600 } }] },
                  },
                ],
              },
            },
          },
        },
      },
    },
  ];
}

/**
 * Velero: one schedule per namespace with persistent volumes (its volumes as CSI VolumeSnapshots of the EBS CSI
 * driver, its objects in S3), retention from config, metrics and alerts; and Vault's Raft snapshots on their own
 * schedule into the same bucket. docs/operations.md#backups has the restore runbooks.
 */
export const velero: AddOn<"velero", VeleroResources> = {
  name: "velero",
  releaseName: RELEASE,
  chart: { chart: "velero", repository: "https://vmware-tanzu.github.io/helm-charts", version: "12.1.0" },
  namespace: NAMESPACE,
  // No node agent (file-system backup needs hostPath): every pod here passes restricted.
  podSecurity: { level: "restricted" },
  // Its ServiceMonitor and rules need the operator's CRDs, its CA Certificate cert-manager's, and the snapshot Job Vault.
  after: ["kubePrometheusStack", "certManager", "vault"],
  resources(context) {
    const { retentionDays, vaultSnapshot } = context.settings;
    const snapshots = vaultSnapshotsOn(context.platform);
    const backups = new BackupBucket(context.scope, "Backups", {
      namePrefix: context.prefix,
      purpose: "Cluster backups (Velero, Vault Raft snapshots)",
      noncurrentVersionRetentionDays: 7,
      // Velero deletes its own backups at their TTL; nothing deletes Vault's snapshots but S3.
      expirePrefixes: snapshots ? { [`${VAULT_SNAPSHOT_PREFIX}/`]: vaultSnapshot.retentionDays } : {},
      recoveryRegion: context.recoveryRegion,
      replicaRetentionDays: Math.max(retentionDays, snapshots ? vaultSnapshot.retentionDays : 0),
    });
    const serverRole = context.irsaRole(SERVER_SERVICE_ACCOUNT, serverStatements(backups));
    const snapshotRole = snapshots
      ? context.irsaRole(VAULT_SNAPSHOT_READER.serviceAccount, [
          { Sid: "WriteVaultSnapshots", Effect: "Allow", Action: "s3:PutObject", Resource: `${backups.bucket.arn}/${VAULT_SNAPSHOT_PREFIX}/*` },
          ...backups.key.grantIdentity("EncryptVaultSnapshots", "kms:GenerateDataKey").statements,
        ])
      : undefined;
    return { backups, serverRole, snapshotRole };
  },
  values(context, { backups, serverRole }) {
    const { schedule, retentionDays } = context.settings;
    const monitored = context.platform.kubePrometheusStack.enabled;
    const ttl = backupTtl(retentionDays);
    return {
      initContainers: [
        {
          name: "velero-plugin-for-aws",
          image: VELERO_AWS_PLUGIN_IMAGE,
          // The plugin image's entrypoint copies its binary into /target, the server's /plugins volume.
          volumeMounts: [{ mountPath: "/target", name: "plugins" }],
          securityContext: RESTRICTED_CONTAINER,
          resources: containerResources("10m", "32Mi", "64Mi"),
        },
      ],
      // Also the upgrade-CRDs hook Job's contexts (templates/upgrade-crds/upgrade-crds.yaml).
      podSecurityContext: { ...restrictedPod(VELERO_USER), fsGroup: VELERO_USER },
      // readOnlyRootFilesystem makes the chart mount an emptyDir at /tmp.
      containerSecurityContext: RESTRICTED_CONTAINER,
      resources: containerResources("100m", "256Mi", "1Gi"),
      upgradeJobResources: containerResources("50m", "128Mi", "256Mi"),
      ...placement(context, "system"),
      // Named as the IRSA role's subject (the chart's default is <fullname>-server).
      serviceAccount: { server: { name: SERVER_SERVICE_ACCOUNT, annotations: serverRole.serviceAccountAnnotations } },
      // IRSA: no static credentials Secret.
      credentials: { useSecret: false },
      // CSI snapshots need no VolumeSnapshotLocation; file-system backup (the node agent) stays off.
      snapshotsEnabled: false,
      deployNodeAgent: false,
      configuration: {
        backupStorageLocation: [
          {
            name: "default",
            provider: "aws",
            bucket: backups.bucket.name,
            prefix: BACKUP_PREFIX,
            default: true,
            config: { region: context.location.region, kmsKeyId: backups.key.arn },
          },
        ],
        // Still required with the CSI plugin built in (docs "Container Storage Interface Snapshot Support", 1.14+).
        features: "EnableCSI",
        defaultBackupTTL: ttl,
      },
      schedules: Object.fromEntries(
        backedUpNamespaces(context.platform).map((namespace) => [
          namespace,
          {
            disabled: false,
            schedule,
            useOwnerReferencesInBackup: false,
            template: { ttl, includedNamespaces: [namespace], snapshotVolumes: true, storageLocation: "default", snapshotMoveData: false },
          },
        ]),
      ),
      metrics: {
        enabled: true,
        serviceMonitor: { enabled: monitored },
        prometheusRule: { enabled: monitored, spec: backupAlerts(context) },
      },
    };
  },
  manifests: veleroObjects,
};
