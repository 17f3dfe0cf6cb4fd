import { AddOn, AddOnContext, AddOnName, containerResources, KubernetesObject, placement, replicas, restrictedPod, topologySpread, Values } from "./add-on";
import { ELASTICSEARCH_NAME, LOGGING_NAMESPACE } from "./elasticsearch";
import { vault } from "./vault";
import { Exclusion, FailureAction, platformPolicies, POLICY_NAMES, REASON_ANNOTATION } from "./kyverno-policies";

export const KYVERNO_NAMESPACE = "kyverno";

/**
 * The image prefixes each add-on's pods pull from: the registries of its pinned chart's images and of the images the
 * platform sets in its values or objects. The admission-policies contract proves that every image the shipped system
 * names is under one of these (and its test that no entry is unused), so this list is the only place they are written.
 */
export const ADD_ON_IMAGE_PREFIXES: Readonly<Partial<Record<AddOnName, readonly string[]>>> = {
  awsLoadBalancerController: ["public.ecr.aws/eks"],
  clusterAutoscaler: ["registry.k8s.io"],
  metricsServer: ["registry.k8s.io"],
  certManager: ["quay.io/jetstack"],
  externalDns: ["registry.k8s.io"],
  externalSecrets: ["ghcr.io/external-secrets"],
  kubePrometheusStack: ["quay.io/prometheus", "quay.io/prometheus-operator", "registry.k8s.io", "docker.io/grafana", "quay.io/kiwigrid", "ghcr.io/jkroepke"],
  opentelemetryCollector: ["docker.io/otel"],
  elasticsearch: ["docker.elastic.co", "docker.io/curlimages"],
  fluentBit: ["cr.fluentbit.io/fluent"],
  argoCd: ["quay.io/argoproj", "ecr-public.aws.com/docker", "ghcr.io/oliver006", "public.ecr.aws/aws-cli"],
  argoRollouts: ["quay.io/argoproj"],
  argocdImageUpdater: ["quay.io/argoprojlabs"],
  vault: ["docker.io/hashicorp", "public.ecr.aws/aws-cli"],
  kyverno: ["reg.kyverno.io/kyverno", "ghcr.io/kyverno"],
  karpenter: ["public.ecr.aws/karpenter"],
  velero: ["docker.io/velero", "registry.k8s.io", "docker.io/hashicorp", "public.ecr.aws/aws-cli"],
};

/** The environment's ECR registry, where the application's images (the edge's repositories) live. */
export function ecrRegistry(context: Pick<AddOnContext, "location">): string {
  const { accountId, region, partition } = context.location;
  return `${accountId}.dkr.ecr.${region}.${partition === "aws-cn" ? "amazonaws.com.cn" : "amazonaws.com"}`;
}

/** Where images may come from: the environment's ECR, the enabled add-ons' registries and the config's extras. */
export function allowedRegistries(context: AddOnContext<"kyverno">): string[] {
  const addOns = (Object.keys(ADD_ON_IMAGE_PREFIXES) as AddOnName[]).filter((name) => context.platform[name].enabled);
  return [...new Set([ecrRegistry(context), ...addOns.flatMap((name) => ADD_ON_IMAGE_PREFIXES[name] ?? []), ...context.settings.extraRegistries])].sort();
}

/** Audit or Enforce: the config's mode, else enforce in a production tier and audit elsewhere. */
export function failureAction(context: AddOnContext<"kyverno">): FailureAction {
  const mode = context.settings.mode ?? (context.production ? "enforce" : "audit");
  return mode === "enforce" ? "Enforce" : "Audit";
}

/**
 * Namespaces outside every rule. Kyverno's webhooks and resource filters already leave them out (values below); the
 * policies say so too, so background scans (which skip resource filters) report nothing there either.
 */
export const POLICY_EXCLUSIONS: readonly Exclusion[] = [
  { namespace: "kube-system", reason: "EKS's own pods (aws-node, kube-proxy, CoreDNS, EBS CSI) are managed by EKS add-ons, not by this project" },
  {
    namespace: KYVERNO_NAMESPACE,
    reason: "Kyverno's own pods: its webhooks never see them, and the chart's background and reports controllers have no probes",
  },
  {
    namespace: "amazon-guardduty",
    reason:
      "GuardDuty Runtime Monitoring's agent (the account's guardrails, docs/security.md): an AWS-managed EKS add-on that needs host access and pulls from AWS's own registry",
  },
];

/** What a PolicyException exempts, from which rules, and why; each is needed by a workload the platform ships. */
export interface PolicyExemption {
  readonly name: string;
  readonly reason: string;
  /** The exempted rules by policy; Kyverno's autogen rules for controllers (`autogen-<rule>`) are exempted with them. */
  readonly rules: Readonly<Partial<Record<keyof typeof POLICY_NAMES, readonly string[]>>>;
  readonly kinds: readonly string[];
  readonly namespace: string;
  readonly names: readonly string[];
  /** The add-on whose workloads need it: the exception exists only while that add-on is enabled. */
  readonly neededWith: AddOnName;
  /** The exempted workload is the application's, which runs only where the environment has an edge. @default false */
  readonly onlyWithApplication?: boolean;
  /** An image prefix that makes the exception unnecessary when another add-on's images already allow it. */
  readonly unlessAllowed?: string;
}

/** The application's smoke test (gitops/base/analysis-template.yaml): Argo Rollouts names its Job `<run uid>.<metric>.<n>`. */
const SMOKE_TEST_METRIC = "smoke-test";

export const POLICY_EXEMPTIONS: readonly PolicyExemption[] = [
  {
    name: "eck-probes",
    reason:
      "ECK writes Elasticsearch's and Kibana's probes itself: a readiness probe and, by design, no liveness probe (a restarted data node makes a struggling cluster worse)",
    rules: { probes: ["liveness-and-readiness"] },
    kinds: ["StatefulSet", "Deployment"],
    namespace: LOGGING_NAMESPACE,
    names: [`${ELASTICSEARCH_NAME}-es-*`, "kibana-kb"],
    neededWith: "elasticsearch",
  },
  {
    name: "vault-probes",
    reason:
      "Vault's server has only the chart's readiness probe (a liveness probe would restart a sealed or standby server that is working as meant) and its tls-reloader sidecar is a loop with nothing to probe",
    rules: { probes: ["liveness-and-readiness"] },
    kinds: ["StatefulSet"],
    namespace: vault.namespace,
    names: [vault.releaseName],
    neededWith: "vault",
  },
  {
    name: "application-smoke-test-image",
    reason: "the application's pre-promotion smoke test (an Argo Rollouts analysis Job) runs curl from Docker Hub's curlimages",
    rules: { registries: ["allowed-registries"] },
    kinds: ["Job", "Pod"],
    namespace: "web",
    names: [`*.${SMOKE_TEST_METRIC}.*`],
    neededWith: "argoRollouts",
    onlyWithApplication: true,
    unlessAllowed: "docker.io/curlimages",
  },
];

/** A PolicyException in Kyverno's namespace (the only one it reads exceptions from) with its reason. */
function policyException(exemption: PolicyExemption): KubernetesObject {
  const metadata = { name: exemption.name, namespace: KYVERNO_NAMESPACE, annotations: { [REASON_ANNOTATION]: exemption.reason } };
  return {
    apiVersion: "kyverno.io/v2",
    kind: "PolicyException",
    metadata,
    spec: {
      exceptions: Object.entries(exemption.rules).map(([policy, rules]) => ({
        policyName: POLICY_NAMES[policy as keyof typeof POLICY_NAMES],
        ruleNames: (rules ?? []).flatMap((rule) => [rule, `autogen-${rule}`]),
      })),
      match: { any: [{ resources: { kinds: [...exemption.kinds], namespaces: [exemption.namespace], names: [...exemption.names] } }] },
    },
  };
}

/** Namespaces Kyverno's webhooks never intercept, so a Kyverno outage cannot block them (its own is added by the chart). */
const UNINTERCEPTED_NAMESPACES = ["kube-system", "kube-node-lease", "kube-public"];

/** The alerts on policy results; Kyverno exports `kyverno_policy_results_total` from admission and background scans. */
export const KYVERNO_ALERTS = [
  {
    alert: "KyvernoAdmissionDenied",
    expr: 'sum by (policy_name, rule_name, resource_namespace, resource_kind) (increase(kyverno_policy_results_total{rule_result="fail", policy_validation_mode="enforce", rule_execution_cause="admission_request"}[10m])) > 0',
    for: "0m",
    severity: "warning",
    summary: "Kyverno denied a {{ $labels.resource_kind }} in {{ $labels.resource_namespace }}: {{ $labels.policy_name }}/{{ $labels.rule_name }}.",
  },
  {
    alert: "KyvernoPolicyViolations",
    expr: 'sum by (policy_name, rule_name, resource_namespace) (increase(kyverno_policy_results_total{rule_result="fail", rule_execution_cause="background_scan"}[2h])) > 0',
    for: "15m",
    severity: "warning",
    summary: "Resources in {{ $labels.resource_namespace }} fail {{ $labels.policy_name }}/{{ $labels.rule_name }} (see the namespace's PolicyReport).",
  },
  {
    alert: "KyvernoAdmissionControllerDown",
    // The chart's metrics Service of the admission controller: `<fullname>-svc-metrics` (release `kyverno`).
    expr: `absent(up{namespace="${KYVERNO_NAMESPACE}", service="kyverno-svc-metrics"} == 1)`,
    for: "5m",
    severity: "critical",
    summary: "No Kyverno admission controller is up: in enforce mode every pod outside kube-system and kyverno is refused.",
  },
] as const;

/** One of the chart's controllers, sized, spread and placed for its tier, with metrics scraped. */
function controller(context: AddOnContext<"kyverno">, component: string, count: number, cpu: string, memory: string, memoryLimit: string): Values {
  const monitored = context.platform.kubePrometheusStack.enabled;
  return {
    replicas: count,
    ...placement(context, "system"),
    topologySpreadConstraints: topologySpread(context, { "app.kubernetes.io/component": component }),
    podDisruptionBudget: { enabled: context.production, minAvailable: 1 },
    podSecurityContext: restrictedPod(65534),
    serviceMonitor: { enabled: monitored },
    ...(component === "admission-controller"
      ? { container: { resources: containerResources(cpu, memory, memoryLimit) } }
      : { resources: containerResources(cpu, memory, memoryLimit) }),
  };
}

/**
 * Kyverno: the platform's admission policy. The chart's admission, background, reports and cleanup controllers run
 * on the system pool; the platform's ClusterPolicies (kyverno-policies.ts) are applied after the release, in audit
 * or enforce mode from config; policy results are scraped by Prometheus and alerted on.
 */
export const kyverno: AddOn<"kyverno"> = {
  name: "kyverno",
  releaseName: "kyverno",
  chart: { chart: "kyverno", repository: "https://kyverno.github.io/kyverno/", version: "3.9.0" },
  namespace: KYVERNO_NAMESPACE,
  podSecurity: { level: "restricted" },
  // Its ServiceMonitors and PrometheusRule need the Prometheus operator's CRDs.
  after: ["kubePrometheusStack"],
  values(context) {
    const monitored = context.platform.kubePrometheusStack.enabled;
    return {
      global: { priorityClassName: "system-cluster-critical" },
      admissionController: controller(context, "admission-controller", context.production ? 3 : 1, "100m", "256Mi", "512Mi"),
      backgroundController: { enabled: true, ...controller(context, "background-controller", replicas(context), "50m", "128Mi", "256Mi") },
      reportsController: { enabled: true, ...controller(context, "reports-controller", replicas(context), "50m", "128Mi", "256Mi") },
      cleanupController: { enabled: true, ...controller(context, "cleanup-controller", replicas(context), "50m", "64Mi", "128Mi") },
      config: {
        // Webhooks skip kube-system (and Kyverno's own namespace, excludeKyvernoNamespace): an outage never blocks them.
        webhooks: { namespaceSelector: { matchExpressions: [{ key: "kubernetes.io/metadata.name", operator: "NotIn", values: UNINTERCEPTED_NAMESPACES }] } },
        excludeKyvernoNamespace: true,
      },
      // Exceptions live only in Kyverno's namespace, where only the platform writes.
      features: { policyExceptions: { enabled: true, namespace: KYVERNO_NAMESPACE } },
      // The pre-delete hooks scale the controllers to zero and remove Kyverno's mutating webhook configurations
      // (docs/operations.md, teardown); the post-upgrade hook migrates stored resources to new CRD versions.
      webhooksCleanup: { enabled: true, ...placement(context, "system"), podSecurityContext: restrictedPod(65534) },
      crds: { migration: { ...placement(context, "system"), podSecurityContext: restrictedPod(65534) } },
      prometheusRule: {
        enabled: monitored,
        spec: [
          {
            name: "kyverno.platform",
            rules: KYVERNO_ALERTS.map(({ alert, expr, for: duration, severity, summary }) => ({
              alert,
              expr,
              for: duration,
              labels: { severity },
              annotations: { summary },
            })),
          },
        ],
      },
    };
  },
  manifests(context) {
    const registries = allowedRegistries(context);
    const policies = platformPolicies({
      failureAction: failureAction(context),
      podSecurityVersion: `v${context.kubernetesVersion}`,
      registries,
      exclusions: POLICY_EXCLUSIONS,
    });
    const exemptions = POLICY_EXEMPTIONS.filter(
      (exemption) =>
        context.platform[exemption.neededWith].enabled &&
        (!exemption.onlyWithApplication || context.application) &&
        !(exemption.unlessAllowed && registries.includes(exemption.unlessAllowed)),
    );
    return [...policies, ...exemptions.map(policyException)];
  },
};
