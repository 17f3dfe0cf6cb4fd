import { matchesWildcard } from "../iam/policy-document";

/**
 * A small IAM policy evaluator for the attack tests and the effective-permissions and plan-refresh contracts, over
 * synthesized policies: an explicit Deny in any policy that applies wins; otherwise an Allow is needed in the identity
 * policies, in the permissions boundary when the principal has one, and in every organization policy (SCP) that
 * applies. It understands Action/NotAction and Resource/NotResource with wildcards, the condition operators the
 * project's policies use (with `IfExists` and the `ForAnyValue:`/`ForAllValues:` set qualifiers), and multivalued
 * context keys. Unknown operators fail loudly rather than evaluate to a guess.
 */
export interface IamRequest {
  readonly action: string;
  readonly resource: string;
  /**
   * Request context: `aws:RequestedRegion`, `aws:ResourceTag/<key>`, `iam:PermissionsBoundary`, ... A list is a
   * multivalued key (`aws:TagKeys`).
   */
  readonly context?: Readonly<Record<string, string | readonly string[]>>;
  /**
   * Who asks, for resource policies and role trusts: `{ type: "Federated", id: <provider ARN> }`, `{ type: "AWS",
   * id: <account root or role ARN> }`, `{ type: "Service", id: "ec2.amazonaws.com" }`. @default any principal
   */
  readonly principal?: { readonly type: string; readonly id: string };
}

export interface StatementJson {
  readonly Sid?: string;
  readonly Effect: "Allow" | "Deny";
  readonly Principal?: unknown;
  readonly Action?: string | readonly string[];
  readonly NotAction?: string | readonly string[];
  readonly Resource?: string | readonly string[];
  readonly NotResource?: string | readonly string[];
  readonly Condition?: Readonly<Record<string, Readonly<Record<string, unknown>>>>;
}

export interface PolicyDocumentJson {
  readonly Statement: readonly StatementJson[];
}

export type Decision = "allowed" | "explicit-deny" | "implicit-deny";

/** What applies to a principal besides its identity policies. */
export interface Guardrails {
  /** The principal's permissions boundary. @default none */
  readonly boundary?: PolicyDocumentJson;
  /** Organization policies (SCPs) of its account; each must allow the request. @default none */
  readonly organization?: readonly PolicyDocumentJson[];
}

/** A policy value as IAM compares it: strings as they are, booleans and numbers as their JSON text. */
const scalar = (value: unknown): string => (typeof value === "string" ? value : JSON.stringify(value));
const list = (value: unknown): string[] => (value === undefined ? [] : Array.isArray(value) ? value.map(scalar) : [scalar(value)]);

/** A policy JSON text (or an already parsed document) as the evaluator reads it. */
export function policyOf(document: string | PolicyDocumentJson): PolicyDocumentJson {
  const parsed = (typeof document === "string" ? JSON.parse(document) : document) as { Statement?: unknown };
  const statements = parsed.Statement === undefined ? [] : Array.isArray(parsed.Statement) ? parsed.Statement : [parsed.Statement];
  return { Statement: statements as StatementJson[] };
}

export function actionMatches(statement: StatementJson, action: string): boolean {
  if (statement.NotAction !== undefined) return !list(statement.NotAction).some((pattern) => matchesWildcard(pattern, action, true));
  return list(statement.Action).some((pattern) => matchesWildcard(pattern, action, true));
}

function principalMatches(statement: StatementJson, principal: IamRequest["principal"]): boolean {
  if (statement.Principal === undefined || principal === undefined || statement.Principal === "*") return true;
  const named = list((statement.Principal as Record<string, unknown>)[principal.type]);
  return named.includes("*") || named.includes(principal.id);
}

function resourceMatches(statement: StatementJson, resource: string): boolean {
  if (statement.NotResource !== undefined) return !list(statement.NotResource).some((pattern) => matchesWildcard(pattern, resource));
  if (statement.Resource === undefined) return true;
  return list(statement.Resource).some((pattern) => matchesWildcard(pattern, resource));
}

type Test = (actual: string, expected: string) => boolean;

const equals: Test = (actual, expected) => actual === expected;
const equalsIgnoringCase: Test = (actual, expected) => actual.toLowerCase() === expected.toLowerCase();
const like: Test = (actual, expected) => matchesWildcard(expected, actual);
const numeric =
  (compare: (a: number, b: number) => boolean): Test =>
  (actual, expected) =>
    compare(Number(actual), Number(expected));

/** Positive operators and the negated operator each one has, by name. */
const TESTS: Record<string, { test: Test; negated: boolean }> = {
  StringEquals: { test: equals, negated: false },
  StringNotEquals: { test: equals, negated: true },
  StringEqualsIgnoreCase: { test: equalsIgnoringCase, negated: false },
  StringNotEqualsIgnoreCase: { test: equalsIgnoringCase, negated: true },
  StringLike: { test: like, negated: false },
  StringNotLike: { test: like, negated: true },
  ArnEquals: { test: like, negated: false },
  ArnLike: { test: like, negated: false },
  ArnNotEquals: { test: like, negated: true },
  ArnNotLike: { test: like, negated: true },
  Bool: { test: equalsIgnoringCase, negated: false },
  NumericEquals: { test: numeric((a, b) => a === b), negated: false },
  NumericNotEquals: { test: numeric((a, b) => a === b), negated: true },
  NumericLessThan: { test: numeric((a, b) => a < b), negated: false },
  NumericLessThanEquals: { test: numeric((a, b) => a <= b), negated: false },
  NumericGreaterThan: { test: numeric((a, b) => a > b), negated: false },
  NumericGreaterThanEquals: { test: numeric((a, b) => a >= b), negated: false },
};

/**
 * One condition operator on one key, as IAM documents it: a single-valued key matches a positive operator when it
 * equals any expected value, a negated one when it equals none (and when it is absent); `IfExists` makes an absent
 * key match; `ForAnyValue:` needs one of the request's values to match, `ForAllValues:` every one (an absent key
 * matches ForAllValues and not ForAnyValue).
 */
function conditionMatches(operator: string, actual: readonly string[] | undefined, expected: string[]): boolean {
  if (operator === "Null") return expected.every((value) => (value === "true") === (actual === undefined));
  const qualifier = /^(ForAnyValue|ForAllValues):/.exec(operator)?.[1];
  const ifExists = operator.endsWith("IfExists");
  const name = operator.replace(/^(ForAnyValue|ForAllValues):/, "").replace(/IfExists$/, "");
  const known = TESTS[name];
  if (!known) throw new Error(`the IAM evaluator does not know condition operator ${operator}`);
  const single = (value: string) => {
    const any = expected.some((candidate) => known.test(value, candidate));
    return known.negated ? !any : any;
  };
  if (actual === undefined) return ifExists || known.negated || qualifier === "ForAllValues";
  if (qualifier === "ForAllValues") return actual.every(single);
  if (qualifier === "ForAnyValue") return actual.some(single);
  // A single-valued operator over a multivalued key: IAM compares each value; here any value decides, as for ForAnyValue.
  return known.negated ? actual.every(single) : actual.some(single);
}

export function conditionsMatch(statement: StatementJson, context: IamRequest["context"] = {}): boolean {
  return Object.entries(statement.Condition ?? {}).every(([operator, operands]) =>
    Object.entries(operands).every(([key, expected]) => {
      const value = context[key];
      const actual = value === undefined ? undefined : typeof value === "string" ? [value] : value;
      return conditionMatches(operator, actual, list(expected));
    }),
  );
}

/** The statements of these policies with this effect that apply to the request. */
export function matchingStatements(policies: readonly PolicyDocumentJson[], effect: "Allow" | "Deny", request: IamRequest): StatementJson[] {
  return policies.flatMap((policy) =>
    policy.Statement.filter(
      (statement) =>
        statement.Effect === effect &&
        actionMatches(statement, request.action) &&
        resourceMatches(statement, request.resource) &&
        principalMatches(statement, request.principal) &&
        conditionsMatch(statement, request.context),
    ),
  );
}

const anyMatching = (policies: readonly PolicyDocumentJson[], effect: "Allow" | "Deny", request: IamRequest) =>
  matchingStatements(policies, effect, request).length > 0;

/**
 * What IAM decides for a request of a principal with these identity policies, under its permissions boundary and
 * its account's organization policies (a `PolicyDocumentJson` as the third argument is the boundary).
 */
export function evaluate(request: IamRequest, identity: readonly PolicyDocumentJson[], guardrails: Guardrails | PolicyDocumentJson = {}): Decision {
  const { boundary, organization = [] } = "Statement" in guardrails ? { boundary: guardrails } : guardrails;
  const all = [...identity, ...(boundary ? [boundary] : []), ...organization];
  if (anyMatching(all, "Deny", request)) return "explicit-deny";
  if (organization.some((policy) => !anyMatching([policy], "Allow", request))) return "implicit-deny";
  if (!anyMatching(identity, "Allow", request)) return "implicit-deny";
  if (boundary && !anyMatching([boundary], "Allow", request)) return "implicit-deny";
  return "allowed";
}
