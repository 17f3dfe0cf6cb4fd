import { isObject, list, scalarText, strings } from "../core/json";
import { Attributes } from "./types";

/**
 * Helpers that read synthesized attributes the way Terraform does. A nested block may be synthesized as an object or
 * as a list of objects (depending on the provider schema and on overrides), so rules read blocks through `blocks`.
 */
export function blocks(value: unknown): Attributes[] {
  if (Array.isArray(value)) return value.filter(isObject);
  return isObject(value) ? [value] : [];
}

export function block(value: unknown): Attributes | undefined {
  return blocks(value)[0];
}

/** Terraform accepts `true` and `"true"` for booleans (launch template EBS flags are strings in the schema). */
export function isTrue(value: unknown): boolean {
  return value === true || value === "true";
}

export function isFalse(value: unknown): boolean {
  return value === false || value === "false";
}

export function isSet(value: unknown): boolean {
  return typeof value === "string" ? value.trim().length > 0 : value !== undefined && value !== null;
}

/** An attribute as text for a rule's message or comparison: scalars as Terraform prints them, blocks as JSON. */
export function text(value: unknown, fallback = ""): string {
  if (value === undefined || value === null) return fallback;
  return scalarText(value) ?? JSON.stringify(value);
}

export function numberOf(value: unknown): number | undefined {
  if (typeof value === "number") return value;
  if (typeof value === "string" && /^-?\d+$/.test(value)) return Number(value);
  return undefined;
}

export interface Statement {
  readonly Sid?: string;
  readonly Effect?: string;
  readonly Principal?: unknown;
  readonly NotPrincipal?: unknown;
  readonly Action?: unknown;
  readonly NotAction?: unknown;
  readonly Resource?: unknown;
  readonly Condition?: Record<string, Record<string, unknown>>;
}

/**
 * The statements of a JSON policy attribute. Returns undefined when the policy is not a literal document (for example a
 * `${jsonencode(...)}` expression), which rules treat as "cannot tell" rather than as a violation.
 */
export function statementsOf(policy: unknown): Statement[] | undefined {
  let document: unknown = policy;
  if (typeof policy === "string") {
    try {
      document = JSON.parse(policy);
    } catch {
      return undefined;
    }
  }
  if (!isObject(document)) return undefined;
  return list(document.Statement).filter(isObject);
}

/** Whether a statement's principal is everyone: `"*"` or `{ AWS: "*" }`. */
export function hasWildcardPrincipal(statement: Statement): boolean {
  const { Principal } = statement;
  if (Principal === "*") return true;
  return isObject(Principal) && strings(Principal.AWS).includes("*");
}

export function hasConditions(statement: Statement): boolean {
  return isObject(statement.Condition) && Object.keys(statement.Condition).length > 0;
}

/** Every condition key of a statement, across operators (`StringEquals`, `StringLike`, ...). */
export function conditionKeys(statement: Statement): Map<string, unknown> {
  const keys = new Map<string, unknown>();
  for (const operands of Object.values(statement.Condition ?? {})) {
    if (isObject(operands)) {
      for (const [key, value] of Object.entries(operands)) keys.set(key, value);
    }
  }
  return keys;
}
