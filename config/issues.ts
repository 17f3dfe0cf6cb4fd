import { z } from "./schema/zod";
import { environmentSchema } from "./schema/environment";
import { closest } from "./suggest";

type Issue = z.core.$ZodIssue;
type PathKey = PropertyKey;

export interface IssueDescription {
  readonly location: string;
  readonly message: string;
}

/** Turns a zod issue into `<dotted.path>` + `<what is wrong; what is allowed>`, phrased for someone editing YAML. */
export function describeIssue(issue: Issue, root: z.ZodType = environmentSchema): IssueDescription[] {
  const location = formatPath(issue.path);
  switch (issue.code) {
    case "unrecognized_keys": {
      const allowed = objectKeysAt(root, issue.path);
      return issue.keys.map((key) => {
        const suggestion = closest(key, allowed);
        return {
          location: formatPath([...issue.path, key]),
          message:
            `unknown key` + (suggestion ? ` (did you mean "${suggestion}"?)` : "") + (allowed.length > 0 ? `; allowed keys here: ${allowed.join(", ")}` : ""),
        };
      });
    }
    case "invalid_type": {
      const received = describeValue(issue.input);
      if (issue.input === undefined) {
        const description = schemaAt(root, issue.path)?.description;
        return [{ location, message: `is required (${issue.expected})` + (description ? `: ${description}` : "") }];
      }
      if (isCustomMessage(issue.message)) {
        return [{ location, message: `${issue.message}; got ${received}` }];
      }
      return [{ location, message: `must be ${article(issue.expected)}, got ${received}` }];
    }
    case "invalid_value":
      if (isCustomMessage(issue.message)) {
        return [{ location, message: `${issue.message}; got ${describeValue(issue.input)}` }];
      }
      return [
        {
          location,
          message: `must be one of ${issue.values.map((value) => JSON.stringify(value)).join(", ")}; got ${describeValue(issue.input)}`,
        },
      ];
    case "too_small":
    case "too_big": {
      const bound = issue.code === "too_small" ? issue.minimum : issue.maximum;
      if (isCustomMessage(issue.message)) {
        return [{ location, message: `${issue.message}; got ${describeSize(issue.input, issue.origin)}` }];
      }
      const relation = issue.code === "too_small" ? (issue.inclusive ? "at least" : "more than") : issue.inclusive ? "at most" : "less than";
      const unit = issue.origin === "array" ? " items" : issue.origin === "string" ? " characters" : "";
      return [{ location, message: `must be ${relation} ${String(bound)}${unit}; got ${describeSize(issue.input, issue.origin)}` }];
    }
    case "invalid_union": {
      if (isCustomMessage(issue.message)) {
        return [{ location, message: `${issue.message}; got ${describeValue(issue.input)}` }];
      }
      return [{ location, message: `does not match any allowed form; got ${describeValue(issue.input)}` }];
    }
    case "invalid_key":
      return [{ location, message: `key ${describeValue(issue.input)}: ${issue.issues.map((inner) => inner.message).join("; ")}` }];
    case "invalid_format":
      return [{ location, message: `${issue.message}; got ${describeValue(issue.input)}` }];
    default:
      return [{ location, message: issue.message }];
  }
}

export function formatPath(path: readonly PathKey[]): string {
  if (path.length === 0) return "(top level)";
  return path.map((key, index) => (typeof key === "number" ? `[${key}]` : `${index === 0 ? "" : "."}${String(key)}`)).join("");
}

/** zod's own messages start with "Invalid" or "Too"; ours say what is allowed and are kept. */
function isCustomMessage(message: string): boolean {
  return !/^(Invalid|Too (small|big)|Expected|Unrecognized)/.test(message);
}

function describeValue(value: unknown): string {
  if (value === undefined) return "nothing";
  if (value === null) return "null";
  if (Array.isArray(value)) return `a list of ${value.length}`;
  if (typeof value === "object") return "a mapping";
  const text = JSON.stringify(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

function describeSize(value: unknown, origin: string): string {
  if (origin === "array" && Array.isArray(value)) return `${value.length} item${value.length === 1 ? "" : "s"}`;
  if (origin === "string" && typeof value === "string") return `${value.length} characters`;
  return describeValue(value);
}

function article(expected: string): string {
  return /^[aeiou]/.test(expected) ? `an ${expected}` : `a ${expected}`;
}

/** Walks the schema along a data path, looking through defaults, optionals, pipes and unions. */
export function schemaAt(schema: z.ZodType, path: readonly PathKey[]): z.ZodType | undefined {
  let current: z.ZodType | undefined = schema;
  for (const key of path) {
    current = unwrap(current);
    if (!current) return undefined;
    const def = (current as unknown as { _zod: { def: Record<string, unknown> } })._zod.def;
    if (def.type === "object") {
      current = (def.shape as Record<string, z.ZodType>)[String(key)];
    } else if (def.type === "array") {
      current = def.element as z.ZodType;
    } else if (def.type === "record") {
      current = def.valueType as z.ZodType;
    } else if (def.type === "union") {
      current = (def.options as z.ZodType[]).map((option) => schemaAt(option, [key])).find((found): found is z.ZodType => found !== undefined);
    } else {
      return undefined;
    }
  }
  return current;
}

function unwrap(schema: z.ZodType | undefined): z.ZodType | undefined {
  let current = schema;
  for (;;) {
    if (!current) return undefined;
    const def = (current as unknown as { _zod: { def: Record<string, unknown> } })._zod.def;
    if (["optional", "default", "prefault", "nullable", "readonly", "catch", "nonoptional"].includes(def.type as string)) {
      current = def.innerType as z.ZodType;
    } else if (def.type === "pipe") {
      current = def.in as z.ZodType;
    } else {
      return current;
    }
  }
}

function objectKeysAt(schema: z.ZodType, path: readonly PathKey[]): string[] {
  const target = unwrap(schemaAt(schema, path));
  if (!target) return [];
  const def = (target as unknown as { _zod: { def: Record<string, unknown> } })._zod.def;
  if (def.type === "object") return Object.keys(def.shape as object);
  if (def.type === "union") {
    return [...new Set((def.options as z.ZodType[]).flatMap((option) => objectKeysAt(option, [])))];
  }
  return [];
}
