import { ARGOCD_NAMESPACE } from "../../constructs/addons/argo-cd";
import { parseYamlDocument } from "../../constructs/core/json";
import { POLICY_NAMES } from "../../constructs/addons/kyverno-policies";
import { awsLocation, environmentOf, isGuardrailsStack, layerOf, regionOf, resourcesOf, SynthesizedStack } from "../lib/synth-output";
import { karpenterPhase } from "./karpenter";

/**
 * The plan of `npm run teardown` (cli.ts): from an environment's synthesized stacks, the ordered steps that destroy it
 * without hanging on load balancers, finalizers or autoscaled Aurora readers. Pure: steps are data (argv arrays, no
 * shell) that execute.ts runs, so tests check exactly what would run. docs/operations.md#teardown explains each step.
 */

/** Runs a command once. */
export interface RunStep {
  readonly kind: "run";
  readonly why: string;
  readonly argv: readonly string[];
}

/** Runs `argv` every `intervalSeconds` until it prints nothing (nothing left), failing after `timeoutSeconds`. */
export interface WaitUntilEmptyStep {
  readonly kind: "wait-until-empty";
  readonly why: string;
  readonly argv: readonly string[];
  readonly intervalSeconds: number;
  readonly timeoutSeconds: number;
}

/** Runs `list`, then the commands `each` builds for every word (or line) it printed. */
export interface ForEachStep {
  readonly kind: "for-each";
  readonly why: string;
  readonly list: readonly string[];
  /** `words` for `--output text` lists on one line (the AWS CLI's), `lines` for one tab-separated record per line. */
  readonly split: "words" | "lines";
  /** What one item looks like, for the printed plan. */
  readonly placeholder: string;
  readonly each: (item: string) => readonly (readonly string[])[];
}

/**
 * Runs `list`, then for every word (or line) it printed the step `inner` builds from it: a lookup that needs an id only
 * the first list knows (the environment's VPC id, then what GuardDuty created in that VPC).
 */
export interface NestedStep {
  readonly kind: "for-each-step";
  readonly why: string;
  readonly list: readonly string[];
  readonly split: "words" | "lines";
  readonly placeholder: string;
  readonly inner: (item: string) => Step;
}

export type Step = RunStep | WaitUntilEmptyStep | ForEachStep | NestedStep;

/** One numbered section of the printed plan: a heading and the steps that run under it, in order. */
export type Phase = { readonly title: string; readonly steps: readonly Step[] };

/** What the teardown needs to know about an environment, all read from its synthesized stacks. */
export interface TeardownTarget {
  readonly environment: string;
  /** The region of the stacks' default AWS provider: the cluster's and the database's (protections carry their own). */
  readonly region: string;
  /** Stacks in the order `cdktf destroy` takes them: every stack before the stacks it depends on. */
  readonly destroyOrder: readonly string[];
  readonly clusterName?: string;
  readonly databaseClusterIdentifier?: string;
  readonly readerAutoscaling: boolean;
  /** Karpenter launches nodes outside Terraform (a `karpenter` Helm release): they are removed before any stack. */
  readonly karpenter?: boolean;
  /** What keeps data from being destroyed; the teardown removes it only when told to accept losing the data. */
  readonly protections: readonly Protection[];
  /**
   * The account's guardrails stack, when it has one: it stays. `runtimeMonitoringEndpoints` when its GuardDuty manages
   * the EKS agent, which leaves an endpoint and a security group in the environment's VPC that block the VPC's destroy.
   */
  readonly guardrails?: { readonly stack: string; readonly runtimeMonitoringEndpoints: boolean };
  /** Whether the platform installs Kyverno, whose webhooks must stop intercepting before namespaces are deleted. */
  readonly kyverno?: boolean;
}

/**
 * Something that stops a destroy, or outlives it, by design: deletion protection (Aurora, its global database, the
 * ALB), stores that must be emptied first (ECR repositories without `force_delete`, versioned S3 buckets without
 * `force_destroy`, AWS Backup vaults holding recovery points), volumes a `Retain` StorageClass keeps, secrets whose
 * recovery window keeps their names taken, and the final snapshot Aurora takes.
 */
export interface Protection {
  readonly kind: (typeof PROTECTION_ORDER)[number];
  readonly name: string;
  readonly region: string;
}

/**
 * The order protections are listed and released in: deletion protection first (a quick API call each), then the
 * stores that are emptied one item at a time; the final snapshot is released by nothing, it stays.
 */
export const PROTECTION_ORDER = [
  "database-deletion-protection",
  "global-database-deletion-protection",
  "load-balancer-deletion-protection",
  "non-empty-repository",
  "retained-volumes",
  "versioned-bucket",
  "backup-snapshots",
  "backup-vault",
  "secret-recovery-window",
  "final-snapshot",
] as const;

/** Makes Argo CD delete an Application's resources before the Application itself (cascading delete). */
export const ARGOCD_RESOURCES_FINALIZER = "resources-finalizer.argocd.argoproj.io";

/** Prefix of the readers Aurora Auto Scaling adds; Terraform never knows them. */
export const AUTOSCALED_READER_PREFIX = "application-autoscaling-";

/**
 * Stacks of `environment` in destroy order: dependents first, each stack after every stack that depends on it (the
 * reverse of the deploy order). Ties keep the manifest's order, as cdktf's own scheduler does.
 */
export function destroyOrder(stacks: readonly Pick<SynthesizedStack, "name" | "dependencies">[], environment: string): string[] {
  const own = stacks.filter((stack) => environmentOf(stack.name) === environment);
  const ordered: string[] = [];
  while (ordered.length < own.length) {
    const next = own.find(
      (stack) => !ordered.includes(stack.name) && own.every((other) => ordered.includes(other.name) || !other.dependencies.includes(stack.name)),
    );
    if (!next)
      throw new Error(
        `stack dependency cycle among ${own
          .filter((stack) => !ordered.includes(stack.name))
          .map((stack) => stack.name)
          .join(", ")}`,
      );
    ordered.push(next.name);
  }
  return ordered;
}

/** Reads the target of a teardown from the synthesized stacks; throws when the environment has none. */
export function teardownTarget(stacks: readonly SynthesizedStack[], environment: string): TeardownTarget {
  const order = destroyOrder(stacks, environment);
  if (order.length === 0) {
    const known = [...new Set(stacks.map((stack) => environmentOf(stack.name)).filter(Boolean))].join(", ");
    throw new Error(`no stacks for environment "${environment}"; synthesized environments: ${known}`);
  }
  const own = stacks.filter((stack) => order.includes(stack.name));
  const { region } = awsLocation(own[0]!);
  const resources = own.flatMap((stack) =>
    resourcesOf(stack).map((resource) => ({ ...resource, region: regionOf(stack, resource.values.provider) ?? region })),
  );
  const first = (type: string) => resources.find((resource) => resource.type === type)?.values;
  const cluster = first("aws_eks_cluster");
  const database = first("aws_rds_cluster");
  const accountId = awsLocation(own[0]!).accountId;
  const guardrailsStack = stacks.find((stack) => isGuardrailsStack(stack.name) && awsLocation(stack).accountId === accountId);
  const protection = (
    kind: Protection["kind"],
    type: string,
    nameOf: string | ((values: Record<string, unknown>) => unknown),
    applies: (values: Record<string, unknown>) => boolean,
  ): Protection[] =>
    resources
      .filter((resource) => resource.type === type && applies(resource.values))
      .map((resource) => ({ kind, name: String(typeof nameOf === "string" ? resource.values[nameOf] : nameOf(resource.values)), region: resource.region }));
  return {
    environment,
    region,
    destroyOrder: order,
    clusterName: cluster && String(cluster.name),
    databaseClusterIdentifier: database && String(database.cluster_identifier),
    readerAutoscaling: first("aws_appautoscaling_target") !== undefined,
    ...(guardrailsStack
      ? { guardrails: { stack: guardrailsStack.name, runtimeMonitoringEndpoints: cluster !== undefined && managesEksAgent(guardrailsStack) } }
      : {}),
    kyverno: resources.some((resource) => resource.type === "helm_release" && resource.values.chart === "kyverno"),
    ...(resources.some((resource) => resource.type === "helm_release" && resource.values.name === "karpenter") ? { karpenter: true } : {}),
    protections: [
      ...protection("database-deletion-protection", "aws_rds_cluster", "cluster_identifier", (values) => values.deletion_protection === true),
      ...protection(
        "global-database-deletion-protection",
        "aws_rds_global_cluster",
        "global_cluster_identifier",
        (values) => values.deletion_protection === true,
      ),
      ...protection("load-balancer-deletion-protection", "aws_lb", "name", (values) => values.enable_deletion_protection === true),
      ...protection("non-empty-repository", "aws_ecr_repository", "name", (values) => values.force_delete !== true),
      ...protection("retained-volumes", "kubernetes_storage_class_v1", metadataName, (values) => values.reclaim_policy === "Retain"),
      ...protection("versioned-bucket", "aws_s3_bucket", "bucket", (values) => values.force_destroy !== true),
      ...protection("backup-vault", "aws_backup_vault", "name", (values) => values.force_destroy !== true),
      ...resources
        .filter((resource) => resource.type === "helm_release")
        .flatMap((resource) => snapshotTags(resource.values).map((tag) => ({ kind: "backup-snapshots" as const, name: tag, region: resource.region }))),
      // Secrets Manager's default window is 30 days; 0 deletes at once.
      ...protection("secret-recovery-window", "aws_secretsmanager_secret", "name", (values) => values.recovery_window_in_days !== 0),
      // The name ends in a value Terraform fixes at creation (aurora-postgres.ts): shown as a wildcard.
      ...protection(
        "final-snapshot",
        "aws_rds_cluster",
        (values) => String(values.final_snapshot_identifier).replace(/\$\{[^}]*\}/g, "*"),
        (values) => values.skip_final_snapshot === false,
      ),
    ].sort((a, b) => PROTECTION_ORDER.indexOf(a.kind) - PROTECTION_ORDER.indexOf(b.kind)),
  };
}

/** Whether a guardrails stack's GuardDuty runs Runtime Monitoring with the EKS agent it manages (and so its VPC endpoints). */
function managesEksAgent(stack: SynthesizedStack): boolean {
  return resourcesOf(stack).some(
    ({ type, values }) =>
      type === "aws_guardduty_detector_feature" &&
      ["RUNTIME_MONITORING", "EKS_RUNTIME_MONITORING"].includes(String(values.name)) &&
      values.status === "ENABLED" &&
      ((values.additional_configuration as { name?: string; status?: string }[] | undefined) ?? []).some(
        (configuration) => configuration.name === "EKS_ADDON_MANAGEMENT" && configuration.status === "ENABLED",
      ),
  );
}

/** The tag GuardDuty puts on the VPC endpoint and security group it creates for Runtime Monitoring's agent. */
export const GUARDDUTY_MANAGED_TAG = "GuardDutyManaged";

/**
 * GuardDuty removes the endpoint and security group it created in a cluster's VPC only when Runtime Monitoring is
 * disabled account-wide; until then they keep the VPC's subnets and the VPC from being destroyed. Once the cluster is
 * gone nothing uses them: delete the endpoint, wait until it is gone, then its security group.
 */
function guardDutyEndpointCleanup(target: TeardownTarget, networkStack: string): Step[] {
  const region = ["--region", target.region];
  const vpcs = {
    list: ["aws", "ec2", "describe-vpcs", ...region, "--filters", `Name=tag:stack,Values=${networkStack}`, "--query", "Vpcs[].VpcId", "--output", "text"],
    split: "words" as const,
    placeholder: "<vpc-id>",
  };
  const managed = (vpc: string) => [`Name=vpc-id,Values=${vpc}`, `Name=tag:${GUARDDUTY_MANAGED_TAG},Values=true`];
  const endpoints = (vpc: string, query: string) => [
    "aws",
    "ec2",
    "describe-vpc-endpoints",
    ...region,
    "--filters",
    ...managed(vpc),
    "--query",
    query,
    "--output",
    "text",
  ];
  return [
    {
      kind: "for-each-step",
      why: "delete the interface endpoint GuardDuty Runtime Monitoring created in the environment's VPC (the account's guardrails; it blocks the VPC's destroy)",
      ...vpcs,
      inner: (vpc) => ({
        kind: "for-each",
        why: `the GuardDuty-managed endpoints of ${vpc}`,
        list: endpoints(vpc, "VpcEndpoints[].VpcEndpointId"),
        split: "words",
        placeholder: "<vpc-endpoint-id>",
        each: (endpoint) => [["aws", "ec2", "delete-vpc-endpoints", ...region, "--vpc-endpoint-ids", endpoint]],
      }),
    },
    {
      kind: "for-each-step",
      why: "wait until the endpoint is deleted: its network interfaces hold GuardDuty's security group",
      ...vpcs,
      inner: (vpc) => ({
        kind: "wait-until-empty",
        why: `no GuardDuty-managed endpoint left in ${vpc}`,
        argv: endpoints(vpc, "VpcEndpoints[?State!='deleted' && State!='Deleted'].VpcEndpointId"),
        intervalSeconds: 15,
        timeoutSeconds: 600,
      }),
    },
    {
      kind: "for-each-step",
      why: "delete the security group GuardDuty created for that endpoint",
      ...vpcs,
      inner: (vpc) => ({
        kind: "for-each",
        why: `the GuardDuty-managed security groups of ${vpc}`,
        list: ["aws", "ec2", "describe-security-groups", ...region, "--filters", ...managed(vpc), "--query", "SecurityGroups[].GroupId", "--output", "text"],
        split: "words",
        placeholder: "<security-group-id>",
        each: (group) => [["aws", "ec2", "delete-security-group", ...region, "--group-id", group]],
      }),
    },
  ];
}

/**
 * The EC2 tags (`key=value`) a release's VolumeSnapshotClasses put on the EBS snapshots they take
 * (`tagSpecification_<n>` of the EBS CSI driver): Velero's backups of volumes, which Terraform's state does not hold.
 */
function snapshotTags(values: Record<string, unknown>): string[] {
  const documents = (Array.isArray(values.values) ? values.values : []).map((text) => parseYamlDocument(String(text)) as { manifests?: unknown } | null);
  return documents
    .flatMap((document) => (Array.isArray(document?.manifests) ? (document.manifests as Record<string, unknown>[]) : []))
    .filter((object) => object.kind === "VolumeSnapshotClass")
    .flatMap((object) => Object.entries((object.parameters as Record<string, unknown> | undefined) ?? {}))
    .filter(([key, value]) => key.startsWith("tagSpecification_") && typeof value === "string" && value.includes("="))
    .map(([, value]) => String(value));
}

/** A Kubernetes object's name from its `metadata` block (an object, or a one-element list in some renderings). */
function metadataName(values: Record<string, unknown>): unknown {
  const metadata: unknown = Array.isArray(values.metadata) ? (values.metadata as unknown[])[0] : values.metadata;
  return (metadata as Record<string, unknown> | undefined)?.name;
}

/** Protections something must be done about before the destroy; the final snapshot only stays. */
export function blocking(protections: readonly Protection[]): Protection[] {
  return protections.filter((protection) => protection.kind !== "final-snapshot");
}

/** The teardown, phase by phase. */
export function teardownPlan(target: TeardownTarget, options: { kubeconfig: string; acceptDataLoss: boolean }): Phase[] {
  const phases: Phase[] = [];
  if (target.clusterName) phases.push(kubernetesPhase(target, target.clusterName, options.kubeconfig));
  if (target.clusterName && target.karpenter) phases.push(karpenterPhase(target.clusterName, target.region, options.kubeconfig));
  if (target.databaseClusterIdentifier && target.readerAutoscaling) phases.push(readerPhase(target, target.databaseClusterIdentifier));
  if (options.acceptDataLoss && blocking(target.protections).length > 0) {
    phases.push({
      title: `Remove what protects the data of ${target.environment} (--accept-data-loss)`,
      steps: blocking(target.protections).map((protection) => removeProtection(protection, options.kubeconfig)),
    });
  }
  phases.push({
    title: `Destroy the stacks of ${target.environment}, dependents first`,
    steps: [
      { kind: "run", why: "synthesize the stacks that are destroyed (cdktf.out/)", argv: ["npm", "run", "synth"] },
      ...target.destroyOrder.flatMap((stack): Step[] => [
        ...(layerOf(stack) === "network" && target.guardrails?.runtimeMonitoringEndpoints ? guardDutyEndpointCleanup(target, stack) : []),
        {
          kind: "run",
          why: `destroy ${stack} (every stack that reads its outputs is gone already, so the dependency check is skipped)`,
          argv: ["node", "--require", "tsx/cjs", "tools/cdktf.ts", "destroy", stack, "--auto-approve", "--skip-synth", "--ignore-missing-stack-dependencies"],
        },
        ...(layerOf(stack) === "platform" && target.clusterName
          ? [...volumeCleanup(options.kubeconfig), ...(target.kyverno ? [kyvernoWebhookCleanup(options.kubeconfig)] : [])]
          : []),
      ]),
    ],
  });
  return phases;
}

function kubernetesPhase(target: TeardownTarget, clusterName: string, kubeconfig: string): Phase {
  const kubectl = (...args: string[]) => ["kubectl", "--kubeconfig", kubeconfig, ...args];
  const waitUntilEmpty = (why: string, argv: string[]): WaitUntilEmptyStep => ({
    kind: "wait-until-empty",
    why,
    argv,
    intervalSeconds: 15,
    timeoutSeconds: 900,
  });
  return {
    title: `Empty the cluster ${clusterName} of what creates AWS resources outside Terraform`,
    steps: [
      {
        kind: "run",
        why: "a kubeconfig for this teardown only (your own kubeconfig is left alone)",
        argv: ["aws", "eks", "update-kubeconfig", "--region", target.region, "--name", clusterName, "--kubeconfig", kubeconfig],
      },
      ...(target.kyverno ? [kyvernoPolicyRemoval(kubectl)] : []),
      {
        kind: "run",
        why: "stop ApplicationSets first, or they recreate the Applications deleted next",
        argv: kubectl("delete", "applicationsets.argoproj.io", "--all", "-n", ARGOCD_NAMESPACE, "--ignore-not-found", "--wait=true", "--timeout=10m"),
      },
      {
        kind: "for-each",
        why: "give every Application Argo CD's resources finalizer, so deleting it deletes what it deployed instead of orphaning it",
        list: kubectl("get", "applications.argoproj.io", "-n", ARGOCD_NAMESPACE, "-o", "name", "--ignore-not-found"),
        split: "lines",
        placeholder: "application.argoproj.io/<name>",
        each: (application) => [
          kubectl(
            "patch",
            application,
            "-n",
            ARGOCD_NAMESPACE,
            "--type",
            "merge",
            "-p",
            JSON.stringify({ metadata: { finalizers: [ARGOCD_RESOURCES_FINALIZER] } }),
          ),
        ],
      },
      {
        kind: "run",
        why: "delete every Argo CD Application; kubectl waits until the finalizer has deleted what each one deployed",
        argv: kubectl("delete", "applications.argoproj.io", "--all", "-n", ARGOCD_NAMESPACE, "--ignore-not-found", "--wait=true", "--timeout=15m"),
      },
      {
        kind: "run",
        why: "delete the Ingresses nobody else owns, while the AWS Load Balancer Controller still runs to delete their ALBs",
        argv: kubectl("delete", "ingresses.networking.k8s.io", "--all", "--all-namespaces", "--ignore-not-found", "--wait=true", "--timeout=10m"),
      },
      waitUntilEmpty("wait until no Ingress is left", kubectl("get", "ingresses.networking.k8s.io", "--all-namespaces", "-o", "name")),
      waitUntilEmpty(
        "wait until no Service of type LoadBalancer is left (each holds an NLB and its security groups)",
        kubectl(
          "get",
          "services",
          "--all-namespaces",
          "-o",
          'jsonpath={range .items[?(@.spec.type=="LoadBalancer")]}{.metadata.namespace}/{.metadata.name}{"\\n"}{end}',
        ),
      ),
      waitUntilEmpty(
        "wait until the controller has released every TargetGroupBinding (its target groups and security group rules)",
        kubectl("get", "targetgroupbindings.elbv2.k8s.aws", "--all-namespaces", "-o", "name", "--ignore-not-found"),
      ),
    ],
  };
}

/**
 * Kyverno's webhooks (failurePolicy Fail in enforce mode) would refuse the deletions that empty a namespace once its
 * pods are gone. Deleting the platform's ClusterPolicies first, while Kyverno runs, makes it drop their rules from its
 * webhook configurations: nothing is intercepted while the releases and namespaces are destroyed.
 */
function kyvernoPolicyRemoval(kubectl: (...args: string[]) => string[]): RunStep {
  return {
    kind: "run",
    why: "delete the platform's Kyverno ClusterPolicies while Kyverno runs, so its webhooks stop intercepting before namespaces are deleted",
    argv: kubectl("delete", "clusterpolicies.kyverno.io", ...Object.values(POLICY_NAMES), "--ignore-not-found", "--wait=true", "--timeout=5m"),
  };
}

/**
 * The chart's pre-delete hook (readiness-checker `delete-webhooks`) removes Kyverno's mutating webhook configurations;
 * at chart 3.9.0 it deletes ValidatingAdmissionPolicies of the validating ones' names instead of the configurations.
 */
function kyvernoWebhookCleanup(kubeconfig: string): RunStep {
  return {
    kind: "run",
    why: "delete the webhook configurations Kyverno leaves behind (they name a service that no longer exists)",
    argv: [
      "kubectl",
      "--kubeconfig",
      kubeconfig,
      "delete",
      "validatingwebhookconfigurations,mutatingwebhookconfigurations",
      "-l",
      "webhook.kyverno.io/managed-by=kyverno",
      "--ignore-not-found",
    ],
  };
}

/**
 * Helm keeps the PersistentVolumeClaims of uninstalled StatefulSets (Prometheus, Vault, Elasticsearch): their EBS
 * volumes would outlive the cluster. Once the platform stack is gone nothing mounts them, and the EBS CSI driver (an
 * EKS add-on of the cluster stack) still runs to delete the volumes.
 */
function volumeCleanup(kubeconfig: string): Step[] {
  const kubectl = (...args: string[]) => ["kubectl", "--kubeconfig", kubeconfig, ...args];
  return [
    {
      kind: "run",
      why: "delete the PersistentVolumeClaims the uninstalled charts left behind",
      argv: kubectl("delete", "persistentvolumeclaims", "--all", "--all-namespaces", "--ignore-not-found", "--wait=true", "--timeout=10m"),
    },
    {
      kind: "wait-until-empty",
      why: "wait until the EBS CSI driver has deleted every volume",
      argv: kubectl("get", "persistentvolumes", "-o", "name"),
      intervalSeconds: 15,
      timeoutSeconds: 600,
    },
  ];
}

function removeProtection(protection: Protection, kubeconfig: string): Step {
  const region = ["--region", protection.region];
  switch (protection.kind) {
    case "load-balancer-deletion-protection":
      return {
        kind: "for-each",
        why: `turn off deletion protection of the load balancer ${protection.name}`,
        list: [
          "aws",
          "elbv2",
          "describe-load-balancers",
          ...region,
          "--names",
          protection.name,
          "--query",
          "LoadBalancers[].LoadBalancerArn",
          "--output",
          "text",
        ],
        split: "words",
        placeholder: "<load-balancer-arn>",
        each: (arn) => [
          [
            "aws",
            "elbv2",
            "modify-load-balancer-attributes",
            ...region,
            "--load-balancer-arn",
            arn,
            "--attributes",
            "Key=deletion_protection.enabled,Value=false",
          ],
        ],
      };
    case "non-empty-repository":
      return {
        kind: "for-each",
        why: `delete every image of the ECR repository ${protection.name} (force_delete is off, and Terraform cannot delete a repository that holds images)`,
        list: ["aws", "ecr", "list-images", ...region, "--repository-name", protection.name, "--query", "imageIds[].imageDigest", "--output", "text"],
        split: "words",
        placeholder: "<image-digest>",
        each: (digest) => [["aws", "ecr", "batch-delete-image", ...region, "--repository-name", protection.name, "--image-ids", `imageDigest=${digest}`]],
      };
    case "retained-volumes":
      return {
        kind: "for-each",
        why: `make every PersistentVolume deletable (StorageClass ${protection.name} retains volumes): deleting the claims after the platform stack then deletes their EBS volumes`,
        list: ["kubectl", "--kubeconfig", kubeconfig, "get", "persistentvolumes", "-o", "name"],
        split: "lines",
        placeholder: "persistentvolume/<name>",
        each: (volume) => [
          [
            "kubectl",
            "--kubeconfig",
            kubeconfig,
            "patch",
            volume,
            "--type",
            "merge",
            "-p",
            JSON.stringify({ spec: { persistentVolumeReclaimPolicy: "Delete" } }),
          ],
        ],
      };
    case "secret-recovery-window":
      return {
        kind: "run",
        why: `delete the secret ${protection.name} without a recovery window, so recreating the environment can use its name again at once`,
        argv: ["aws", "secretsmanager", "delete-secret", ...region, "--secret-id", protection.name, "--force-delete-without-recovery"],
      };
    case "final-snapshot":
      throw new Error(`the final snapshot ${protection.name} is kept, not removed`);
    case "database-deletion-protection":
      return {
        kind: "run",
        why: `turn off deletion protection of ${protection.name}`,
        argv: ["aws", "rds", "modify-db-cluster", ...region, "--db-cluster-identifier", protection.name, "--no-deletion-protection", "--apply-immediately"],
      };
    case "global-database-deletion-protection":
      return {
        kind: "run",
        why: `turn off deletion protection of the global database ${protection.name}`,
        argv: ["aws", "rds", "modify-global-cluster", ...region, "--global-cluster-identifier", protection.name, "--no-deletion-protection"],
      };
    case "versioned-bucket":
      return {
        kind: "for-each",
        why: `delete every object version and delete marker of s3://${protection.name} (Terraform cannot delete a non-empty bucket)`,
        list: [
          "aws",
          "s3api",
          "list-object-versions",
          ...region,
          "--bucket",
          protection.name,
          "--query",
          "[Versions, DeleteMarkers][][Key, VersionId]",
          "--output",
          "text",
        ],
        split: "lines",
        placeholder: "<key>\t<version-id>",
        each: (record) => {
          const [key = "", versionId = ""] = record.split("\t");
          return [["aws", "s3api", "delete-object", ...region, "--bucket", protection.name, "--key", key, "--version-id", versionId]];
        },
      };
    case "backup-snapshots": {
      const [key = "", value = ""] = protection.name.split("=");
      return {
        kind: "for-each",
        why: `delete the EBS snapshots of the cluster's backups (tagged ${protection.name}; not in Terraform's state, they would outlive the environment)`,
        list: [
          "aws",
          "ec2",
          "describe-snapshots",
          ...region,
          "--owner-ids",
          "self",
          "--filters",
          `Name=tag:${key},Values=${value}`,
          "--query",
          "Snapshots[].SnapshotId",
          "--output",
          "text",
        ],
        split: "words",
        placeholder: "<snapshot-id>",
        each: (id) => [["aws", "ec2", "delete-snapshot", ...region, "--snapshot-id", id]],
      };
    }
    case "backup-vault":
      return {
        kind: "for-each",
        why: `delete the recovery points in backup vault ${protection.name} (${protection.region}; AWS refuses to delete a non-empty vault)`,
        list: [
          "aws",
          "backup",
          "list-recovery-points-by-backup-vault",
          ...region,
          "--backup-vault-name",
          protection.name,
          "--query",
          "RecoveryPoints[].RecoveryPointArn",
          "--output",
          "text",
        ],
        split: "words",
        placeholder: "<recovery-point-arn>",
        each: (arn) => [["aws", "backup", "delete-recovery-point", ...region, "--backup-vault-name", protection.name, "--recovery-point-arn", arn]],
      };
  }
}

function readerPhase(target: TeardownTarget, identifier: string): Phase {
  const region = ["--region", target.region];
  return {
    title: `Remove the autoscaled Aurora readers of ${identifier}`,
    steps: [
      {
        kind: "run",
        why: "stop Aurora Auto Scaling from adding readers while the cluster is torn down (Terraform forgets the target on refresh)",
        argv: [
          "aws",
          "application-autoscaling",
          "deregister-scalable-target",
          ...region,
          "--service-namespace",
          "rds",
          "--scalable-dimension",
          "rds:cluster:ReadReplicaCount",
          "--resource-id",
          `cluster:${identifier}`,
        ],
      },
      {
        kind: "for-each",
        why: `delete each ${AUTOSCALED_READER_PREFIX}* reader and wait until it is gone: the cluster cannot be deleted while they exist`,
        list: [
          "aws",
          "rds",
          "describe-db-clusters",
          ...region,
          "--db-cluster-identifier",
          identifier,
          "--query",
          `DBClusters[0].DBClusterMembers[?starts_with(DBInstanceIdentifier, '${AUTOSCALED_READER_PREFIX}')].DBInstanceIdentifier`,
          "--output",
          "text",
        ],
        split: "words",
        placeholder: "<instance-id>",
        each: (instance) => [
          ["aws", "rds", "delete-db-instance", ...region, "--db-instance-identifier", instance],
          ["aws", "rds", "wait", "db-instance-deleted", ...region, "--db-instance-identifier", instance],
        ],
      },
    ],
  };
}

/** The plan as text, `$`-prefixed commands quoted for a POSIX shell. */
export function formatPlan(target: TeardownTarget, phases: readonly Phase[]): string {
  const lines = [`Teardown of ${target.environment} (${target.region}); destroy order: ${target.destroyOrder.join(" → ")}`];
  const released = phases.some((phase) => phase.title.includes("--accept-data-loss"));
  if (blocking(target.protections).length > 0 && !released) {
    lines.push("Protected data stops the destroy until you decide otherwise (--accept-data-loss removes it; docs/operations.md#teardown):");
    blocking(target.protections).forEach((protection) => lines.push(`  - ${describeProtection(protection)}`));
  }
  const stays = target.protections.filter((protection) => protection.kind === "final-snapshot");
  if (stays.length > 0 || target.guardrails) {
    lines.push("What stays after the destroy (docs/operations.md#what-stays):");
    stays.forEach((protection) => lines.push(`  - ${describeProtection(protection)}`));
    if (target.guardrails) {
      lines.push(
        `  - the account's guardrails (${target.guardrails.stack}): its trail, GuardDuty, AWS Config and the Object Lock audit bucket belong to the account, not the environment; the records of this environment stay locked for their retention (docs/security.md#account-guardrails)`,
      );
    }
  }
  phases.forEach((phase, index) => {
    lines.push("", `${index + 1}. ${phase.title}`);
    phase.steps.forEach((step) => lines.push(...formatStep(step, "   ")));
  });
  return `${lines.join("\n")}\n`;
}

function formatStep(step: Step, indent: string): string[] {
  const lines = [`${indent}# ${step.why}`];
  const then = (split: "words" | "lines", placeholder: string) =>
    `${indent}# then for each ${split === "words" ? "word" : "line"} it prints (${JSON.stringify(placeholder)}):`;
  if (step.kind === "run") lines.push(`${indent}$ ${shellQuote(step.argv)}`);
  if (step.kind === "wait-until-empty") {
    lines.push(`${indent}$ ${shellQuote(step.argv)}   # every ${step.intervalSeconds}s until it prints nothing, at most ${step.timeoutSeconds}s`);
  }
  if (step.kind === "for-each") {
    lines.push(`${indent}$ ${shellQuote(step.list)}`, then(step.split, step.placeholder));
    step.each(step.placeholder).forEach((argv) => lines.push(`${indent}$ ${shellQuote(argv)}`));
  }
  if (step.kind === "for-each-step") {
    lines.push(`${indent}$ ${shellQuote(step.list)}`, then(step.split, step.placeholder), ...formatStep(step.inner(step.placeholder), `${indent}  `));
  }
  return lines;
}

function describeProtection(protection: Protection): string {
  switch (protection.kind) {
    case "database-deletion-protection":
      return `Aurora cluster ${protection.name} has deletion protection (the production tier turns it on)`;
    case "global-database-deletion-protection":
      return `global database ${protection.name} has deletion protection`;
    case "versioned-bucket":
      return `s3://${protection.name} keeps versions and has no force_destroy: it must be emptied first`;
    case "backup-snapshots":
      return `EBS snapshots tagged ${protection.name} (${protection.region}) hold the cluster's volume backups and are not in Terraform's state: they must be deleted`;
    case "backup-vault":
      return `backup vault ${protection.name} (${protection.region}) must have no recovery points left`;
    case "load-balancer-deletion-protection":
      return `load balancer ${protection.name} has deletion protection (the production tier turns it on)`;
    case "non-empty-repository":
      return `ECR repository ${protection.name} has no force_delete: every image must be deleted first`;
    case "retained-volumes":
      return `StorageClass ${protection.name} retains volumes (reclaimPolicy Retain): their PersistentVolumes and EBS volumes outlive the claims unless made deletable`;
    case "secret-recovery-window":
      return `secret ${protection.name} (${protection.region}) has a recovery window: after the destroy its name stays taken until the window ends`;
    case "final-snapshot":
      return `Aurora takes the final snapshot ${protection.name} (${protection.region}) on destroy; it is kept and billed until you delete it (aws rds delete-db-cluster-snapshot)`;
  }
}

export function shellQuote(argv: readonly string[]): string {
  return argv.map((arg) => (/^[A-Za-z0-9_@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`)).join(" ");
}

/** Throws, before any command runs, when protections are in the way and the data loss was not accepted. */
export function refuseProtectedData(target: TeardownTarget, acceptDataLoss: boolean): void {
  if (acceptDataLoss || blocking(target.protections).length === 0) return;
  const what = blocking(target.protections)
    .map((protection) => `  - ${describeProtection(protection)}`)
    .join("\n");
  throw new Error(
    `refusing to execute, nothing was changed: ${target.environment} has protected data:\n${what}\nadd --accept-data-loss to delete it with the environment`,
  );
}
