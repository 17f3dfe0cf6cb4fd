import { scalarText } from "../../constructs/core/json";
import { regionOf as providerRegion } from "../lib/synth-output";
import type { SystemModel } from "./types";
import { asArray, asMap, asString, isMap, Json } from "./values";
import { originOfRemoteState } from "../../constructs/core/cdktf-internals";

/**
 * Reading the synthesized Terraform JSON of a system: resources across stacks, references resolved to the resource
 * they name (in the same stack, or through `terraform_remote_state` to the upstream stack's output and its
 * resource), regions of providers, IAM policy documents and the policies a role holds.
 */

type Stacks = SystemModel["stacks"];

export interface ResourceRef {
  readonly stack: string;
  readonly type: string;
  readonly name: string;
  readonly values: Json;
}

export type Resolved =
  | ({ readonly kind: "resource"; readonly attribute: string } & ResourceRef)
  | { readonly kind: "literal"; readonly value: string }
  | { readonly kind: "unresolved"; readonly expression: string };

/** The expression of a string that is exactly one `${...}` interpolation, else undefined. */
export function wholeToken(value: string): string | undefined {
  if (!value.startsWith("${")) return undefined;
  const end = closingBrace(value, 1);
  return end === value.length - 1 ? value.slice(2, -1) : undefined;
}

/** Index of the `}` closing the `{` at `open`, counting nested braces (Terraform expressions nest them). */
export function closingBrace(value: string, open: number): number {
  let depth = 0;
  for (let i = open; i < value.length; i++) {
    if (value[i] === "{") depth++;
    else if (value[i] === "}" && --depth === 0) return i;
  }
  return -1;
}

export function resourcesOfType(stacks: Stacks, type: string): ResourceRef[] {
  return Object.entries(stacks).flatMap(([stack, json]) =>
    Object.entries(asMap(asMap(json.resource)[type])).map(([name, values]) => ({ stack, type, name, values: asMap(values) })),
  );
}

export function resourceAt(stacks: Stacks, stack: string, type: string, name: string): ResourceRef | undefined {
  const values = asMap(asMap(stacks[stack]?.resource)[type])[name];
  return isMap(values) ? { stack, type, name, values } : undefined;
}

export function addressOf(ref: Pick<ResourceRef, "type" | "name">): string {
  return `${ref.type}.${ref.name}`;
}

/**
 * The stack a `terraform_remote_state` data source reads: cdktf names it after the stack (read through the adapter of
 * cdktf's internals); any other remote state is found by its key, which names the state file.
 */
export function remoteStateStack(stacks: Stacks, stack: string, dataSource: string): string | undefined {
  const origin = originOfRemoteState(dataSource);
  if (origin !== undefined && stacks[origin]) return origin;
  const config = asMap(asMap(asMap(asMap(stacks[stack]?.data).terraform_remote_state)[dataSource]).config);
  const key = asString(config.key) ?? asString(asMap(config.workspaces).name);
  const named = key
    ?.split("/")
    .pop()
    ?.replace(/\.tfstate$/, "");
  return named && stacks[named] ? named : undefined;
}

const REMOTE_OUTPUT = /^data\.terraform_remote_state\.([^.]+)\.outputs\.([A-Za-z0-9_-]+)$/;
const RESOURCE_ATTRIBUTE = /^([a-z][a-z0-9_]*)\.([A-Za-z0-9_-]+)(?:\.(.+))?$/;

/** What a string names: a literal, or (when it is one whole reference) the resource behind it, across stacks. */
export function resolve(stacks: Stacks, stack: string, value: string): Resolved {
  const expression = wholeToken(value);
  if (expression === undefined) return value.includes("${") ? { kind: "unresolved", expression: value } : { kind: "literal", value };
  const [, dataSource, outputName] = REMOTE_OUTPUT.exec(expression) ?? [];
  if (dataSource !== undefined && outputName !== undefined) {
    const upstream = remoteStateStack(stacks, stack, dataSource);
    const output = upstream ? asMap(asMap(stacks[upstream]?.output)[outputName]).value : undefined;
    return upstream && typeof output === "string" ? resolve(stacks, upstream, output) : { kind: "unresolved", expression: value };
  }
  const [, type, name, attribute] = RESOURCE_ATTRIBUTE.exec(expression) ?? [];
  if (type !== undefined && name !== undefined && !["data", "var", "local", "module", "terraform"].includes(type)) {
    const ref = resourceAt(stacks, stack, type, name);
    if (ref) return { kind: "resource", attribute: attribute ?? "", ...ref };
  }
  return { kind: "unresolved", expression: value };
}

/** A resolved value as a reader sees it: `aws_iam_role.X.arn (prod-cluster)` or the literal. */
export function describe(resolved: Resolved): string {
  if (resolved.kind === "resource") return `${addressOf(resolved)}${resolved.attribute ? `.${resolved.attribute}` : ""} (${resolved.stack})`;
  return resolved.kind === "literal" ? resolved.value : resolved.expression;
}

/** The region a resource's AWS provider (its `provider` alias, or the default one) is configured for. */
export function regionOf(stacks: Stacks, ref: ResourceRef): string | undefined {
  return providerRegion({ name: ref.stack, json: stacks[ref.stack] ?? {} }, ref.values.provider);
}

/** The `aws_iam_role` a role ARN names: a reference to the role resource, or a literal ARN whose name a role has. */
export function roleNamed(stacks: Stacks, stack: string, roleArn: string): ResourceRef | undefined {
  const resolved = resolve(stacks, stack, roleArn);
  if (resolved.kind === "resource") return resolved.type === "aws_iam_role" ? resolved : undefined;
  if (resolved.kind !== "literal") return undefined;
  const match = /^arn:[^:]+:iam::[^:]*:role\/(?:.*\/)?([^/]+)$/.exec(resolved.value);
  return match ? resourcesOfType(stacks, "aws_iam_role").find((role) => role.values.name === match[1]) : undefined;
}

export interface Statement {
  readonly sid?: string;
  readonly effect: string;
  readonly actions: readonly string[];
  /** NotAction: the statement applies to every action but these. */
  readonly notActions?: readonly string[];
  readonly resources: readonly string[];
  readonly notResources: readonly string[];
  readonly principals: readonly { readonly type: string; readonly value: string }[];
  readonly conditions: Json;
}

export interface PolicyDocument {
  /** Who holds it: `aws_iam_role_policy.X (stack) policy`. */
  readonly where: string;
  readonly stack: string;
  readonly statements: readonly Statement[];
}

const strings = (value: unknown): string[] => (typeof value === "string" ? [value] : asArray(value).filter((item): item is string => typeof item === "string"));

/**
 * Terraform interpolates `${...}` before the JSON is read, and a reference may hold quotes (`${replace(x, "https://",
 * "")}`), so references are set aside as placeholders while parsing and put back into every key and string after.
 */
function hideTokens(text: string, tokens: string[]): string {
  let out = "";
  let index = 0;
  while (index < text.length) {
    const start = text.indexOf("${", index);
    const end = start < 0 ? -1 : closingBrace(text, start + 1);
    if (start < 0 || end < 0) return out + text.slice(index);
    out += `${text.slice(index, start)}@@token${tokens.length}@@`;
    tokens.push(text.slice(start, end + 1));
    index = end + 1;
  }
  return out;
}

function restoreTokens(value: unknown, tokens: readonly string[]): unknown {
  const restore = (text: string) => text.replace(/@@token(\d+)@@/g, (token, n: string) => tokens[Number(n)] ?? token);
  if (typeof value === "string") return restore(value);
  if (Array.isArray(value)) return value.map((item) => restoreTokens(item, tokens));
  if (isMap(value)) return Object.fromEntries(Object.entries(value).map(([key, item]) => [restore(key), restoreTokens(item, tokens)]));
  return value;
}

/** A policy JSON string parsed into statements; undefined when it is not a literal policy document. */
export function parsePolicy(text: unknown): Statement[] | undefined {
  if (typeof text !== "string") return undefined;
  const tokens: string[] = [];
  let document: unknown;
  try {
    document = restoreTokens(JSON.parse(hideTokens(text, tokens)), tokens);
  } catch {
    return undefined;
  }
  if (!isMap(document) || document.Statement === undefined) return undefined;
  const list = Array.isArray(document.Statement) ? document.Statement : [document.Statement];
  return list.map(asMap).map((statement) => ({
    ...(typeof statement.Sid === "string" ? { sid: statement.Sid } : {}),
    effect: scalarText(statement.Effect) ?? "Allow",
    actions: strings(statement.Action),
    ...(statement.NotAction === undefined ? {} : { notActions: strings(statement.NotAction) }),
    resources: strings(statement.Resource),
    notResources: strings(statement.NotResource),
    principals: principalsOf(statement.Principal),
    conditions: asMap(statement.Condition),
  }));
}

function principalsOf(principal: unknown): { type: string; value: string }[] {
  if (principal === "*") return [{ type: "*", value: "*" }];
  return Object.entries(asMap(principal)).flatMap(([type, values]) => strings(values).map((value) => ({ type, value })));
}

/** Attributes of resources that hold an IAM policy document as JSON. */
const POLICY_ATTRIBUTES = ["policy", "assume_role_policy"];

/** Every literal IAM policy document in the system: role trusts, inline and managed policies, resource policies. */
export function policyDocuments(stacks: Stacks): PolicyDocument[] {
  const documents: PolicyDocument[] = [];
  for (const [stack, json] of Object.entries(stacks)) {
    for (const [type, byName] of Object.entries(asMap(json.resource))) {
      for (const [name, raw] of Object.entries(asMap(byName))) {
        const values = asMap(raw);
        for (const attribute of POLICY_ATTRIBUTES) {
          const statements = parsePolicy(values[attribute]);
          if (statements) documents.push({ where: `${type}.${name} (${stack}) ${attribute}`, stack, statements });
        }
        asArray(values.inline_policy).forEach((inline, index) => {
          const statements = parsePolicy(asMap(inline).policy);
          if (statements) documents.push({ where: `${type}.${name} (${stack}) inline_policy[${index}]`, stack, statements });
        });
      }
    }
  }
  return documents;
}

function sameResource(resolved: Resolved, ref: ResourceRef): boolean {
  return resolved.kind === "resource" && resolved.stack === ref.stack && resolved.type === ref.type && resolved.name === ref.name;
}

/** The permission policies a role holds: inline blocks, `aws_iam_role_policy` and attached `aws_iam_policy` documents. */
export function policiesOfRole(stacks: Stacks, role: ResourceRef): PolicyDocument[] {
  const documents: PolicyDocument[] = [];
  asArray(role.values.inline_policy).forEach((inline, index) => {
    const statements = parsePolicy(asMap(inline).policy);
    if (statements) documents.push({ where: `${addressOf(role)} (${role.stack}) inline_policy[${index}]`, stack: role.stack, statements });
  });
  for (const policy of resourcesOfType(stacks, "aws_iam_role_policy")) {
    if (!sameResource(resolve(stacks, policy.stack, scalarText(policy.values.role) ?? ""), role)) continue;
    const statements = parsePolicy(policy.values.policy);
    if (statements) documents.push({ where: `${addressOf(policy)} (${policy.stack})`, stack: policy.stack, statements });
  }
  for (const attachment of resourcesOfType(stacks, "aws_iam_role_policy_attachment")) {
    if (!sameResource(resolve(stacks, attachment.stack, scalarText(attachment.values.role) ?? ""), role)) continue;
    const policy = resolve(stacks, attachment.stack, scalarText(attachment.values.policy_arn) ?? "");
    const statements = policy.kind === "resource" ? parsePolicy(policy.values.policy) : undefined;
    if (policy.kind === "resource" && statements) documents.push({ where: `${addressOf(policy)} (${policy.stack})`, stack: policy.stack, statements });
  }
  return documents;
}

/** IAM's wildcard match: `*` any run of characters, `?` one character. */
export function iamMatch(pattern: string, value: string): boolean {
  const regex = pattern
    .replace(/[.+^${}()|[\]\\]/g, "\\$&")
    .replace(/\*/g, ".*")
    .replace(/\?/g, ".");
  return new RegExp(`^${regex}$`, "i").test(value);
}

/** The service accounts (`<namespace>:<name>`) a role's trust admits through web identity (IRSA). */
export function trustedServiceAccounts(role: ResourceRef): string[] {
  return (parsePolicy(role.values.assume_role_policy) ?? [])
    .filter((statement) => statement.effect === "Allow" && statement.actions.some((action) => iamMatch(action, "sts:AssumeRoleWithWebIdentity")))
    .flatMap((statement) =>
      Object.values(statement.conditions).flatMap((operator) =>
        Object.entries(asMap(operator))
          .filter(([key]) => key.endsWith(":sub"))
          .flatMap(([, subjects]) => strings(subjects)),
      ),
    )
    .filter((subject) => subject.startsWith("system:serviceaccount:"))
    .map((subject) => subject.slice("system:serviceaccount:".length));
}
