import type { KubernetesObject } from "./add-on";

/** The platform's rules as Kyverno ClusterPolicies (docs/platform.md, "Admission policy"). */

/** What a rule does with a violation: Kyverno's `validate.failureAction`. */
export type FailureAction = "Audit" | "Enforce";

/** The label Pod Security admission reads; the installer sets it on every namespace from the add-on's `podSecurity`. */
export const POD_SECURITY_LABEL = "pod-security.kubernetes.io/enforce";

/** The ClusterPolicies, by name. */
export const POLICY_NAMES = {
  podSecurity: "platform-pod-security",
  registries: "platform-image-registries",
  resources: "platform-container-resources",
  probes: "platform-workload-probes",
  imageTags: "platform-image-tags",
} as const;

/** Annotation that carries an exclusion's or exception's reason, so a reviewer reads why next to the object. */
export const REASON_ANNOTATION = "policies.platform/reason";
/** Annotation of an audit-only policy: why it never denies (`AUDIT_ONLY`). */
export const AUDIT_ONLY_ANNOTATION = "policies.platform/audit-only";

/**
 * Namespaces left out of every rule, with the reason: explicit in each policy's `exclude`, as Kyverno's own webhook
 * configuration and resource filters also leave them out (so its background scan, which skips resource filters, agrees).
 */
export interface Exclusion {
  readonly namespace: string;
  readonly reason: string;
}

export interface PolicyInputs {
  /** What the policies do with a violation (audit-only policies aside: `AUDIT_ONLY`). */
  readonly failureAction: FailureAction;
  /** Pod Security Standards version the rules check (`v1.35`): the cluster's minor version, pinned. */
  readonly podSecurityVersion: string;
  /** Image prefixes allowed (`<registry>` or `<registry>/<path>`), sorted and unique. */
  readonly registries: readonly string[];
  readonly exclusions: readonly Exclusion[];
}

const POD_CONTROLLERS = ["Deployment", "StatefulSet", "DaemonSet"] as const;
/** Containers of every list a pod has; optional lists are anchored with `=()`, so an absent list passes. */
const CONTAINER_LISTS = ["containers", "=(initContainers)", "=(ephemeralContainers)"] as const;

function policy(key: keyof typeof POLICY_NAMES, description: string, inputs: PolicyInputs, rules: Record<string, unknown>[]): KubernetesObject {
  const name = POLICY_NAMES[key];
  const action = actionOf(inputs, key);
  const metadata = {
    name,
    annotations: {
      "policies.kyverno.io/title": name,
      "policies.kyverno.io/description": description,
      [REASON_ANNOTATION]: inputs.exclusions.map((exclusion) => `${exclusion.namespace}: ${exclusion.reason}`).join("; "),
      ...(AUDIT_ONLY[key] ? { [AUDIT_ONLY_ANNOTATION]: AUDIT_ONLY[key] } : {}),
    },
  };
  return {
    apiVersion: "kyverno.io/v1",
    kind: "ClusterPolicy",
    metadata,
    spec: {
      // Background scans report what existed before the policy (and what its webhook never saw) in PolicyReports.
      background: true,
      // Fail closed while enforcing (kube-system and Kyverno's namespace are outside its webhooks, so an outage blocks
      // neither); audit cannot deny anything, so a Kyverno outage must not either.
      webhookConfiguration: { failurePolicy: action === "Enforce" ? "Fail" : "Ignore", timeoutSeconds: 10 },
      rules,
    },
  };
}

function excluded(inputs: PolicyInputs): Record<string, unknown> {
  return { any: [{ resources: { namespaces: inputs.exclusions.map((exclusion) => exclusion.namespace) } }] };
}

/**
 * Policies that report but never deny, whatever the mode, and why: the pinned charts' own containers, sidecars and
 * hook Jobs are modelled by the contracts only by image and Pod Security fields, and several ship without a
 * liveness probe (Vault's server, the Cluster Autoscaler, cert-manager's controller, Argo CD's application
 * controller) or without requests (Grafana's sidecars, the Prometheus operator's webhook Jobs). Enforcing these two
 * would refuse a platform release on install or upgrade; their violations are in the PolicyReports and alerted on.
 */
export const AUDIT_ONLY: Readonly<Partial<Record<keyof typeof POLICY_NAMES, string>>> = {
  resources: "the pinned charts' sidecars and hook Jobs are not all sized by the chart (Grafana's sidecars, the Prometheus operator's webhook Jobs)",
  probes: "several pinned charts ship a workload without a liveness or a readiness probe (Vault's server, the Cluster Autoscaler, cert-manager)",
};

/** The failure action of one policy: Audit for an audit-only policy, the mode's otherwise. */
function actionOf(inputs: PolicyInputs, policy: keyof typeof POLICY_NAMES): FailureAction {
  return AUDIT_ONLY[policy] ? "Audit" : inputs.failureAction;
}

/** A rule on pods (Kyverno writes the same rule for their controllers: autogen). */
function podRule(
  name: string,
  inputs: PolicyInputs,
  action: FailureAction,
  validate: Record<string, unknown>,
  match?: Record<string, unknown>,
): Record<string, unknown> {
  return {
    name,
    match: { any: [{ resources: { kinds: ["Pod"], ...match } }] },
    exclude: excluded(inputs),
    validate: { failureAction: action, ...validate },
  };
}

/** Each container list of a pod with the same pattern on every container. */
function everyContainer(pattern: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(CONTAINER_LISTS.map((list) => [list, [pattern]]));
}

/** Kyverno pattern alternatives for an image prefix; Docker Hub's images are also written without the registry. */
export function imagePatterns(prefix: string): string[] {
  const dockerHub = /^docker\.io\/(.+)$/.exec(prefix);
  return dockerHub ? [`${prefix}/*`, `${dockerHub[1]}/*`] : [`${prefix}/*`];
}

/**
 * 1. Pod Security: restricted in every namespace whose level is restricted or unset, baseline where the namespace's
 * label says baseline; a privileged namespace (its add-on gives the reason in `podSecurity`) has no rule.
 */
function podSecurityPolicy(inputs: PolicyInputs): KubernetesObject {
  const level = (value: "restricted" | "baseline", selector: Record<string, unknown>) =>
    podRule(
      `pod-security-${value}`,
      inputs,
      actionOf(inputs, "podSecurity"),
      { message: `Pods must meet the ${value} Pod Security Standard.`, podSecurity: { level: value, version: inputs.podSecurityVersion } },
      { namespaceSelector: selector },
    );
  return policy("podSecurity", "Pods meet the Pod Security level of their namespace (restricted unless the namespace says otherwise).", inputs, [
    level("restricted", { matchExpressions: [{ key: POD_SECURITY_LABEL, operator: "NotIn", values: ["baseline", "privileged"] }] }),
    level("baseline", { matchLabels: { [POD_SECURITY_LABEL]: "baseline" } }),
  ]);
}

/** 2. Images only from the allowed prefixes. */
function registriesPolicy(inputs: PolicyInputs): KubernetesObject {
  const allowed = inputs.registries.flatMap(imagePatterns).join(" | ");
  return policy("registries", "Images come from the environment's ECR registry or the registries of the pinned charts.", inputs, [
    podRule("allowed-registries", inputs, actionOf(inputs, "registries"), {
      message: `Images must come from ${inputs.registries.join(", ")}.`,
      pattern: { spec: everyContainer({ image: allowed }) },
    }),
  ]);
}

/** 3. CPU and memory requests and a memory limit on every container. */
function resourcesPolicy(inputs: PolicyInputs): KubernetesObject {
  return policy("resources", "Every container requests CPU and memory and has a memory limit.", inputs, [
    podRule("requests-and-memory-limit", inputs, actionOf(inputs, "resources"), {
      message: "Every container needs resources.requests.cpu, resources.requests.memory and resources.limits.memory.",
      pattern: { spec: everyContainer({ resources: { requests: { cpu: "?*", memory: "?*" }, limits: { memory: "?*" } } }) },
    }),
  ]);
}

/** 4. Liveness and readiness probes on the containers of long-running workloads (not Jobs or CronJobs). */
function probesPolicy(inputs: PolicyInputs): KubernetesObject {
  return policy("probes", "Containers of Deployments, StatefulSets and DaemonSets have liveness and readiness probes.", inputs, [
    {
      name: "liveness-and-readiness",
      match: { any: [{ resources: { kinds: [...POD_CONTROLLERS] } }] },
      exclude: excluded(inputs),
      validate: {
        failureAction: actionOf(inputs, "probes"),
        message: "Every container of a long-running workload needs a livenessProbe and a readinessProbe.",
        // The API server defaults periodSeconds (10) before admission, so a probe that is set has one.
        pattern: { spec: { template: { spec: { containers: [{ livenessProbe: { periodSeconds: ">0" }, readinessProbe: { periodSeconds: ">0" } }] } } } },
      },
    },
  ]);
}

/** 5. A tag or a digest on every image, never `latest`. */
function imageTagsPolicy(inputs: PolicyInputs): KubernetesObject {
  const action = actionOf(inputs, "imageTags");
  return policy("imageTags", "Every image names a tag other than latest, or a digest.", inputs, [
    podRule("tag-or-digest", inputs, action, { message: "Images need a tag or a digest.", pattern: { spec: everyContainer({ image: "*:*" }) } }),
    podRule("not-latest", inputs, action, { message: "The latest tag is not allowed.", pattern: { spec: everyContainer({ image: "!*:latest" }) } }),
  ]);
}

/** The platform's ClusterPolicies: one per rule, all with the same failure action and exclusions. */
export function platformPolicies(inputs: PolicyInputs): KubernetesObject[] {
  return [podSecurityPolicy(inputs), registriesPolicy(inputs), resourcesPolicy(inputs), probesPolicy(inputs), imageTagsPolicy(inputs)];
}
