import * as summary from "../plan-summary";
import { ResourceChange } from "../harness/runner";

/**
 * The plan summary's classification of resource types and replacement order (tools/plan-summary.ts), which the change
 * rung and the pull-request summary share. Until plan-summary exports `resourceClass` (the hazards branch adds it with
 * every type the project emits classified), a type in its STATEFUL_TYPES is "stateful" and any other is unclassified
 * (treated as not stateless).
 */
export type ResourceClass = "stateful" | "identity" | "network" | "edge" | "stateless";
export type ReplacementOrder = "create-first" | "destroy-first";
export type ChangeAction = "create" | "update" | "replace" | "delete";

const shared = summary as unknown as { resourceClass?: (type: string) => ResourceClass | undefined };

export function resourceClass(type: string): ResourceClass | undefined {
  if (shared.resourceClass) return shared.resourceClass(type);
  return summary.STATEFUL_TYPES.includes(type) ? "stateful" : undefined;
}

/** ["create","delete"] is create-first (create_before_destroy), ["delete","create"] destroy-first. */
export function replacementOrder(actions: readonly string[]): ReplacementOrder | undefined {
  if (actions.length !== 2) return undefined;
  if (actions[0] === "create" && actions[1] === "delete") return "create-first";
  if (actions[0] === "delete" && actions[1] === "create") return "destroy-first";
  return undefined;
}

/** What a resource change does, or undefined for no-op and read. */
export function changeAction(actions: readonly string[]): ChangeAction | undefined {
  if (replacementOrder(actions)) return "replace";
  if (actions.length === 1 && ["create", "update", "delete"].includes(actions[0]!)) return actions[0] as ChangeAction;
  return undefined;
}

export interface Change {
  readonly stack: string;
  readonly address: string;
  readonly type: string;
  readonly action: ChangeAction;
  readonly order?: ReplacementOrder;
  /** The attributes that force a replacement, as Terraform reports them. */
  readonly replacePaths: readonly string[];
  readonly resourceClass: ResourceClass | undefined;
  /** A destroy-first replacement or a deletion of anything not stateless: what is running stops. */
  readonly outage: boolean;
}

/** Every managed resource change of a plan, classified. */
export function changesOf(stack: string, changes: readonly ResourceChange[]): Change[] {
  return changes.flatMap((change) => {
    const action = change.mode === "managed" ? changeAction(change.change.actions) : undefined;
    if (!action) return [];
    const order = replacementOrder(change.change.actions);
    const resourceClassOf = resourceClass(change.type);
    return [
      {
        stack,
        address: change.address,
        type: change.type,
        action,
        ...(order ? { order } : {}),
        replacePaths: (change.change.replace_paths ?? []).map((segments) => segments.join(".")),
        resourceClass: resourceClassOf,
        outage: (order === "destroy-first" || action === "delete") && resourceClassOf !== "stateless",
      },
    ];
  });
}
