import { parse } from "yaml";

/**
 * Readers of parsed JSON and YAML values (`unknown` from `JSON.parse` or the YAML parser), shared by the policy engine
 * (synthesized attributes), the tools (plans, synthesized stacks, chart values) and anything else that reads such data:
 * none of them depends on what the data describes.
 */

/** A JSON object (not null, not an array). */
export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** A value as a list: a list as it is, a single value as a list of one, nothing (undefined or null) as none. */
export function list(value: unknown): unknown[] {
  if (value === undefined || value === null) return [];
  return Array.isArray(value) ? value : [value];
}

/** The strings of a value read as a list (`list`), other items left out. */
export function strings(value: unknown): string[] {
  return list(value).filter((item): item is string => typeof item === "string");
}

/** A scalar of parsed JSON or YAML as text: a string as it is, a number or boolean printed; undefined for anything else. */
export function scalarText(value: unknown): string | undefined {
  if (typeof value === "string") return value;
  return typeof value === "number" || typeof value === "boolean" ? String(value) : undefined;
}

const parsedDocuments = new Map<string, unknown>();

/**
 * A YAML document (a Helm release's `values` text) parsed, once per process per text: the policy rules, the contracts,
 * the cost estimate and the teardown plan each read every release's values, often of the same synth. Each call gets its
 * own copy, so a caller that changes what it got changes nothing another reads. An empty document is null.
 */
export function parseYamlDocument(text: string): unknown {
  if (!parsedDocuments.has(text)) parsedDocuments.set(text, parse(text) ?? null);
  return structuredClone(parsedDocuments.get(text));
}
