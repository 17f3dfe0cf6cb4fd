import type { Contract, KubeObject, SystemModel, WorkloadFacts } from "../types";
import { chartFacts, effectiveValues, publishedChartDefaults } from "../model";
import { asArray, asMap, asString, isMap, Json, valueAt } from "../values";
import { Findings, objectsOfKind, workloadLabel } from "./common";
import { podSecurityViolations, PodSecurityLevel } from "./admission";

/**
 * Evaluates the synthesized Kyverno ClusterPolicies against every pod the platform ships (the model's workloads:
 * gitops, the objects releases and stacks write in full, and each pinned chart's workloads with its defaults). Only
 * the rule shapes constructs/addons/kyverno-policies.ts emits are understood; any other shape is a finding, so a
 * policy edited past what this evaluator knows cannot pass unnoticed.
 */

/** A pod as a rule sees it: where it runs, what kind made it, its pod spec. */
export interface PodUnderTest {
  readonly label: string;
  readonly kind: string;
  readonly name: string;
  readonly namespace: string;
  readonly podSpec: Json;
  readonly labels: Record<string, string>;
  /** A pinned chart's workload: its own containers are modelled by their Pod Security fields only. */
  readonly chart: boolean;
  /** Whether its Pod Security fields are known (always for objects; for charts, where chart-workloads.ts models them). */
  readonly securityKnown: boolean;
}

/** Kinds whose pods Kyverno's autogen checks on the controller, as the rules on `Pod` are written for them too. */
const POD_MAKERS = new Set(["Pod", "Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job", "CronJob"]);

/** Kyverno's wildcard match: `*` any run of characters, `?` one character. */
export function wildcard(pattern: string, value: string): boolean {
  const regex = new RegExp(
    `^${pattern
      .replace(/[.+^${}()|[\]\\]/g, "\\$&")
      .replace(/\*/g, ".*")
      .replace(/\?/g, ".")}$`,
    "s",
  );
  return regex.test(value);
}

/** A pattern string's verdict on a value (as Kyverno 1.19's pkg/engine/pattern reads it): `a | b` alternatives, a leading `!` negates, `?*` non-empty, `>0` numbers. */
export function matchesPattern(pattern: string, value: unknown): boolean {
  return pattern.split("|").some((alternative) => {
    const text = alternative.trim();
    if (text.startsWith(">")) return typeof value === "number" && value > Number(text.slice(1));
    if (typeof value !== "string" && typeof value !== "number" && typeof value !== "boolean") return false;
    const actual = String(value);
    return text.startsWith("!") ? !wildcard(text.slice(1), actual) : wildcard(text, actual);
  });
}

/**
 * Kyverno's `pattern` on `value`: maps key by key (a key `=(name)` is optional), a list pattern of one element applies
 * to every element, strings per `matchesPattern`. Returns the paths that fail.
 */
export function patternFailures(pattern: unknown, value: unknown, path = ""): string[] {
  if (isMap(pattern)) {
    if (!isMap(value)) return [path || "(root)"];
    return Object.entries(pattern).flatMap(([rawKey, inner]) => {
      const optional = /^=\((.+)\)$/.exec(rawKey);
      const key = optional ? optional[1]! : rawKey;
      const at = path ? `${path}.${key}` : key;
      if (optional && value[key] === undefined) return [];
      return patternFailures(inner, value[key], at);
    });
  }
  if (Array.isArray(pattern)) {
    if (!Array.isArray(value)) return [path];
    return value.flatMap((item, index) =>
      pattern.flatMap((element) => patternFailures(element, item, `${path}[${(isMap(item) ? asString(item.name) : undefined) ?? index}]`)),
    );
  }
  return matchesPattern(String(pattern), value) ? [] : [path];
}

/**
 * Pattern paths that touch a fact the model does not hold: evaluating them would be a guess. A chart's own container
 * (no image in the model) is known only by its Pod Security fields; a container of an object written in full without
 * an image gets it from an operator (ECK's Elasticsearch and Kibana), so only its image is unknown.
 */
function unknownFact(pod: PodUnderTest, failedPath: string): boolean {
  const container = /\[([^\]]+)\]/.exec(failedPath)?.[1];
  const written = asArray(pod.podSpec.containers)
    .concat(asArray(pod.podSpec.initContainers))
    .map(asMap)
    .some((candidate) => candidate.name === container && typeof candidate.image === "string");
  if (written) return false;
  return pod.chart || failedPath.endsWith(".image");
}

interface Namespaces {
  readonly labels: ReadonlyMap<string, Record<string, string>>;
}

function selectorMatches(selector: Json, labels: Record<string, string>): boolean {
  const matchLabels = asMap(selector.matchLabels) as Record<string, string>;
  if (!Object.entries(matchLabels).every(([key, value]) => labels[key] === value)) return false;
  return asArray(selector.matchExpressions)
    .map(asMap)
    .every((expression) => {
      const key = String(expression.key);
      const values = asArray(expression.values).map(String);
      switch (expression.operator) {
        case "In":
          return labels[key] !== undefined && values.includes(labels[key]);
        case "NotIn":
          return labels[key] === undefined || !values.includes(labels[key]);
        case "Exists":
          return labels[key] !== undefined;
        case "DoesNotExist":
          return labels[key] === undefined;
        default:
          return false;
      }
    });
}

const KNOWN_RESOURCE_FILTERS = new Set(["kinds", "names", "namespaces", "namespaceSelector", "selector"]);

/** What of a `match`/`exclude` block this evaluator cannot read: anything but `any` entries of known resource filters. */
function unknownSelection(block: unknown): string[] {
  if (block === undefined) return [];
  const keys = Object.keys(asMap(block)).filter((key) => key !== "any");
  const filters = asArray(asMap(block).any).flatMap((entry) => [
    ...Object.keys(asMap(entry)).filter((key) => key !== "resources"),
    ...Object.keys(asMap(asMap(entry).resources)).filter((key) => !KNOWN_RESOURCE_FILTERS.has(key)),
  ]);
  return [...keys, ...filters];
}

/** Whether a `match`/`exclude` block's `any` entries select the pod (the only shape the platform writes). */
function blockSelects(block: Json, pod: PodUnderTest, namespaces: Namespaces, podLevel: boolean): boolean {
  return asArray(block.any)
    .map((entry) => asMap(asMap(entry).resources))
    .some((resources) => {
      const kinds = asArray(resources.kinds).map(String);
      if (kinds.length > 0) {
        const kindMatches = kinds.includes(pod.kind) || (podLevel && kinds.includes("Pod") && POD_MAKERS.has(pod.kind));
        if (!kindMatches) return false;
      }
      const names = asArray(resources.names).map(String);
      if (names.length > 0 && !names.some((name) => wildcard(name, pod.name))) return false;
      const inNamespaces = asArray(resources.namespaces).map(String);
      if (inNamespaces.length > 0 && !inNamespaces.some((namespace) => wildcard(namespace, pod.namespace))) return false;
      if (isMap(resources.namespaceSelector) && !selectorMatches(resources.namespaceSelector, namespaces.labels.get(pod.namespace) ?? {})) return false;
      if (isMap(resources.selector) && !selectorMatches(resources.selector, pod.labels)) return false;
      return true;
    });
}

/** The object a rule's pattern is applied to: the pod itself, or its controller for rules matching controllers. */
function subjectOf(pod: PodUnderTest, podLevel: boolean): Json {
  return podLevel ? { spec: pod.podSpec } : { spec: { template: { spec: pod.podSpec } } };
}

export interface RuleVerdict {
  readonly policy: string;
  readonly rule: string;
  readonly action: string;
  readonly problems: readonly string[];
}

/** Every rule of the policies that selects the pod and fails on it, unless a PolicyException covers it. */
export function evaluate(policies: readonly KubeObject[], exceptions: readonly KubeObject[], pod: PodUnderTest, namespaces: Namespaces): RuleVerdict[] {
  const verdicts: RuleVerdict[] = [];
  for (const policy of policies) {
    for (const rule of asArray(valueAt(policy, "spec.rules")).map(asMap)) {
      const unreadable = [...unknownSelection(rule.match), ...unknownSelection(rule.exclude)];
      if (unreadable.length > 0) {
        verdicts.push({
          policy: policy.metadata.name,
          rule: String(rule.name),
          action: "?",
          problems: [`match/exclude this evaluator does not know (${unreadable.join(", ")})`],
        });
        continue;
      }
      const matchKinds = asArray(asMap(asMap(asArray(asMap(rule.match).any)[0]).resources).kinds).map(String);
      const podLevel = matchKinds.includes("Pod");
      if (!blockSelects(asMap(rule.match), pod, namespaces, podLevel)) continue;
      if (isMap(rule.exclude) && blockSelects(rule.exclude, pod, namespaces, podLevel)) continue;
      const name = String(rule.name);
      if (excepted(exceptions, policy.metadata.name, name, pod, namespaces)) continue;
      const validate = asMap(rule.validate);
      const action = asString(validate.failureAction) ?? "Audit";
      let problems: string[];
      if (isMap(validate.podSecurity)) {
        const level = String(validate.podSecurity.level) as PodSecurityLevel;
        problems = pod.securityKnown ? podSecurityViolations(pod.podSpec, level) : [];
      } else if (isMap(validate.pattern)) {
        problems = patternFailures(validate.pattern, subjectOf(pod, podLevel))
          .filter((failed) => !unknownFact(pod, failed))
          .map((failed) => `${failed} does not match`);
      } else {
        problems = [`rule shape this evaluator does not know (${Object.keys(validate).join(", ")})`];
      }
      if (problems.length > 0) verdicts.push({ policy: policy.metadata.name, rule: name, action, problems });
    }
  }
  return verdicts;
}

function excepted(exceptions: readonly KubeObject[], policy: string, rule: string, pod: PodUnderTest, namespaces: Namespaces): boolean {
  return exceptions.some((exception) => {
    const covers = asArray(valueAt(exception, "spec.exceptions"))
      .map(asMap)
      .some(
        (entry) =>
          entry.policyName === policy && asArray(entry.ruleNames).some((name) => wildcard(String(name), rule) || wildcard(String(name), `autogen-${rule}`)),
      );
    return covers && blockSelects(asMap(valueAt(exception, "spec.match")), pod, namespaces, true);
  });
}

/** Each model workload as the pod a rule sees, and each analysis Job Argo Rollouts runs from an AnalysisTemplate. */
export function podsOf(model: SystemModel): PodUnderTest[] {
  const analysisJobs = objectsOfKind(model, "AnalysisTemplate", "ClusterAnalysisTemplate").flatMap((template) =>
    asArray(valueAt(template.object, "spec.metrics"))
      .map(asMap)
      .filter((metric) => isMap(valueAt(metric, "provider.job.spec.template.spec")))
      .map((metric): PodUnderTest => ({
        label: `${template.object.kind} ${template.object.metadata.namespace ?? "default"}/${template.object.metadata.name} metric ${String(metric.name)} Job (${template.source})`,
        kind: "Job",
        // Argo Rollouts names the Job `<analysis run uid>.<metric>.<attempt>`.
        name: `analysis-run.${String(metric.name)}.1`,
        namespace: template.object.metadata.namespace ?? "default",
        podSpec: asMap(valueAt(metric, "provider.job.spec.template.spec")),
        labels: asMap(valueAt(metric, "provider.job.spec.template.metadata.labels")) as Record<string, string>,
        chart: false,
        securityKnown: true,
      })),
  );
  return [...model.workloads.map((workload) => podOf(model, workload)), ...analysisJobs];
}

/** The controller Kyverno sees for a model workload: ECK's Kibana is a Deployment `<name>-kb`, a Rollout's pods come from ReplicaSets. */
const CONTROLLERS: Readonly<Record<string, (name: string) => { kind: string; name: string }>> = {
  Kibana: (name) => ({ kind: "Deployment", name: `${name}-kb` }),
  Rollout: (name) => ({ kind: "ReplicaSet", name }),
};

function podOf(model: SystemModel, workload: WorkloadFacts): PodUnderTest {
  const chart = isChartWorkload(model, workload);
  const controller = CONTROLLERS[workload.kind]?.(workload.name) ?? { kind: workload.kind, name: workload.name };
  return {
    label: workloadLabel(workload),
    ...controller,
    namespace: workload.namespace,
    podSpec: workload.podSpec,
    labels: {},
    chart,
    securityKnown: !chart || workload.securityModelled === true,
  };
}

function isChartWorkload(model: SystemModel, workload: WorkloadFacts): boolean {
  const release = model.releases.find((candidate) => `release:${candidate.stack}:${candidate.name}` === workload.source);
  return !!release && (chartFacts(release).workloads.length ?? 0) > 0;
}

/**
 * Images a chart's values name that no pod of the release runs, each with the reason; a key path under any of them
 * is skipped (besides any map switched off by `enabled: false`).
 */
export const UNRENDERED_IMAGES: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  "kube-prometheus-stack": {
    "prometheus-windows-exporter": "a subchart only rendered with windowsMonitoring.enabled; the clusters run Linux nodes only",
    "prometheusOperator.thanosImage": "the operator's default for Thanos sidecars; the platform's Prometheus runs none",
    "grafana.downloadDashboardsImage": "only runs when dashboards are downloaded from URLs; the platform provisions them from ConfigMaps",
  },
};

/** Helm test pods run only on `helm test`, never on an install or upgrade by Terraform's helm provider. */
const HELM_TEST_KEYS = new Set(["testFramework", "configmapTest"]);

/** Every image a release's effective values name (`[registry/]repository`, cert-manager's `imageRegistry/imageNamespace/name`). */
export function valuesImages(chart: string, values: Json): string[] {
  const found: string[] = [];
  const unrendered = Object.keys(UNRENDERED_IMAGES[chart] ?? {});
  const walk = (node: unknown, path: string, registry: string | undefined, namespace: string | undefined) => {
    if (Array.isArray(node)) return node.forEach((item, index) => walk(item, `${path}[${index}]`, registry, namespace));
    if (!isMap(node) || node.enabled === false) return;
    if (unrendered.some((skipped) => path === skipped || path.startsWith(`${skipped}.`))) return;
    if (HELM_TEST_KEYS.has(path.split(".").pop() ?? "")) return;
    const imageRegistry = asString(node.imageRegistry) ?? registry;
    const imageNamespace = asString(node.imageNamespace) ?? namespace;
    const repository = asString(node.repository);
    const imageLike = node.tag !== undefined || node.registry !== undefined || node.defaultRegistry !== undefined || node.pullPolicy !== undefined;
    if (repository && imageLike && !repository.includes("://")) {
      const host = asString(node.registry) ?? asString(node.defaultRegistry);
      found.push(host ? `${host}/${repository}` : repository);
    }
    // cert-manager builds `imageRegistry/imageNamespace/name` when the repository is empty.
    if (node.repository === "" && asString(node.name) && imageRegistry && imageNamespace) found.push(`${imageRegistry}/${imageNamespace}/${String(node.name)}`);
    for (const [key, value] of Object.entries(node)) walk(value, path ? `${path}.${key}` : key, imageRegistry, imageNamespace);
  };
  walk(values, "", undefined, undefined);
  return found;
}

/** An image reference's full name with Docker Hub's implicit registry and `library/` written out. */
export function qualifiedImage(image: string): string {
  const [first, ...rest] = image.split("/");
  if (rest.length > 0 && first !== undefined && (first.includes(".") || first.includes(":") || first === "localhost")) return image;
  return rest.length === 0 ? `docker.io/library/${image}` : `docker.io/${image}`;
}

/** Whether `image` is under one of the allowed prefixes (`<registry>` or `<registry>/<path>`). */
export function allowedImage(prefixes: readonly string[], image: string): boolean {
  const full = qualifiedImage(image);
  return prefixes.some((prefix) => full.startsWith(`${prefix}/`));
}

/** The allowed prefixes a registries policy names (from its message-independent pattern alternatives). */
export function policyPrefixes(policy: KubeObject): string[] {
  const pattern = asString(valueAt(asMap(asArray(valueAt(asMap(asArray(valueAt(policy, "spec.rules"))[0]), "validate.pattern.spec.containers"))[0]), "image"));
  return [
    ...new Set(
      (pattern ?? "")
        .split("|")
        .map((alternative) => alternative.trim().replace(/\/\*$/, ""))
        .map((prefix) => (prefix.includes(".") ? prefix : `docker.io/${prefix}`)),
    ),
  ];
}

const REGISTRIES_POLICY = "platform-image-registries";

/**
 * The admission-policies contract: no pod the platform ships is denied (enforce) or reported (audit) by the platform's
 * own ClusterPolicies, and every image a pinned chart's values name is under an allowed registry, so a component the
 * chart renders later (an upgrade, a switch turned on) is not refused either.
 */
export function admissionPoliciesContract(chartDefaults = publishedChartDefaults()): Contract {
  return {
    name: "admission-policies",
    description: "the platform's Kyverno ClusterPolicies admit every pod the platform ships",
    check(model) {
      const findings = new Findings("admission-policies");
      const policies = objectsOfKind(model, "ClusterPolicy").map(({ object }) => object);
      if (policies.length === 0) return { checked: 0, findings: [] };
      const exceptions = objectsOfKind(model, "PolicyException").map(({ object }) => object);
      const namespaces: Namespaces = {
        labels: new Map(objectsOfKind(model, "Namespace").map(({ object }) => [object.metadata.name, object.metadata.labels ?? {}])),
      };
      let checked = 0;
      const pods = podsOf(model);
      for (const pod of pods) {
        checked++;
        for (const verdict of evaluate(policies, exceptions, pod, namespaces)) {
          findings.add(pod.label, `ClusterPolicy ${verdict.policy} rule ${verdict.rule} (${verdict.action})`, verdict.problems.join("; "));
        }
      }
      // An exception no shipped workload needs only widens what is admitted.
      for (const exception of exceptions) {
        checked++;
        const others = exceptions.filter((other) => other !== exception);
        const needed = pods.some((pod) => evaluate(policies, others, pod, namespaces).length > evaluate(policies, exceptions, pod, namespaces).length);
        if (!needed)
          findings.add(
            `PolicyException ${exception.metadata.namespace ?? ""}/${exception.metadata.name}`,
            "a shipped workload it exempts",
            "no workload the platform ships needs it",
          );
      }
      const registries = policies.find((policy) => policy.metadata.name === REGISTRIES_POLICY);
      if (registries) {
        const prefixes = policyPrefixes(registries);
        for (const release of model.releases) {
          if (release.chart === "platform-manifests" || release.chart === "argocd-apps") continue;
          for (const image of new Set(valuesImages(release.chart, effectiveValues(release, chartDefaults)))) {
            checked++;
            if (!allowedImage(prefixes, image)) {
              findings.add(`helm_release ${release.name} (${release.stack})`, `image ${image} of the chart's values`, `allowed: ${prefixes.join(", ")}`);
            }
          }
        }
      }
      return { checked, findings: findings.list };
    },
  };
}

export const admissionPolicies = admissionPoliciesContract();
