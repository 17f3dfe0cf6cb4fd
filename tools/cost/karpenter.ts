import { COST_ANNOTATIONS } from "../../constructs/addons/karpenter";

type Json = Record<string, unknown>;

/** What one Karpenter NodePool is estimated to run: its annotated size and type, spot or not, and its root volume. */
export interface KarpenterNodeEstimate {
  readonly nodePool: string;
  readonly nodes: number;
  readonly instanceType: string;
  /** True when the NodePool may buy spot (it prefers spot and falls back to on-demand). */
  readonly spot: boolean;
  readonly volumeGib: number;
}

const asMap = (value: unknown): Json => (typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Json) : {});
const asList = (value: unknown): unknown[] => (Array.isArray(value) ? value : []);

/**
 * The NodePools in a platform-manifests release's values (`manifests`), with the size the cost estimate assumes for
 * each: the replaced node group's desired size (annotated by constructs/addons/karpenter.ts) and the root volume of
 * the EC2NodeClass it names.
 */
export function karpenterNodeEstimates(values: unknown): KarpenterNodeEstimate[] {
  const manifests = asList(asMap(values).manifests).map(asMap);
  const volumeOf = (nodeClass: string) => {
    const found = manifests.find((object) => object.kind === "EC2NodeClass" && asMap(object.metadata).name === nodeClass);
    const root = asList(asMap(found?.spec).blockDeviceMappings)
      .map(asMap)
      .find((mapping) => mapping.rootVolume === true);
    const size = asMap(root?.ebs).volumeSize;
    return typeof size === "string" ? Number.parseInt(size, 10) : 0;
  };
  return manifests
    .filter((object) => object.kind === "NodePool" && String(object.apiVersion).startsWith("karpenter.sh/"))
    .map((object) => {
      const metadata = asMap(object.metadata);
      const annotations = asMap(metadata.annotations);
      const spec = asMap(asMap(asMap(object.spec).template).spec);
      const capacity = asList(spec.requirements)
        .map(asMap)
        .find((requirement) => requirement.key === "karpenter.sh/capacity-type");
      return {
        nodePool: String(metadata.name),
        nodes: Number(annotations[COST_ANNOTATIONS.nodes] ?? 0),
        instanceType: typeof annotations[COST_ANNOTATIONS.instanceType] === "string" ? (annotations[COST_ANNOTATIONS.instanceType] as string) : "",
        spot: asList(capacity?.values).includes("spot"),
        volumeGib: volumeOf(String(asMap(spec.nodeClassRef).name)),
      };
    });
}
