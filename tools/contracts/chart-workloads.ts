import type { KubeObject } from "./types";
import { asArray, asMap, asString, isSet, Json, valueAt } from "./values";

/**
 * What each pinned chart renders that the contracts read, and where in its values each piece lives. Every values
 * path is read from the chart's templates at the pinned tag (argo-helm, prometheus-community/helm-charts,
 * hashicorp/vault-helm ... fetched at the version the add-on pins) and exists in the chart's own values.yaml in
 * ../shared/charts (`__tests__/tools/contracts/shipped.test.ts` checks that second half). Names follow each chart's
 * fullname helper for a release named as the add-on names it (a release name that contains the chart name is the
 * fullname).
 *
 * Lists of paths are the template's fallbacks: the first that is set wins (argo-cd's
 * `.Values.server.nodeSelector | default .Values.global.nodeSelector`).
 */

export interface ServiceAccountPaths {
  /** Path of the `create` switch; absent when the chart always creates it. */
  readonly create?: string;
  /** Path of the name; absent when the chart always names it `defaultName`. */
  readonly name?: string;
  readonly annotations: string;
  /** The name when `name` is unset and the chart creates it (its fullname helper). */
  readonly defaultName: (release: string) => string;
}

export interface ChartWorkload {
  readonly kind: string;
  readonly name: (release: string) => string;
  /** Path of the switch that renders it; absent when it always renders. */
  readonly enabled?: string;
  readonly nodeSelector: readonly string[];
  readonly tolerations: readonly string[];
  readonly affinity: readonly string[];
  /** Path whose value being set (or `{enabled: true}`) gives the pods a PersistentVolumeClaim. */
  readonly persistence?: string;
  readonly serviceAccount?: ServiceAccountPaths;
  /** Paths that name a Secret (or list Secrets) the pods read: an `existingSecret`, Alertmanager's mounted `secrets`. */
  readonly secrets?: readonly string[];
  /** Paths of extra pod volumes the chart mounts as given (Alertmanager's `alertmanagerSpec.volumes`). */
  readonly volumes?: readonly string[];
  /** Secrets named inside values the component reads (Argo CD's `$<secret>:<key>` in argocd-cm). */
  readonly secretsIn?: (values: Json) => string[];
  /** Volumes the chart builds from values (vault's `server.extraVolumes` become `userconfig-<name>` volumes). */
  readonly volumesIn?: (values: Json) => Json[];
  /** Pod Security fields, for the admission and certificate-reload contracts; absent: not modelled. */
  readonly security?: ChartSecurity;
}

/**
 * Where a chart takes a workload's Pod Security fields (admission contract): the pod's and the main container's
 * securityContext (fallback lists, first set wins), what the template renders when they are empty, and the host
 * switches and extra containers it copies from values.
 */
export interface ChartSecurity {
  readonly pod: readonly string[];
  readonly container: readonly string[];
  /** What the template writes when the pod path is empty (vault's `_helpers.tpl`); absent: nothing. */
  readonly podFallback?: Json;
  readonly containerFallback?: Json;
  readonly hostNetwork?: string;
  readonly shareProcessNamespace?: string;
  /** Paths of container lists the chart adds to the pod as given (vault's `server.extraContainers`). */
  readonly extraContainers?: readonly string[];
  /** Paths of init-container lists the chart adds to the pod as given (velero's `initContainers`: its plugins). */
  readonly extraInitContainers?: readonly string[];
  /** Path of the pod template's annotations (reloader annotations live there). */
  readonly podAnnotations?: string;
}

export interface ChartIngress {
  readonly enabled: string;
  /** Host paths, fallbacks first-set-wins, as the template reads them. */
  readonly host: readonly string[];
  readonly name: (release: string) => string;
  readonly className?: string;
  readonly annotations?: string;
  /** Path of the TLS switch or list; absent when TLS is decided by annotations only (ALB). */
  readonly tls?: string;
}

export interface ChartFacts {
  readonly workloads: readonly ChartWorkload[];
  readonly ingresses?: readonly ChartIngress[];
  /** Kubernetes objects the chart renders from values as they are (platform-manifests, argocd-apps). */
  readonly objects?: (values: Json, namespace: string) => KubeObject[];
  /** `group/Kind`s whose CRDs the chart installs; the values switch that turns that off and the chart's default for it. */
  readonly crds?: { readonly kinds: readonly string[]; readonly enabled?: string; readonly byDefault?: boolean };
}

/** The common layout of security contexts: `<prefix>.<pod>` and `<prefix>.<container>`. */
function securityAt(prefix: string, pod: string, container: string, extra: Partial<ChartSecurity> = {}): ChartSecurity {
  const at = (key: string) => (prefix ? `${prefix}.${key}` : key);
  return { pod: [at(pod)], container: [at(container)], ...extra };
}

/** Vault's `_helpers.tpl` (v0.34.1): an empty pod context renders this one (non-OpenShift), without a seccomp profile. */
const VAULT_POD_FALLBACK = { runAsNonRoot: true, runAsGroup: 1000, runAsUser: 100, fsGroup: 1000 };

/** Vault's `server.extraVolumes` as its `vault.volumes` helper renders them: `userconfig-<name>`, a Secret or ConfigMap. */
const vaultExtraVolumes = (values: Json): Json[] =>
  asArray(valueAt(values, "server.extraVolumes"))
    .map(asMap)
    .filter((volume) => asString(volume.name))
    .map((volume) =>
      volume.type === "secret"
        ? { name: `userconfig-${String(volume.name)}`, secret: { secretName: String(volume.name) } }
        : { name: `userconfig-${String(volume.name)}`, configMap: { name: String(volume.name) } },
    );

const self = (release: string) => release;
const suffixed = (suffix: string) => (release: string) => `${release}-${suffix}`;

/** The common layout: `nodeSelector`, `tolerations`, `affinity` and `serviceAccount.*` under `prefix`. */
function component(kind: string, prefix: string, name: (release: string) => string, extra: Partial<ChartWorkload> = {}): ChartWorkload {
  const at = (key: string) => (prefix ? `${prefix}.${key}` : key);
  return {
    kind,
    name,
    nodeSelector: [at("nodeSelector")],
    tolerations: [at("tolerations")],
    affinity: [at("affinity")],
    serviceAccount: { create: at("serviceAccount.create"), name: at("serviceAccount.name"), annotations: at("serviceAccount.annotations"), defaultName: name },
    ...extra,
  };
}

/** argo-cd's components fall back to `global.*` for placement. */
function argoCdComponent(kind: string, prefix: string, name: (release: string) => string, enabled?: string): ChartWorkload {
  return {
    ...component(kind, prefix, name),
    enabled,
    // Every component's pod takes global.securityContext except redis, which has its own (templates/redis/deployment.yaml).
    security: {
      pod: [prefix === "redis" ? "redis.securityContext" : "global.securityContext"],
      container: [`${prefix}.containerSecurityContext`],
      // Only these templates read a hostNetwork value (argocd-server, -repo-server deployments, controller statefulset).
      hostNetwork: ["controller", "server", "repoServer"].includes(prefix) ? `${prefix}.hostNetwork` : undefined,
    },
    nodeSelector: [`${prefix}.nodeSelector`, "global.nodeSelector"],
    tolerations: [`${prefix}.tolerations`, "global.tolerations"],
    // global.affinity is a preset (soft/hard anti-affinity) the chart expands, not a Kubernetes affinity.
    affinity: [`${prefix}.affinity`],
  };
}

/** Argo CD resolves `$<secret>:<key>` in argocd-cm settings (oidc.config, dex.config ...) from that Secret in its namespace. */
const argoCdSettingSecrets = (values: Json): string[] =>
  Object.values(asMap(valueAt(values, "configs.cm")))
    .filter((setting): setting is string => typeof setting === "string")
    .flatMap((setting) => [...setting.matchAll(/\$([a-z0-9][a-z0-9.-]*):[A-Za-z0-9_.-]+/g)].flatMap((match) => match.slice(1, 2)));

const argoCdObjects = (values: Json, namespace: string): KubeObject[] => [
  ...Object.entries(asMap(values.projects)).map(([name, spec]) => argoObject("AppProject", name, namespace, asMap(spec))),
  ...Object.entries(asMap(values.applications)).map(([name, spec]) => argoObject("Application", name, namespace, asMap(spec))),
];

function argoObject(kind: string, name: string, namespace: string, spec: Json): KubeObject {
  const { namespace: own, additionalAnnotations, additionalLabels, finalizers, ...rest } = spec;
  return {
    apiVersion: "argoproj.io/v1alpha1",
    kind,
    metadata: {
      name,
      namespace: asString(own) ?? namespace,
      annotations: asMap(additionalAnnotations) as Record<string, string>,
      labels: asMap(additionalLabels) as Record<string, string>,
    },
    spec: rest,
    ...(finalizers ? { finalizers } : {}),
  };
}

/** A Kyverno controller Deployment (`<release>-<component>`), its service account named by `<prefix>.rbac.serviceAccount`. */
function kyvernoController(prefix: string, controller: string, container: string, enabled?: string): ChartWorkload {
  return {
    ...component("Deployment", prefix, suffixed(controller)),
    enabled,
    nodeSelector: [`${prefix}.nodeSelector`, "global.nodeSelector"],
    tolerations: [`${prefix}.tolerations`, "global.tolerations"],
    affinity: [`${prefix}.nodeAffinity`],
    serviceAccount: {
      create: `${prefix}.rbac.create`,
      name: `${prefix}.rbac.serviceAccount.name`,
      annotations: `${prefix}.rbac.serviceAccount.annotations`,
      defaultName: suffixed(controller),
    },
    security: { pod: [`${prefix}.podSecurityContext`], container: [`${prefix}.${container}`], hostNetwork: `${prefix}.hostNetwork` },
  };
}

export const CHARTS: Readonly<Record<string, ChartFacts>> = {
  "platform-manifests": { workloads: [], objects: (values) => asArray(values.manifests) as KubeObject[] },
  "argocd-apps": { workloads: [], objects: argoCdObjects },
  "aws-load-balancer-controller": {
    workloads: [component("Deployment", "", self)],
    crds: { kinds: ["elbv2.k8s.aws/TargetGroupBinding", "elbv2.k8s.aws/IngressClassParams"] },
  },
  "cert-manager": {
    workloads: [
      component("Deployment", "", self, { security: securityAt("", "securityContext", "containerSecurityContext") }),
      component("Deployment", "webhook", suffixed("webhook"), { security: securityAt("webhook", "securityContext", "containerSecurityContext") }),
      component("Deployment", "cainjector", suffixed("cainjector"), {
        enabled: "cainjector.enabled",
        security: securityAt("cainjector", "securityContext", "containerSecurityContext"),
      }),
      component("Job", "startupapicheck", suffixed("startupapicheck"), {
        enabled: "startupapicheck.enabled",
        security: securityAt("startupapicheck", "securityContext", "containerSecurityContext"),
      }),
    ],
    crds: {
      kinds: [
        "cert-manager.io/Certificate",
        "cert-manager.io/Issuer",
        "cert-manager.io/ClusterIssuer",
        "cert-manager.io/CertificateRequest",
        "acme.cert-manager.io/Order",
        "acme.cert-manager.io/Challenge",
      ],
      enabled: "crds.enabled",
      byDefault: false,
    },
  },
  "cluster-autoscaler": {
    workloads: [
      {
        ...component("Deployment", "", suffixed("aws-cluster-autoscaler")),
        serviceAccount: {
          create: "rbac.serviceAccount.create",
          name: "rbac.serviceAccount.name",
          annotations: "rbac.serviceAccount.annotations",
          defaultName: suffixed("aws-cluster-autoscaler"),
        },
      },
    ],
  },
  // karpenter 1.14.1: one Deployment (`karpenter.fullname`), its ServiceAccount under `serviceAccount.*`; the CRDs come
  // from the chart's crds/ folder, which Helm installs with the first release (no values switch).
  karpenter: {
    workloads: [component("Deployment", "", self)],
    crds: {
      kinds: [
        "karpenter.sh/NodePool",
        "karpenter.sh/NodeClaim",
        "karpenter.sh/NodeOverlay",
        "karpenter.k8s.aws/EC2NodeClass",
        "autoscaling.x-k8s.io/CapacityBuffer",
      ],
    },
  },
  "external-dns": {
    workloads: [
      component("Deployment", "", self, {
        security: securityAt("", "podSecurityContext", "securityContext", { shareProcessNamespace: "shareProcessNamespace" }),
      }),
    ],
  },
  "external-secrets": {
    workloads: [
      component("Deployment", "", self, { security: securityAt("", "podSecurityContext", "securityContext", { hostNetwork: "hostNetwork" }) }),
      component("Deployment", "webhook", suffixed("webhook"), {
        enabled: "webhook.create",
        security: securityAt("webhook", "podSecurityContext", "securityContext", { hostNetwork: "webhook.hostNetwork" }),
      }),
      component("Deployment", "certController", suffixed("cert-controller"), {
        enabled: "certController.create",
        security: securityAt("certController", "podSecurityContext", "securityContext", { hostNetwork: "certController.hostNetwork" }),
      }),
    ],
    crds: {
      kinds: [
        "external-secrets.io/ExternalSecret",
        "external-secrets.io/ClusterExternalSecret",
        "external-secrets.io/SecretStore",
        "external-secrets.io/ClusterSecretStore",
        "external-secrets.io/PushSecret",
        "generators.external-secrets.io/Password",
        "generators.external-secrets.io/ECRAuthorizationToken",
      ],
      enabled: "installCRDs",
    },
  },
  "fluent-bit": { workloads: [component("DaemonSet", "", self)] },
  "kube-prometheus-stack": {
    workloads: [
      {
        ...component("Deployment", "prometheusOperator", suffixed("operator"), { enabled: "prometheusOperator.enabled" }),
        serviceAccount: {
          create: "prometheusOperator.serviceAccount.create",
          name: "prometheusOperator.serviceAccount.name",
          annotations: "prometheusOperator.serviceAccount.annotations",
          defaultName: suffixed("operator"),
        },
      },
      {
        ...component("StatefulSet", "prometheus.prometheusSpec", (release) => `prometheus-${release}-prometheus`, {
          enabled: "prometheus.enabled",
          persistence: "prometheus.prometheusSpec.storageSpec",
        }),
        serviceAccount: {
          create: "prometheus.serviceAccount.create",
          name: "prometheus.serviceAccount.name",
          annotations: "prometheus.serviceAccount.annotations",
          defaultName: suffixed("prometheus"),
        },
      },
      {
        ...component("StatefulSet", "alertmanager.alertmanagerSpec", (release) => `alertmanager-${release}-alertmanager`, {
          enabled: "alertmanager.enabled",
          persistence: "alertmanager.alertmanagerSpec.storage",
          secrets: ["alertmanager.alertmanagerSpec.secrets"],
          volumes: ["alertmanager.alertmanagerSpec.volumes"],
        }),
        serviceAccount: {
          create: "alertmanager.serviceAccount.create",
          name: "alertmanager.serviceAccount.name",
          annotations: "alertmanager.serviceAccount.annotations",
          defaultName: suffixed("alertmanager"),
        },
      },
      component("Deployment", "grafana", suffixed("grafana"), {
        enabled: "grafana.enabled",
        persistence: "grafana.persistence",
        secrets: ["grafana.admin.existingSecret"],
      }),
      component("Deployment", "kube-state-metrics", suffixed("kube-state-metrics"), { enabled: "kubeStateMetrics.enabled" }),
      component("DaemonSet", "prometheus-node-exporter", suffixed("prometheus-node-exporter"), { enabled: "nodeExporter.enabled" }),
    ],
    ingresses: [
      {
        enabled: "grafana.ingress.enabled",
        host: ["grafana.ingress.hosts"],
        name: suffixed("grafana"),
        className: "grafana.ingress.ingressClassName",
        annotations: "grafana.ingress.annotations",
        tls: "grafana.ingress.tls",
      },
      {
        enabled: "prometheus.ingress.enabled",
        host: ["prometheus.ingress.hosts"],
        name: suffixed("prometheus"),
        className: "prometheus.ingress.ingressClassName",
        annotations: "prometheus.ingress.annotations",
        tls: "prometheus.ingress.tls",
      },
      {
        enabled: "alertmanager.ingress.enabled",
        host: ["alertmanager.ingress.hosts"],
        name: suffixed("alertmanager"),
        className: "alertmanager.ingress.ingressClassName",
        annotations: "alertmanager.ingress.annotations",
        tls: "alertmanager.ingress.tls",
      },
    ],
    crds: {
      kinds: [
        "monitoring.coreos.com/ServiceMonitor",
        "monitoring.coreos.com/PodMonitor",
        "monitoring.coreos.com/PrometheusRule",
        "monitoring.coreos.com/Probe",
        "monitoring.coreos.com/Prometheus",
        "monitoring.coreos.com/Alertmanager",
        "monitoring.coreos.com/AlertmanagerConfig",
        "monitoring.coreos.com/ScrapeConfig",
        "monitoring.coreos.com/ThanosRuler",
        "monitoring.coreos.com/PrometheusAgent",
      ],
      enabled: "crds.enabled",
    },
  },
  "metrics-server": { workloads: [component("Deployment", "", self)] },
  // mode: deployment renders one Deployment named by the fullname; templates/_pod.tpl reads the top-level placement keys.
  "opentelemetry-collector": {
    workloads: [component("Deployment", "", self, { security: securityAt("", "podSecurityContext", "securityContext", { hostNetwork: "hostNetwork" }) })],
  },
  vault: {
    workloads: [
      component("StatefulSet", "server", self, {
        enabled: "server.enabled",
        persistence: "server.dataStorage",
        volumesIn: vaultExtraVolumes,
        security: {
          pod: ["server.statefulSet.securityContext.pod"],
          container: ["server.statefulSet.securityContext.container"],
          podFallback: VAULT_POD_FALLBACK,
          containerFallback: { allowPrivilegeEscalation: false },
          hostNetwork: "server.hostNetwork",
          shareProcessNamespace: "server.shareProcessNamespace",
          extraContainers: ["server.extraContainers"],
          podAnnotations: "server.annotations",
        },
      }),
      {
        ...component("Deployment", "injector", suffixed("agent-injector"), {
          enabled: "injector.enabled",
          security: {
            pod: ["injector.securityContext.pod"],
            container: ["injector.securityContext.container"],
            podFallback: VAULT_POD_FALLBACK,
            containerFallback: { allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] } },
            hostNetwork: "injector.hostNetwork",
          },
        }),
        // The injector's service account is always created and always named after it; only annotations are values.
        serviceAccount: { annotations: "injector.serviceAccount.annotations", defaultName: suffixed("agent-injector") },
      },
    ],
    ingresses: [
      {
        enabled: "server.ingress.enabled",
        host: ["server.ingress.hosts"],
        name: self,
        className: "server.ingress.ingressClassName",
        annotations: "server.ingress.annotations",
        tls: "server.ingress.tls",
      },
    ],
  },
  "argo-cd": {
    workloads: [
      argoCdComponent("StatefulSet", "controller", suffixed("application-controller")),
      { ...argoCdComponent("Deployment", "server", suffixed("server")), secretsIn: argoCdSettingSecrets },
      argoCdComponent("Deployment", "repoServer", suffixed("repo-server")),
      argoCdComponent("Deployment", "applicationSet", suffixed("applicationset-controller")),
      argoCdComponent("Deployment", "notifications", suffixed("notifications-controller"), "notifications.enabled"),
      argoCdComponent("Deployment", "dex", suffixed("dex-server"), "dex.enabled"),
      argoCdComponent("Deployment", "redis", suffixed("redis"), "redis.enabled"),
    ],
    ingresses: [
      {
        enabled: "server.ingress.enabled",
        host: ["server.ingress.hostname", "global.domain"],
        name: suffixed("server"),
        className: "server.ingress.ingressClassName",
        annotations: "server.ingress.annotations",
        tls: "server.ingress.tls",
      },
    ],
    crds: { kinds: ["argoproj.io/Application", "argoproj.io/AppProject", "argoproj.io/ApplicationSet"], enabled: "crds.install" },
  },
  "argo-rollouts": {
    workloads: [
      {
        ...component("Deployment", "controller", self),
        serviceAccount: { create: "serviceAccount.create", name: "serviceAccount.name", annotations: "serviceAccount.annotations", defaultName: self },
        security: securityAt("", "podSecurityContext", "containerSecurityContext"),
      },
      {
        ...component("Deployment", "dashboard", suffixed("dashboard"), { enabled: "dashboard.enabled" }),
        security: securityAt("dashboard", "podSecurityContext", "containerSecurityContext"),
      },
    ],
    crds: {
      kinds: [
        "argoproj.io/Rollout",
        "argoproj.io/AnalysisTemplate",
        "argoproj.io/ClusterAnalysisTemplate",
        "argoproj.io/AnalysisRun",
        "argoproj.io/Experiment",
      ],
      enabled: "installCRDs",
    },
  },
  "argocd-image-updater": {
    workloads: [component("Deployment", "", self, { security: securityAt("", "podSecurityContext", "securityContext") })],
    crds: { kinds: ["argocd-image-updater.argoproj.io/ImageUpdater"], enabled: "crds.install" },
  },
  // templates/deployment.yaml (12.1.0): one Deployment named velero whatever the release; the upgrade-CRDs hook Job
  // takes the same pod and container contexts. The node agent DaemonSet renders only with deployNodeAgent.
  velero: {
    workloads: [
      {
        kind: "Deployment",
        name: () => "velero",
        nodeSelector: ["nodeSelector"],
        tolerations: ["tolerations"],
        affinity: ["affinity"],
        serviceAccount: {
          create: "serviceAccount.server.create",
          name: "serviceAccount.server.name",
          annotations: "serviceAccount.server.annotations",
          defaultName: suffixed("server"),
        },
        security: securityAt("", "podSecurityContext", "containerSecurityContext", { extraInitContainers: ["initContainers"] }),
      },
      {
        kind: "DaemonSet",
        name: () => "node-agent",
        enabled: "deployNodeAgent",
        nodeSelector: ["nodeAgent.nodeSelector"],
        tolerations: ["nodeAgent.tolerations"],
        affinity: ["nodeAgent.affinity"],
        serviceAccount: {
          create: "serviceAccount.server.create",
          name: "serviceAccount.server.name",
          annotations: "serviceAccount.server.annotations",
          defaultName: suffixed("server"),
        },
        security: securityAt("nodeAgent", "podSecurityContext", "containerSecurityContext"),
      },
    ],
    crds: {
      kinds: [
        "velero.io/Backup",
        "velero.io/BackupRepository",
        "velero.io/BackupStorageLocation",
        "velero.io/DeleteBackupRequest",
        "velero.io/DownloadRequest",
        "velero.io/PodVolumeBackup",
        "velero.io/PodVolumeRestore",
        "velero.io/Restore",
        "velero.io/Schedule",
        "velero.io/ServerStatusRequest",
        "velero.io/VolumeSnapshotLocation",
        "velero.io/DataUpload",
        "velero.io/DataDownload",
      ],
    },
  },
  // kyverno 3.9.0: every controller's Deployment reads `<controller>.nodeSelector | default global.nodeSelector`,
  // `podSecurityContext` for the pod and the container's `securityContext` (the admission controller's under `container`).
  kyverno: {
    workloads: [
      kyvernoController("admissionController", "admission-controller", "container.securityContext"),
      kyvernoController("backgroundController", "background-controller", "securityContext", "backgroundController.enabled"),
      kyvernoController("reportsController", "reports-controller", "securityContext", "reportsController.enabled"),
      kyvernoController("cleanupController", "cleanup-controller", "securityContext", "cleanupController.enabled"),
    ],
    crds: {
      kinds: [
        "kyverno.io/ClusterPolicy",
        "kyverno.io/Policy",
        "kyverno.io/PolicyException",
        "wgpolicyk8s.io/PolicyReport",
        "wgpolicyk8s.io/ClusterPolicyReport",
      ],
      enabled: "crds.install",
    },
  },
  "eck-operator": {
    workloads: [
      component("StatefulSet", "", () => "elastic-operator", {
        security: securityAt("", "podSecurityContext", "securityContext", { hostNetwork: "hostNetwork" }),
      }),
    ],
    crds: {
      kinds: [
        "elasticsearch.k8s.elastic.co/Elasticsearch",
        "kibana.k8s.elastic.co/Kibana",
        "beat.k8s.elastic.co/Beat",
        "agent.k8s.elastic.co/Agent",
        "apm.k8s.elastic.co/ApmServer",
      ],
      enabled: "installCRDs",
    },
  },
};

/** The first of `paths` that is set in `values`, as the template's `default` chain reads it. */
export function firstSet(values: Json, paths: readonly string[]): unknown {
  for (const candidate of paths) {
    const value = valueAt(values, candidate);
    if (isSet(value)) return value;
  }
  return undefined;
}

/** Whether a switch path is on; a path the chart does not default counts as on (the template renders it). */
export function switchedOn(values: Json, path: string | undefined): boolean {
  if (!path) return true;
  const value = valueAt(values, path);
  // vault's `"-"` means "as global.enabled", which defaults to true.
  return value === undefined || value === "-" ? true : value === true || value === "true";
}
