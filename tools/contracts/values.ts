import { isMap } from "../../constructs/addons/add-on";

/** Plain-data helpers for Helm values and Kubernetes objects: dotted lookups; Helm's merge is the add-ons' own. */
export { isMap, mergeValues } from "../../constructs/addons/add-on";

export type Json = Record<string, unknown>;

/** The value at a dotted path (`server.ingress.hostname`); keys with dots cannot be addressed, as in `--set`. */
export function valueAt(values: unknown, dotted: string): unknown {
  let current: unknown = values;
  for (const key of dotted.split(".")) {
    if (!isMap(current)) return undefined;
    current = current[key];
  }
  return current;
}

/** Whether a value counts as set in a template's `default`/`if`: not null, not "", not an empty map or list. */
export function isSet(value: unknown): boolean {
  if (value === undefined || value === null || value === "" || value === false) return false;
  if (Array.isArray(value)) return value.length > 0;
  if (isMap(value)) return Object.keys(value).length > 0;
  return true;
}

export function asArray(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

export function asMap(value: unknown): Json {
  return isMap(value) ? value : {};
}

export function asString(value: unknown): string | undefined {
  return typeof value === "string" ? value : undefined;
}
