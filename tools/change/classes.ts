import { ResourceChange } from "../harness/runner";
import { ChangeAction, ReplacementOrder, ResourceClass, replacementOrder, resourceClass } from "../plan-summary";

/** The plan summary's classification of resource types and replacement order, which the change rung shares. */
export { resourceClass, replacementOrder };
export type { ChangeAction, ReplacementOrder, ResourceClass };

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
