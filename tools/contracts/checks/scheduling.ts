import type { Contract, NodePoolFacts, NodeTaintFacts } from "../types";
import { asArray, asMap, asString, valueAt } from "../values";
import { Findings, listOrNothing, workloadLabel } from "./common";
import { scalarText } from "../../../constructs/core/json";

interface Requirement {
  readonly key: string;
  readonly operator: string;
  readonly values: readonly string[];
}

/** A pool's values for a label: the zone label has one value per AZ of a multi-AZ group. */
function labelValues(pool: NodePoolFacts, key: string): string[] {
  if (key === "topology.kubernetes.io/zone" && !(key in pool.labels)) return [...pool.zones];
  const value = pool.labels[key];
  return value === undefined ? [] : [value];
}

function satisfies(pool: NodePoolFacts, requirement: Requirement): boolean {
  const values = labelValues(pool, requirement.key);
  switch (requirement.operator) {
    case "In":
      return values.some((value) => requirement.values.includes(value));
    case "NotIn":
      return values.length === 0 || values.some((value) => !requirement.values.includes(value));
    case "Exists":
      return values.length > 0;
    case "DoesNotExist":
      return values.length === 0;
    case "Gt":
      return values.some((value) => Number(value) > Number(requirement.values[0]));
    case "Lt":
      return values.some((value) => Number(value) < Number(requirement.values[0]));
    default:
      return false;
  }
}

const describeRequirement = (requirement: Requirement) =>
  requirement.operator === "In" && requirement.values.length === 1
    ? `${requirement.key}=${requirement.values[0]}`
    : `${requirement.key} ${requirement.operator} ${requirement.values.join(",")}`.trim();

/** The node selector and the required node affinity, as alternatives (terms are ORed, a term's requirements ANDed). */
function terms(podSpec: Record<string, unknown>): Requirement[][] {
  const selector = Object.entries(asMap(podSpec.nodeSelector)).map(([key, value]) => ({ key, operator: "In", values: [String(value)] }));
  const required = asArray(valueAt(podSpec, "affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms")).map((term) =>
    asArray(asMap(term).matchExpressions).map((expression) => {
      const item = asMap(expression);
      return { key: String(item.key), operator: String(item.operator), values: asArray(item.values).map(String) };
    }),
  );
  return required.length ? required.map((term) => [...selector, ...term]) : [selector];
}

export function tolerates(tolerations: readonly unknown[], taint: NodeTaintFacts): boolean {
  return tolerations.map(asMap).some((toleration) => {
    const effect = asString(toleration.effect);
    if (effect && effect !== taint.effect) return false;
    if (toleration.key === undefined || toleration.key === "") return toleration.operator === "Exists";
    if (toleration.key !== taint.key) return false;
    return toleration.operator === "Exists" || (scalarText(toleration.value) ?? "") === (taint.value ?? "");
  });
}

const hardTaints = (pool: NodePoolFacts) => pool.taints.filter((taint) => taint.effect === "NoSchedule" || taint.effect === "NoExecute");
const describeTaint = (taint: NodeTaintFacts) => `${taint.key}${taint.value !== undefined ? `=${taint.value}` : ""}:${taint.effect}`;

export const schedulingContract: Contract = {
  name: "scheduling",
  description: "every node selector / required node affinity matches a node pool, and a pool it can land on has no taint it does not tolerate",
  check(model) {
    const findings = new Findings("scheduling");
    let checked = 0;
    for (const workload of model.workloads) {
      checked++;
      const alternatives = terms(workload.podSpec);
      const candidates = model.nodePools.filter((pool) => alternatives.some((term) => term.every((requirement) => satisfies(pool, requirement))));
      const wanted = alternatives.map((term) => term.map(describeRequirement).join(" and ") || "any node").join(" or ");
      if (candidates.length === 0) {
        findings.add(
          workloadLabel(workload),
          `nodes with ${wanted}`,
          `node pools: ${listOrNothing(
            model.nodePools.map(
              (pool) =>
                `${pool.name} {${Object.entries(pool.labels)
                  .filter(([key]) => !key.includes("kubernetes.io/") || key.startsWith("node-role"))
                  .map(([key, value]) => `${key}=${value}`)
                  .join(", ")}}`,
            ),
          )}`,
        );
        continue;
      }
      const tolerations = asArray(workload.podSpec.tolerations);
      if (!candidates.some((pool) => hardTaints(pool).every((taint) => tolerates(tolerations, taint)))) {
        findings.add(
          workloadLabel(workload),
          `a node pool for ${wanted} whose taints it tolerates`,
          `untolerated taints: ${candidates
            .map(
              (pool) =>
                `${pool.name} ${hardTaints(pool)
                  .filter((taint) => !tolerates(tolerations, taint))
                  .map(describeTaint)
                  .join(", ")}`,
            )
            .join("; ")}`,
        );
      }
    }
    return { checked, findings: findings.list };
  },
};
