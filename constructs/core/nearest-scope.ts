import { IConstruct } from "constructs";

/**
 * What `pick` finds on `construct` or, failing that, on its nearest enclosing scope, walking towards the root: how a
 * setting made on a scope (a location, a suppression) covers everything built under it, the nearest one winning.
 */
export function nearestInScopes<T>(construct: IConstruct, pick: (scope: IConstruct) => T | undefined): T | undefined {
  const scopes = construct.node.scopes;
  for (let index = scopes.length - 1; index >= 0; index--) {
    const found = pick(scopes[index]!);
    if (found !== undefined) return found;
  }
  return undefined;
}
