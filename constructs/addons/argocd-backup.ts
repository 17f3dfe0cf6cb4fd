import { Construct } from "constructs";
import { ITerraformDependable } from "cdktf";
import { CronJobV1 } from "@cdktf/provider-kubernetes/lib/cron-job-v1";
import { RoleBindingV1 } from "@cdktf/provider-kubernetes/lib/role-binding-v1";
import { RoleV1 } from "@cdktf/provider-kubernetes/lib/role-v1";
import { ServiceAccountV1 } from "@cdktf/provider-kubernetes/lib/service-account-v1";
import { AwsScope } from "../core/aws-scope";
import { workloadRole, WorkloadIdentityOptions } from "../iam/workload-identity";
import { WorkloadRole } from "../iam/workload-role";
import { KmsKey } from "../security/kms-key";
import { AccessLogBucket, serverAccessLogs } from "../storage/access-log-bucket";
import { SecureBucket } from "../storage/secure-bucket";
import { RESTRICTED_CONTAINER } from "./add-on";

export interface ArgoCdBackupProps {
  /** `<project>-<env>`: prefixes the bucket, key and role names. */
  readonly namePrefix: string;
  /** Namespace of Argo CD: the backup's service account and CronJob run there, next to the server they export. */
  readonly namespace: string;
  /** The cluster's workload identity: the CronJob's role is an IRSA or a Pod Identity role (the AWS CLI supports both). */
  readonly identity: WorkloadIdentityOptions;
  /** Cron schedule (UTC). */
  readonly schedule: string;
  /** The `argocd` CLI image; the same version as the server, so the export format matches. */
  readonly argocdImage: string;
  /** What must exist before the CronJob (the Argo CD release). */
  readonly dependsOn: ITerraformDependable[];
  /** Days a backup is kept (and an overwritten version of one). */
  readonly retentionDays: number;
}

const SERVICE_ACCOUNT = "argocd-backup";
export const AWS_CLI_IMAGE = "public.ecr.aws/aws-cli/aws-cli:2.27.50";

/**
 * A daily `argocd admin export` (applications, projects, settings, repository credentials) uploaded to a versioned
 * S3 bucket encrypted with its own CMK. The CronJob runs as its own service account: Kubernetes RBAC to read Argo CD's
 * objects in its namespace, and a role (IRSA or Pod Identity) that may only put objects into the backup bucket.
 */
export class ArgoCdBackup extends Construct {
  readonly bucket: SecureBucket;
  /** Where S3 logs access to the backups (who read or deleted a backup, and when). */
  readonly accessLogs: AccessLogBucket;
  readonly role: WorkloadRole;
  readonly cronJob: CronJobV1;

  constructor(scope: Construct, id: string, props: ArgoCdBackupProps) {
    super(scope, id);
    const key = new KmsKey(this, "Key", {
      description: `Argo CD configuration backups of ${props.namePrefix}`,
      alias: `${props.namePrefix}-argocd-backup`,
    });
    const bucketName = `${props.namePrefix}-argocd-backup-${AwsScope.of(this).accountId}`;
    const accessLogs = serverAccessLogs(this, bucketName);
    this.accessLogs = accessLogs.bucket;
    this.bucket = new SecureBucket(this, "Bucket", {
      bucketName,
      key,
      accessLogs,
      noncurrentVersionRetentionDays: props.retentionDays,
      expireObjectsAfterDays: props.retentionDays,
    });
    this.role = workloadRole(this, "Role", props.identity, {
      roleName: `${props.namePrefix}-${SERVICE_ACCOUNT}`,
      namespace: props.namespace,
      serviceAccount: SERVICE_ACCOUNT,
      statements: [
        { Sid: "WriteBackups", Effect: "Allow", Action: "s3:PutObject", Resource: `${this.bucket.arn}/argocd/*` },
        { Sid: "EncryptBackups", Effect: "Allow", Action: ["kms:GenerateDataKey", "kms:Encrypt"], Resource: key.arn },
      ],
    });
    const serviceAccount = new ServiceAccountV1(this, "ServiceAccount", {
      metadata: { name: SERVICE_ACCOUNT, namespace: props.namespace, annotations: this.role.serviceAccountAnnotations },
      dependsOn: props.dependsOn,
    });
    const role = new RoleV1(this, "ReadArgoCd", {
      metadata: { name: SERVICE_ACCOUNT, namespace: props.namespace },
      rule: [
        { apiGroups: [""], resources: ["configmaps", "secrets"], verbs: ["get", "list"] },
        { apiGroups: ["argoproj.io"], resources: ["applications", "applicationsets", "appprojects"], verbs: ["get", "list"] },
      ],
      dependsOn: props.dependsOn,
    });
    new RoleBindingV1(this, "ReadArgoCdBinding", {
      metadata: { name: SERVICE_ACCOUNT, namespace: props.namespace },
      roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: role.metadata.name },
      subject: [{ kind: "ServiceAccount", name: serviceAccount.metadata.name, namespace: props.namespace }],
    });
    // The argocd image's user; the AWS CLI image has none of its own, so both run as it.
    const restricted = { ...RESTRICTED_CONTAINER, runAsUser: "999" };
    const backupVolume = { name: "backup", mountPath: "/backup" };
    // Both CLIs keep caches under $HOME; the root filesystem is read-only.
    const home = [{ name: "HOME", value: "/backup" }];
    this.cronJob = new CronJobV1(this, "CronJob", {
      metadata: { name: SERVICE_ACCOUNT, namespace: props.namespace },
      spec: {
        schedule: props.schedule,
        timezone: "Etc/UTC",
        concurrencyPolicy: "Forbid",
        successfulJobsHistoryLimit: 3,
        failedJobsHistoryLimit: 3,
        jobTemplate: {
          metadata: {},
          spec: {
            backoffLimit: 2,
            template: {
              metadata: {},
              spec: {
                serviceAccountName: serviceAccount.metadata.name,
                restartPolicy: "OnFailure",
                initContainer: [
                  {
                    name: "export",
                    image: props.argocdImage,
                    command: ["sh", "-c", `argocd admin export --namespace ${props.namespace} > /backup/argocd.yaml`],
                    env: home,
                    volumeMount: [backupVolume],
                    securityContext: restricted,
                    resources: { requests: { cpu: "50m", memory: "128Mi" }, limits: { memory: "512Mi" } },
                  },
                ],
                container: [
                  {
                    name: "upload",
                    image: AWS_CLI_IMAGE,
                    command: [
                      "sh",
                      "-c",
                      `aws s3 cp /backup/argocd.yaml "s3://${this.bucket.name}/argocd/$(date -u +%Y-%m-%dT%H%M%SZ).yaml" --sse aws:kms --sse-kms-key-id ${key.arn}`,
                    ],
                    env: home,
                    volumeMount: [backupVolume],
                    securityContext: restricted,
                    resources: { requests: { cpu: "50m", memory: "128Mi" }, limits: { memory: "256Mi" } },
                  },
                ],
                volume: [{ name: "backup", emptyDir: { sizeLimit: "1Gi" } }],
              },
            },
          },
        },
      },
      dependsOn: [...props.dependsOn, serviceAccount],
    });
  }
}
