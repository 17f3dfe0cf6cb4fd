import { IConstruct } from "constructs";
import { nearestInScopes } from "../core/nearest-scope";
import { RULE_IDS } from "./rules";

export interface Suppression {
  readonly ruleId: string;
  readonly reason: string;
  /** Path of the construct the suppression was applied to. */
  readonly path: string;
}

const suppressions = new WeakMap<IConstruct, Suppression[]>();

/**
 * Accepts a finding of `ruleId` on `construct` and every resource below it, for a written reason that the synth
 * summary prints. Suppress at the narrowest construct that explains the exception, never at a stack.
 */
export function suppress(construct: IConstruct, ruleId: string, reason: string): void {
  if (!RULE_IDS.has(ruleId)) {
    throw new Error(`suppress(${construct.node.path}): unknown policy rule "${ruleId}"; see docs/policies.md for the rule ids`);
  }
  if (reason.trim().length === 0) {
    throw new Error(`suppress(${construct.node.path}, ${ruleId}): a suppression needs a written reason saying why the finding is acceptable`);
  }
  const existing = suppressions.get(construct) ?? [];
  existing.push({ ruleId, reason: reason.trim(), path: construct.node.path });
  suppressions.set(construct, existing);
}

/** The suppression of `ruleId` that covers `construct` (set on it or on one of its scopes), if any. */
export function suppressionFor(construct: IConstruct, ruleId: string): Suppression | undefined {
  return nearestInScopes(construct, (scope) => suppressions.get(scope)?.find((suppression) => suppression.ruleId === ruleId));
}

/** Every suppression set on `root` or below it. */
export function suppressionsUnder(root: IConstruct): Suppression[] {
  return root.node.findAll().flatMap((construct) => suppressions.get(construct) ?? []);
}
