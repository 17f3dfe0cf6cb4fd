import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";
import type { EnvironmentConfig } from "../../config";
import { chartsDir, ChartData, findChart } from "../chart-values";
import { kustomize, overlayDirectory } from "../gitops-render";
import { REPO_ROOT } from "../lib/repo";
import { awsLocation, environmentOf, regionOf, SynthesizedStack } from "../lib/synth-output";
import { parseYamlDocument, scalarText } from "../../constructs/core/json";
import { CHARTS, ChartFacts, ChartSecurity, firstSet, switchedOn } from "./chart-workloads";
import { addressOf, resolve, resourcesOfType } from "./terraform";
import { karpenterNodePools } from "./karpenter-pools";
import type { KubeObject, NodePoolFacts, ObjectModel, ReleaseModel, SystemModel, WorkloadFacts } from "./types";
import { asArray, asMap, asString, isMap, isSet, Json, mergeValues, valueAt } from "./values";

/** The local chart's name and version: its asset path in the synth names the asset, not the chart. */
const LOCAL_CHART = (() => {
  const meta = parse(fs.readFileSync(path.join(REPO_ROOT, "charts", "platform-manifests", "Chart.yaml"), "utf8")) as { name: string; version: string };
  return { name: String(meta.name), version: String(meta.version) };
})();

/** A chart's default values with its subcharts' defaults under their names, as Helm coalesces them. */
export type ChartDefaults = (chart: string, version: string) => Json;

export function publishedChartDefaults(root = chartsDir(REPO_ROOT)): ChartDefaults {
  const cache = new Map<string, Json>();
  const withSubcharts = (chart: ChartData): Json => {
    let defaults = chart.defaults;
    for (const [name, subchart] of chart.subcharts) defaults = { ...defaults, [name]: mergeValues(withSubcharts(subchart), asMap(defaults[name])) };
    return defaults;
  };
  return (chart, version) => {
    const key = `${chart}@${version}`;
    if (!cache.has(key)) {
      const found = chart === LOCAL_CHART.name ? { chart: undefined } : findChart(root, chart, version);
      if ("missing" in found) throw new ModelError(`chart ${chart} ${version}: ${found.missing}`);
      cache.set(key, found.chart ? withSubcharts(found.chart) : {});
    }
    return cache.get(key)!;
  };
}

/** A problem building the model: the CLI prints its message as one line. */
export class ModelError extends Error {}

export interface GitopsRender {
  /** `overlays/<env>`: where the objects come from. */
  readonly overlay: string;
  readonly objects: readonly KubeObject[];
}

/** The environment's stacks and its account's bootstrap stacks, by name. */
/** The environment's own stacks and the account-level stacks (bootstrap) of its account: other accounts' are not its system. */
function stacksOf(environment: EnvironmentConfig, stacks: readonly SynthesizedStack[]): SynthesizedStack[] {
  return stacks.filter((stack) => {
    const owner = environmentOf(stack.name);
    if (owner !== undefined) return owner === environment.name;
    // A stack without an AWS provider (the Terraform Cloud workspaces stack) belongs to no account's system.
    if (regionOf(stack) === undefined) return false;
    const account = awsLocation(stack).accountId;
    return account === undefined || account === environment.account.id;
  });
}

/** Builds the model of one environment from its synthesized stacks, its rendered gitops overlay and the charts' defaults. */
export function buildSystemModel(
  environment: EnvironmentConfig,
  allStacks: readonly SynthesizedStack[],
  gitops: GitopsRender | undefined,
  chartDefaults: ChartDefaults,
): SystemModel {
  const own = stacksOf(environment, allStacks);
  const stacks = Object.fromEntries(own.map((stack) => [stack.name, stack.json as Record<string, unknown>]));
  const releases = own.flatMap((stack) => releasesOf(stack));
  const objects: ObjectModel[] = [
    ...own.flatMap((stack) => [...terraformObjects(stacks, stack.name), ...addonServiceAccounts(stacks, stack.name)]),
    ...releases.flatMap((release) => releaseObjects(release, chartDefaults)),
    ...(gitops?.objects ?? []).map((object) => ({ source: `gitops:${gitops!.overlay}`, object })),
  ];
  return {
    environment,
    stacks,
    stackDependencies: Object.fromEntries(own.map((stack) => [stack.name, stack.dependencies])),
    releases,
    objects,
    // Managed node groups, and Karpenter's NodePools when it launches the stateful and stateless nodes.
    nodePools: [...nodePoolsOf(environment, stacks), ...karpenterNodePools(environment, objects)],
    workloads: [...objects.flatMap(objectWorkloads), ...releases.flatMap((release) => releaseWorkloads(release, chartDefaults))],
  };
}

/** One model per environment from one synth (`npm run build` first), with the gitops overlays rendered by kubectl. */
export function buildSystemModels(
  environments: readonly EnvironmentConfig[],
  stacks: readonly SynthesizedStack[],
  chartDefaults = publishedChartDefaults(),
): SystemModel[] {
  return environments.map((environment) => {
    const overlay = overlayDirectory(environment.name);
    const gitops = fs.existsSync(overlay) ? { overlay: `overlays/${environment.name}`, objects: kustomize(overlay) } : undefined;
    return buildSystemModel(environment, stacks, gitops, chartDefaults);
  });
}

function releasesOf(stack: SynthesizedStack): ReleaseModel[] {
  return Object.entries(asMap(asMap(stack.json.resource).helm_release)).map(([name, raw]) => {
    const release = asMap(raw);
    const local = release.repository === undefined;
    const values = asArray(release.values).reduce<Json>((merged, text) => {
      const document: unknown = typeof text === "string" ? parseYamlDocument(text) : undefined;
      return isMap(document) ? mergeValues(merged, document) : merged;
    }, {});
    return {
      stack: stack.name,
      address: `helm_release.${name}`,
      name: String(release.name),
      namespace: scalarText(release.namespace) ?? "default",
      chart: local ? LOCAL_CHART.name : String(release.chart),
      version: local ? LOCAL_CHART.version : String(release.version),
      values,
      dependsOn: asArray(release.depends_on).map(String),
    };
  });
}

export function chartFacts(release: Pick<ReleaseModel, "chart" | "stack" | "name" | "version">): ChartFacts {
  const facts = CHARTS[release.chart];
  if (!facts) {
    throw new ModelError(
      `${release.stack} helm_release ${release.name}: chart ${release.chart} ${release.version} has no entry in tools/contracts/chart-workloads.ts; add what it renders (workloads, service accounts, CRDs)`,
    );
  }
  return facts;
}

/** The release's values over the chart's defaults: what its templates read. */
export function effectiveValues(release: ReleaseModel, chartDefaults: ChartDefaults): Json {
  return mergeValues(chartDefaults(release.chart, release.version), release.values);
}

function releaseObjects(release: ReleaseModel, chartDefaults: ChartDefaults): ObjectModel[] {
  const facts = chartFacts(release);
  const values = effectiveValues(release, chartDefaults);
  const source = `release:${release.stack}:${release.name}`;
  const rendered = facts.objects?.(release.values, release.namespace) ?? [];
  const serviceAccounts = facts.workloads
    .filter((workload) => workload.serviceAccount && switchedOn(values, workload.enabled) && switchedOn(values, workload.serviceAccount.create))
    .map((workload) => {
      const paths = workload.serviceAccount!;
      const annotations = asMap(valueAt(values, paths.annotations)) as Record<string, string>;
      return {
        apiVersion: "v1",
        kind: "ServiceAccount",
        metadata: { name: serviceAccountName(release, values, workload.serviceAccount!), namespace: release.namespace, annotations },
      };
    });
  const ingresses = (facts.ingresses ?? [])
    .filter((ingress) => valueAt(values, ingress.enabled) === true)
    .map((ingress) => {
      const host = firstSet(values, ingress.host);
      const hosts = (Array.isArray(host) ? host : [host])
        .map((entry) => (isMap(entry) ? asString(entry.host) : asString(entry)))
        .filter((entry): entry is string => !!entry);
      const tls = ingress.tls ? valueAt(values, ingress.tls) : undefined;
      return {
        apiVersion: "networking.k8s.io/v1",
        kind: "Ingress",
        metadata: {
          name: ingress.name(release.name),
          namespace: release.namespace,
          annotations: asMap(ingress.annotations ? valueAt(values, ingress.annotations) : {}) as Record<string, string>,
        },
        spec: {
          ingressClassName: ingress.className ? valueAt(values, ingress.className) : undefined,
          rules: hosts.map((name) => ({ host: name })),
          ...(isSet(tls) ? { tls: [{ hosts }] } : {}),
        },
      };
    });
  return [...rendered, ...serviceAccounts, ...ingresses].map((object) => ({ source, object: withNamespace(object, release.namespace) }));
}

function withNamespace(object: KubeObject, namespace: string): KubeObject {
  return object.metadata?.namespace || CLUSTER_SCOPED.has(object.kind) ? object : { ...object, metadata: { ...object.metadata, namespace } };
}

const CLUSTER_SCOPED = new Set([
  "Namespace",
  "ClusterSecretStore",
  "ClusterIssuer",
  "StorageClass",
  "ClusterRole",
  "ClusterRoleBinding",
  "CustomResourceDefinition",
  "PriorityClass",
  "ClusterExternalSecret",
  "IngressClass",
  "ClusterAnalysisTemplate",
  "VolumeSnapshotClass",
]);

function serviceAccountName(release: ReleaseModel, values: Json, paths: NonNullable<ChartFacts["workloads"][number]["serviceAccount"]>): string {
  const named = paths.name ? asString(valueAt(values, paths.name)) : undefined;
  if (named) return named;
  return switchedOn(values, paths.create) ? paths.defaultName(release.name) : "default";
}

function releaseWorkloads(release: ReleaseModel, chartDefaults: ChartDefaults): WorkloadFacts[] {
  const values = effectiveValues(release, chartDefaults);
  return chartFacts(release)
    .workloads.filter((workload) => switchedOn(values, workload.enabled))
    .map((workload) => {
      const persistence = workload.persistence ? valueAt(values, workload.persistence) : undefined;
      const named = (workload.secrets ?? []).flatMap((secretPath) => {
        const value = valueAt(values, secretPath);
        return Array.isArray(value) ? value.map(asString) : [asString(value)];
      });
      const secrets = [...named, ...(workload.secretsIn?.(values) ?? [])].filter((name): name is string => !!name);
      return {
        source: `release:${release.stack}:${release.name}`,
        kind: workload.kind,
        name: workload.name(release.name),
        namespace: release.namespace,
        owner: "platform" as const,
        persistentVolume: isMap(persistence) && "enabled" in persistence ? persistence.enabled === true : isSet(persistence),
        podSpec: {
          nodeSelector: placement(firstSet(values, workload.nodeSelector)) ?? {},
          tolerations: placement(firstSet(values, workload.tolerations)) ?? [],
          affinity: placement(firstSet(values, workload.affinity)) ?? {},
          ...(workload.serviceAccount ? { serviceAccountName: serviceAccountName(release, values, workload.serviceAccount) } : {}),
          // The chart mounts or reads these Secrets; the model says so as secret volumes, what mounted-secrets reads.
          volumes: [
            ...secrets.map((name) => ({ name, secret: { secretName: name } })),
            ...(workload.volumes ?? []).flatMap((volumesPath) => asArray(valueAt(values, volumesPath))),
            ...(workload.volumesIn?.(values) ?? []),
          ],
          containers: [{ name: workload.name(release.name) }],
          ...(workload.security ? securityFields(values, workload.security, workload.name(release.name)) : {}),
        },
        ...(workload.security ? { securityModelled: true, podAnnotations: chartPodAnnotations(values, workload.security) } : {}),
      };
    });
}

/** The Pod Security fields of a chart workload as its templates render them (tools/contracts/chart-workloads.ts). */
function securityFields(values: Json, security: ChartSecurity, name: string): Record<string, unknown> {
  const context = (paths: readonly string[], fallback: Json | undefined) => {
    const set = firstSet(values, paths);
    return isMap(set) && Object.keys(set).length > 0 ? set : fallback;
  };
  const pod = context(security.pod, security.podFallback);
  const container = context(security.container, security.containerFallback);
  const extra = (security.extraContainers ?? []).flatMap((containersPath) => asArray(valueAt(values, containersPath)));
  const init = (security.extraInitContainers ?? []).flatMap((containersPath) => asArray(valueAt(values, containersPath)));
  const on = (switchPath: string | undefined) => (switchPath ? valueAt(values, switchPath) === true : false);
  return {
    ...(pod ? { securityContext: pod } : {}),
    ...(on(security.hostNetwork) ? { hostNetwork: true } : {}),
    ...(on(security.shareProcessNamespace) ? { shareProcessNamespace: true } : {}),
    containers: [{ name, ...(container ? { securityContext: container } : {}) }, ...extra],
    ...(init.length > 0 ? { initContainers: init } : {}),
  };
}

function chartPodAnnotations(values: Json, security: ChartSecurity): Record<string, string> {
  const annotations = security.podAnnotations ? valueAt(values, security.podAnnotations) : undefined;
  return isMap(annotations) ? (annotations as Record<string, string>) : {};
}

/** Placement values some charts (vault) take as a YAML string with template expressions: read what parses. */
function placement(value: unknown): unknown {
  if (typeof value !== "string") return value;
  try {
    return parse(value.replace(/\{\{[^}]*\}\}/g, "templated")) ?? undefined;
  } catch {
    return undefined;
  }
}

const POD_TEMPLATE_PATHS: Record<string, string> = {
  Deployment: "spec.template",
  StatefulSet: "spec.template",
  DaemonSet: "spec.template",
  ReplicaSet: "spec.template",
  Rollout: "spec.template",
  Job: "spec.template",
  CronJob: "spec.jobTemplate.spec.template",
  Kibana: "spec.podTemplate",
};

function objectWorkloads({ source, object }: ObjectModel): WorkloadFacts[] {
  const owner = source.startsWith("gitops:") ? "application" : "platform";
  const base = { source, kind: object.kind, namespace: object.metadata.namespace ?? "default", owner } as const;
  if (object.kind === "Elasticsearch") {
    // ECK runs one StatefulSet per node set, with the node set's pod template and claims.
    return asArray(valueAt(object, "spec.nodeSets"))
      .map(asMap)
      .map((nodeSet) => ({
        ...base,
        kind: "StatefulSet",
        name: `${object.metadata.name}-es-${String(nodeSet.name)}`,
        persistentVolume: true,
        podSpec: asMap(valueAt(nodeSet, "podTemplate.spec")),
        podAnnotations: asMap(valueAt(nodeSet, "podTemplate.metadata.annotations")) as Record<string, string>,
      }));
  }
  const templatePath = POD_TEMPLATE_PATHS[object.kind];
  if (!templatePath) return [];
  const template = asMap(valueAt(object, templatePath));
  const podSpec = asMap(template.spec);
  const claims =
    asArray(valueAt(object, "spec.volumeClaimTemplates")).length > 0 ||
    asArray(podSpec.volumes).some((volume) => isMap(volume) && "persistentVolumeClaim" in volume);
  return [
    {
      ...base,
      name: object.metadata.name,
      persistentVolume: claims,
      podSpec,
      podAnnotations: asMap(valueAt(template, "metadata.annotations")) as Record<string, string>,
    },
  ];
}

/** Kubernetes kinds and API versions of the hashicorp/kubernetes resources, by type without `kubernetes_` and `_v1`. */
const TERRAFORM_KINDS: Record<string, [string, string]> = {
  namespace: ["v1", "Namespace"],
  service_account: ["v1", "ServiceAccount"],
  secret: ["v1", "Secret"],
  config_map: ["v1", "ConfigMap"],
  service: ["v1", "Service"],
  storage_class: ["storage.k8s.io/v1", "StorageClass"],
  deployment: ["apps/v1", "Deployment"],
  stateful_set: ["apps/v1", "StatefulSet"],
  daemon_set: ["apps/v1", "DaemonSet"],
  daemonset: ["apps/v1", "DaemonSet"],
  job: ["batch/v1", "Job"],
  cron_job: ["batch/v1", "CronJob"],
  role: ["rbac.authorization.k8s.io/v1", "Role"],
  role_binding: ["rbac.authorization.k8s.io/v1", "RoleBinding"],
  cluster_role: ["rbac.authorization.k8s.io/v1", "ClusterRole"],
  cluster_role_binding: ["rbac.authorization.k8s.io/v1", "ClusterRoleBinding"],
  network_policy: ["networking.k8s.io/v1", "NetworkPolicy"],
  ingress: ["networking.k8s.io/v1", "Ingress"],
  priority_class: ["scheduling.k8s.io/v1", "PriorityClass"],
};

/** The provider's singular block names are Kubernetes' plural lists. */
const TERRAFORM_FIELDS: Record<string, string> = {
  container: "containers",
  init_container: "initContainers",
  volume: "volumes",
  volume_mount: "volumeMounts",
  toleration: "tolerations",
  port: "ports",
  env_from: "envFrom",
  image_pull_secrets: "imagePullSecrets",
  volume_claim_template: "volumeClaimTemplates",
  node_selector_term: "nodeSelectorTerms",
  match_expressions: "matchExpressions",
  topology_spread_constraint: "topologySpreadConstraints",
  rule: "rules",
  subject: "subjects",
};

/** A hashicorp/kubernetes resource's arguments as a manifest; same-stack references in strings are resolved when they name a metadata field. */
function fromTerraform(stacks: SystemModel["stacks"], stack: string, value: unknown, key?: string): unknown {
  if (Array.isArray(value)) {
    // The provider writes single nested blocks (metadata, spec, template) as one-element lists in some versions.
    const items = value.map((item) => fromTerraform(stacks, stack, item));
    return key && !TERRAFORM_FIELDS[key] && items.length === 1 && isMap(items[0]) && ["metadata", "spec", "template", "job_template"].includes(key)
      ? items[0]
      : items;
  }
  if (isMap(value)) {
    return Object.fromEntries(
      Object.entries(value)
        .filter(([field]) => field !== "//" && field !== "depends_on" && field !== "lifecycle" && field !== "provider")
        .map(([field, inner]) => [TERRAFORM_FIELDS[field] ?? camel(field), fromTerraform(stacks, stack, inner, field)]),
    );
  }
  if (typeof value === "string") {
    const resolved = resolve(stacks, stack, value);
    if (resolved.kind === "resource" && /^metadata(\[0\]|\.0)?\.(name|namespace)$/.test(resolved.attribute)) {
      const metadata = asMap(Array.isArray(resolved.values.metadata) ? resolved.values.metadata[0] : resolved.values.metadata);
      return metadata[resolved.attribute.split(".").pop()!] ?? value;
    }
  }
  return value;
}

const camel = (field: string) => field.replace(/_([a-z])/g, (_, letter: string) => letter.toUpperCase());

function terraformObjects(stacks: SystemModel["stacks"], stack: string): ObjectModel[] {
  const objects: ObjectModel[] = [];
  for (const [type, byName] of Object.entries(asMap(stacks[stack]?.resource))) {
    if (!type.startsWith("kubernetes_")) continue;
    for (const [name, raw] of Object.entries(asMap(byName))) {
      const source = `stack:${stack}:${type}.${name}`;
      if (type === "kubernetes_manifest") {
        objects.push({ source, object: asMap(asMap(raw).manifest) as unknown as KubeObject });
        continue;
      }
      const kind = TERRAFORM_KINDS[type.replace(/^kubernetes_/, "").replace(/_v\d+$/, "")];
      if (!kind) continue;
      const converted = asMap(fromTerraform(stacks, stack, raw));
      objects.push({ source, object: { ...converted, apiVersion: kind[0], kind: kind[1], metadata: asMap(converted.metadata) as KubeObject["metadata"] } });
    }
  }
  return objects;
}

/**
 * The service account of each EKS managed add-on that EKS annotates with the add-on's `service_account_role_arn`
 * (the add-on's manifests create it in kube-system). An add-on bound through `pod_identity_association` instead leaves
 * its service account unannotated; `podIdentityAssociations` reads that binding.
 */
const EKS_ADDON_SERVICE_ACCOUNTS: Readonly<Record<string, readonly string[]>> = {
  "vpc-cni": ["aws-node"],
  "aws-ebs-csi-driver": ["ebs-csi-controller-sa"],
  "aws-efs-csi-driver": ["efs-csi-controller-sa"],
  "aws-mountpoint-s3-csi-driver": ["s3-csi-driver-sa"],
};

function addonServiceAccounts(stacks: SystemModel["stacks"], stack: string): ObjectModel[] {
  return Object.entries(asMap(asMap(stacks[stack]?.resource).aws_eks_addon)).flatMap(([name, raw]) => {
    const addon = asMap(raw);
    const role = asString(addon.service_account_role_arn);
    const annotations: Record<string, string> = role ? { "eks.amazonaws.com/role-arn": role } : {};
    return (EKS_ADDON_SERVICE_ACCOUNTS[String(addon.addon_name)] ?? []).map((account) => ({
      source: `stack:${stack}:aws_eks_addon.${name}`,
      object: {
        apiVersion: "v1",
        kind: "ServiceAccount",
        metadata: { name: account, namespace: "kube-system", annotations },
      },
    }));
  });
}

/** One EKS Pod Identity association: its own resource, or the `pod_identity_association` block of an EKS add-on. */
export interface PodIdentityAssociationFacts {
  /** Where it is declared: `aws_eks_pod_identity_association.<name>` or `aws_eks_addon.<name>`, and its stack. */
  readonly address: string;
  readonly stack: string;
  readonly namespace: string;
  readonly serviceAccount: string;
  /** The role as the stack writes it (a reference to an `aws_iam_role` of the stack, or a literal ARN). */
  readonly roleArn: string;
}

/** Every Pod Identity association of the system's stacks (an EKS add-on's run in kube-system, under its own account). */
export function podIdentityAssociations(stacks: SystemModel["stacks"]): PodIdentityAssociationFacts[] {
  const own = resourcesOfType(stacks, "aws_eks_pod_identity_association").map((association) => ({
    address: addressOf(association),
    stack: association.stack,
    namespace: String(association.values.namespace),
    serviceAccount: String(association.values.service_account),
    roleArn: String(association.values.role_arn),
  }));
  const ofAddons = resourcesOfType(stacks, "aws_eks_addon").flatMap((addon) =>
    asArray(addon.values.pod_identity_association)
      .map(asMap)
      .map((block) => ({
        address: addressOf(addon),
        stack: addon.stack,
        namespace: "kube-system",
        serviceAccount: String(block.service_account),
        roleArn: String(block.role_arn),
      })),
  );
  return [...own, ...ofAddons];
}

const EKS_TAINT_EFFECTS: Record<string, string> = { NO_SCHEDULE: "NoSchedule", NO_EXECUTE: "NoExecute", PREFER_NO_SCHEDULE: "PreferNoSchedule" };

function nodePoolsOf(environment: EnvironmentConfig, stacks: SystemModel["stacks"]): NodePoolFacts[] {
  const pools = Object.keys(environment.cluster.nodeGroups);
  return resourcesOfType(stacks, "aws_eks_node_group").map((group) => {
    // A group named by prefix (replaced create-first) gets its unique suffix at apply: the prefix stands for its name.
    const name = scalarText(group.values.node_group_name) ?? scalarText(group.values.node_group_name_prefix)?.replace(/-$/, "") ?? group.name;
    const zones = [
      ...new Set(
        asArray(group.values.subnet_ids).map((subnet) => {
          const resolved = resolve(stacks, group.stack, String(subnet));
          return resolved.kind === "resource" ? asString(resolved.values.availability_zone) : undefined;
        }),
      ),
    ].filter((zone): zone is string => !!zone);
    const capacityType = group.values.capacity_type === "SPOT" ? "SPOT" : "ON_DEMAND";
    const instanceTypes = asArray(group.values.instance_types).map(String);
    const labels: Record<string, string> = {
      "kubernetes.io/os": "linux",
      "kubernetes.io/arch": (scalarText(group.values.ami_type) ?? "").includes("ARM") ? "arm64" : "amd64",
      "topology.kubernetes.io/region": environment.account.region,
      "eks.amazonaws.com/nodegroup": name,
      "eks.amazonaws.com/capacityType": capacityType,
      ...(zones.length === 1 ? { "topology.kubernetes.io/zone": zones[0] } : {}),
      ...(instanceTypes.length === 1 ? { "node.kubernetes.io/instance-type": instanceTypes[0] } : {}),
      ...(asMap(group.values.labels) as Record<string, string>),
    };
    const pool =
      pools.find((candidate) => name === candidate || name.startsWith(`${candidate}-`) || name.endsWith(`-${candidate}`) || name.includes(`-${candidate}-`)) ??
      labels.workload ??
      addressOf(group);
    return {
      name,
      pool,
      capacityType,
      labels,
      taints: asArray(group.values.taint)
        .map(asMap)
        .map((taint) => ({
          key: String(taint.key),
          ...(scalarText(taint.value) !== undefined ? { value: scalarText(taint.value) } : {}),
          effect: EKS_TAINT_EFFECTS[String(taint.effect)] ?? String(taint.effect),
        })),
      zones,
    };
  });
}
