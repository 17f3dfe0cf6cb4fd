import type { EnvironmentConfig } from "../../config";
import type { NodePoolFacts, ObjectModel } from "./types";
import { asArray, asMap, asString } from "./values";

type Json = Record<string, unknown>;

/** The values a NodePool requirement allows (`In` only: the platform's NodePools use nothing else). */
function requirementValues(requirements: readonly Json[], key: string): string[] | undefined {
  const found = requirements.find((requirement) => requirement.key === key && requirement.operator === "In");
  return found ? asArray(found.values).map(String) : undefined;
}

/**
 * Karpenter's NodePools (objects of the platform's manifests release) as the scheduler sees the nodes they launch: the
 * template's labels, Karpenter's own (`karpenter.sh/nodepool`, the capacity type when it has one value), the
 * well-known labels a requirement pins to one value, and the template's taints. A NodePool whose only capacity type is
 * on-demand is ON_DEMAND; one that may buy spot counts as SPOT, as the placement contract must assume the worst.
 */
export function karpenterNodePools(environment: EnvironmentConfig, objects: readonly ObjectModel[]): NodePoolFacts[] {
  return objects
    .map(({ object }) => object as unknown as Json)
    .filter((object) => object.kind === "NodePool" && String(object.apiVersion).startsWith("karpenter.sh/"))
    .map((object) => {
      const name = String(asMap(object.metadata).name);
      const template = asMap(asMap(object.spec).template);
      const spec = asMap(template.spec);
      const requirements = asArray(spec.requirements).map(asMap);
      const capacityTypes = requirementValues(requirements, "karpenter.sh/capacity-type") ?? ["on-demand"];
      const zones = requirementValues(requirements, "topology.kubernetes.io/zone") ?? [...environment.network.availabilityZones];
      const single = (key: string) => {
        const values = requirementValues(requirements, key);
        return values?.length === 1 ? { [key]: values[0]! } : {};
      };
      const labels: Record<string, string> = {
        "kubernetes.io/os": "linux",
        "topology.kubernetes.io/region": environment.account.region,
        "karpenter.sh/nodepool": name,
        ...single("kubernetes.io/arch"),
        ...single("karpenter.sh/capacity-type"),
        ...single("node.kubernetes.io/instance-type"),
        ...(zones.length === 1 ? { "topology.kubernetes.io/zone": zones[0]! } : {}),
        ...(asMap(asMap(template.metadata).labels) as Record<string, string>),
      };
      return {
        name: `nodepool/${name}`,
        pool: labels.workload ?? name,
        capacityType: capacityTypes.every((type) => type === "on-demand") ? "ON_DEMAND" : "SPOT",
        labels,
        taints: asArray(spec.taints)
          .map(asMap)
          .map((taint) => ({
            key: String(taint.key),
            ...(asString(taint.value) !== undefined ? { value: asString(taint.value) } : {}),
            effect: String(taint.effect),
          })),
        zones,
      } satisfies NodePoolFacts;
    });
}
