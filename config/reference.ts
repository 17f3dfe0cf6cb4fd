import { environmentJsonSchema } from "./json-schema";

interface JsonSchemaNode {
  type?: string | string[];
  description?: string;
  default?: unknown;
  enum?: unknown[];
  const?: unknown;
  pattern?: string;
  minimum?: number;
  maximum?: number;
  minItems?: number;
  maxItems?: number;
  properties?: Record<string, JsonSchemaNode>;
  required?: string[];
  items?: JsonSchemaNode;
  anyOf?: JsonSchemaNode[];
  oneOf?: JsonSchemaNode[];
  additionalProperties?: JsonSchemaNode | boolean;
}

/**
 * The configuration reference (docs/configuration.md): one row per field, generated from the same zod schema the
 * loader validates with, so the reference cannot drift from what the loader accepts.
 */
export function renderConfigReference(): string {
  const rows: string[] = [];
  walk(environmentJsonSchema(), "", true, rows);
  return [
    "# Configuration reference",
    "",
    "Generated from `config/schema/*.ts` by `npm run docs:config`; a test fails when it is stale. Each environment is one",
    "`config/<name>.yaml`; `config/schema.json` gives editors completion and checks. Unknown keys are errors.",
    "",
    "| field | type | default | required | description |",
    "|---|---|---|---|---|",
    ...rows,
    "",
  ].join("\n");
}

function walk(node: JsonSchemaNode, path: string, required: boolean, rows: string[]): void {
  const variants = node.oneOf ?? node.anyOf;
  if (variants && variants.every((variant) => variant.properties)) {
    if (path) rows.push(row(path, node, required, "one of the forms below"));
    for (const variant of variants) {
      const discriminator = Object.entries(variant.properties ?? {}).find(([, property]) => property.const !== undefined);
      const label = discriminator ? `${path}{${discriminator[0]}=${String(discriminator[1].const)}}` : path;
      walkProperties(variant, label, rows);
    }
    return;
  }
  if (path) rows.push(row(path, node, required));
  if (node.properties) walkProperties(node, path, rows);
  if (node.items?.properties) walkProperties(node.items, `${path}[]`, rows);
  if (typeof node.additionalProperties === "object" && node.additionalProperties.properties) {
    walkProperties(node.additionalProperties, `${path}.<name>`, rows);
  }
}

function walkProperties(node: JsonSchemaNode, path: string, rows: string[]): void {
  for (const [key, property] of Object.entries(node.properties ?? {})) {
    walk(property, path ? `${path}.${key}` : key, (node.required ?? []).includes(key) && property.default === undefined, rows);
  }
}

function row(path: string, node: JsonSchemaNode, required: boolean, note?: string): string {
  const cells = [
    `\`${path}\``,
    typeOf(node),
    node.default === undefined ? "" : `\`${JSON.stringify(node.default)}\``,
    required ? "yes" : "",
    describe(node, note),
  ];
  return `| ${cells.map((cell) => cell.replace(/\|/g, "\\|").replace(/\n/g, " ")).join(" | ")} |`;
}

function typeOf(node: JsonSchemaNode): string {
  if (node.enum) return node.enum.map((value) => `\`${String(value)}\``).join(", ");
  if (node.const !== undefined) return `\`${typeof node.const === "string" ? node.const : JSON.stringify(node.const)}\``;
  const variants = node.anyOf ?? node.oneOf;
  if (variants) {
    const consts = variants.filter((variant) => variant.const !== undefined).map((variant) => String(variant.const));
    if (consts.length === variants.length) return consts.join(", ");
    return [...new Set(variants.map(typeOf))].join(" or ");
  }
  if (node.type === "array") return `list of ${node.items ? typeOf(node.items) : "any"}`;
  if (node.type === "object" && typeof node.additionalProperties === "object" && !node.properties) return `map of ${typeOf(node.additionalProperties)}`;
  return Array.isArray(node.type) ? node.type.join(" or ") : (node.type ?? "any");
}

function describe(node: JsonSchemaNode, note?: string): string {
  const limits: string[] = [];
  if (node.minimum !== undefined && node.maximum !== undefined && node.maximum < Number.MAX_SAFE_INTEGER) limits.push(`${node.minimum}–${node.maximum}`);
  else if (node.minimum !== undefined) limits.push(`≥ ${node.minimum}`);
  if (node.minItems !== undefined) limits.push(`at least ${node.minItems} items`);
  if (node.maxItems !== undefined) limits.push(`at most ${node.maxItems} items`);
  return [node.description, note, limits.length ? `(${limits.join(", ")})` : ""].filter(Boolean).join(" ");
}
