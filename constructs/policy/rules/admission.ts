import { numberOf } from "../attributes";
import { isObject, list, parseYamlDocument, strings } from "../../core/json";
import { mergeValues } from "../../addons/add-on";
import { PolicyResource, PolicyRule } from "../types";

/** Each release's merged values, kept for the evaluation's other rules: parsing the YAML is most of a rule's cost. */
const parsedValues = new WeakMap<PolicyResource, Record<string, unknown>>();

/** A helm_release's values documents merged in order, as Helm merges them; parsed once per release. */
function releaseValues(release: PolicyResource): Record<string, unknown> {
  const known = parsedValues.get(release);
  if (known) return known;
  const values = list(release.attributes.values).reduce<Record<string, unknown>>((merged, text) => {
    const document: unknown = typeof text === "string" ? parseYamlDocument(text) : undefined;
    return isObject(document) ? mergeValues(merged, document) : merged;
  }, {});
  parsedValues.set(release, values);
  return values;
}

function isKyverno(release: PolicyResource): boolean {
  return release.attributes.chart === "kyverno";
}

const at = (values: unknown, ...path: string[]): unknown => path.reduce<unknown>((current, key) => (isObject(current) ? current[key] : undefined), values);

/** Namespaces every Kyverno webhook must leave out, so an outage of Kyverno cannot block them. */
const NEVER_INTERCEPTED = ["kube-system"];

export const ADMISSION_RULES: PolicyRule[] = [
  {
    id: "PLT-ADM-001",
    severity: "error",
    title: "Kyverno's webhooks leave kube-system and Kyverno's own namespace out",
    description:
      "The Kyverno release's webhooks never intercept kube-system or Kyverno's namespace (config.webhooks namespaceSelector, config.excludeKyvernoNamespace), so a Kyverno outage with failurePolicy Fail blocks neither the cluster's system pods nor Kyverno's own recovery.",
    remediation:
      "keep kube-system in config.webhooks.namespaceSelector's `kubernetes.io/metadata.name NotIn` list and config.excludeKyvernoNamespace true in platform.kyverno.values",
    resourceTypes: ["helm_release"],
    check(release) {
      if (!isKyverno(release)) return undefined;
      const values = releaseValues(release);
      if (at(values, "config", "excludeKyvernoNamespace") === false)
        return "config.excludeKyvernoNamespace is false: Kyverno's webhooks intercept its own pods";
      const webhooks = at(values, "config", "webhooks");
      // Unset, the chart's own default leaves kube-system out (kyverno 3.9.0 values.yaml).
      if (webhooks === undefined) return undefined;
      const excluded = list(at(webhooks, "namespaceSelector", "matchExpressions"))
        .filter((expression) => isObject(expression) && expression.key === "kubernetes.io/metadata.name" && expression.operator === "NotIn")
        .flatMap((expression) => strings(at(expression, "values")));
      const missing = NEVER_INTERCEPTED.filter((namespace) => !excluded.includes(namespace));
      return missing.length > 0 ? `config.webhooks intercepts ${missing.join(", ")}: a Kyverno outage would block its pods` : undefined;
    },
  },
  {
    id: "PLT-ADM-002",
    severity: "error",
    title: "Three Kyverno admission controllers in production",
    description:
      "In production, Kyverno's admission controller runs at least 3 replicas (its webhooks fail closed in enforce mode: while none runs, every pod outside kube-system and Kyverno's namespace is refused).",
    remediation: "leave admissionController.replicas to the add-on (3 in production) or set it to 3 or more in platform.kyverno.values",
    resourceTypes: ["helm_release"],
    productionOnly: true,
    check(release) {
      if (!isKyverno(release)) return undefined;
      const replicas = numberOf(at(releaseValues(release), "admissionController", "replicas"));
      return replicas === undefined || replicas < 3 ? `admissionController.replicas is ${replicas ?? "unset (the chart runs 1)"}` : undefined;
    },
  },
];
