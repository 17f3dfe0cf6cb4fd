/** A scalar of parsed JSON or YAML as text: a string as it is, a number or boolean printed; undefined for anything else. */
export function scalarText(value: unknown): string | undefined {
  if (typeof value === "string") return value;
  return typeof value === "number" || typeof value === "boolean" ? String(value) : undefined;
}
