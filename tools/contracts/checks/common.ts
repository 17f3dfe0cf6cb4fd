import type { Finding, KubeObject, ObjectModel, SystemModel, WorkloadFacts } from "../types";

/** How a finding names a Kubernetes object: `ExternalSecret web/web-database (gitops:overlays/prod)`. */
export function objectLabel({ source, object }: ObjectModel): string {
  const namespace = object.metadata.namespace ? `${object.metadata.namespace}/` : "";
  return `${object.kind} ${namespace}${object.metadata.name} (${source})`;
}

export function workloadLabel(workload: WorkloadFacts): string {
  return `${workload.kind} ${workload.namespace}/${workload.name} (${workload.source})`;
}

export function objectsOfKind(model: SystemModel, ...kinds: string[]): ObjectModel[] {
  return model.objects.filter(({ object }) => kinds.includes(object.kind));
}

/** The stack a source's Terraform references resolve in; gitops objects carry literals only. */
export function stackOfSource(model: SystemModel, source: string): string {
  const [kind, stack] = source.split(":");
  return (kind === "release" || kind === "stack") && stack !== undefined && stack in model.stacks ? stack : (Object.keys(model.stacks)[0] ?? "");
}

export function groupOf(object: Pick<KubeObject, "apiVersion">): string {
  return object.apiVersion.includes("/") ? object.apiVersion.slice(0, object.apiVersion.indexOf("/")) : "";
}

/** Collects findings for one contract with its name filled in. */
export class Findings {
  readonly list: Finding[] = [];
  constructor(private readonly contract: string) {}
  add(consumer: string, reference: string, instead: string): void {
    this.list.push({ contract: this.contract, consumer, reference, instead });
  }
}

/** `a, b, c` or `nothing`, for the `instead` of a finding. */
export function listOrNothing(items: readonly string[], limit = 6): string {
  if (items.length === 0) return "nothing";
  const unique = [...new Set(items)];
  return unique.length > limit ? `${unique.slice(0, limit).join(", ")} and ${unique.length - limit} more` : unique.join(", ");
}
