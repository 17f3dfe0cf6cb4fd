import { matchesWildcard } from "../../constructs/iam/policy-document";

/**
 * A small IAM policy evaluator for attack tests over synthesized policies: explicit Deny wins, then an Allow is
 * needed in the identity policies and, when the principal has one, in its permissions boundary. It understands
 * Action/NotAction and Resource/NotResource with wildcards and the condition operators the project's policies use.
 * Unknown operators fail loudly rather than evaluate to a guess.
 */
export interface IamRequest {
  readonly action: string;
  readonly resource: string;
  /** Request context: `aws:RequestedRegion`, `aws:ResourceTag/<key>`, `iam:PermissionsBoundary`, ... */
  readonly context?: Record<string, string>;
}

interface Statement {
  readonly Effect: "Allow" | "Deny";
  readonly Action?: string | string[];
  readonly NotAction?: string | string[];
  readonly Resource?: string | string[];
  readonly NotResource?: string | string[];
  readonly Condition?: Record<string, Record<string, unknown>>;
}

export interface PolicyDocumentJson {
  readonly Statement: Statement[];
}

export type Decision = "allowed" | "explicit-deny" | "implicit-deny";

/** A policy value as IAM compares it: strings as they are, booleans and numbers as their JSON text. */
const scalar = (value: unknown): string => (typeof value === "string" ? value : JSON.stringify(value));
const list = (value: unknown): string[] => (value === undefined ? [] : Array.isArray(value) ? value.map(scalar) : [scalar(value)]);

function actionMatches(statement: Statement, action: string): boolean {
  if (statement.NotAction !== undefined) return !list(statement.NotAction).some((pattern) => matchesWildcard(pattern, action, true));
  return list(statement.Action).some((pattern) => matchesWildcard(pattern, action, true));
}

function resourceMatches(statement: Statement, resource: string): boolean {
  if (statement.NotResource !== undefined) return !list(statement.NotResource).some((pattern) => matchesWildcard(pattern, resource));
  return list(statement.Resource).some((pattern) => matchesWildcard(pattern, resource));
}

type Operator = (actual: string | undefined, expected: string[]) => boolean;

const positive =
  (test: (actual: string, expected: string) => boolean): Operator =>
  (actual, expected) =>
    actual !== undefined && expected.some((value) => test(actual, value));
// Negated operators match when the key is absent (IAM's documented behaviour).
const negated =
  (test: (actual: string, expected: string) => boolean): Operator =>
  (actual, expected) =>
    actual === undefined || !expected.some((value) => test(actual, value));
const equals = (actual: string, expected: string) => actual === expected;
const like = (actual: string, expected: string) => matchesWildcard(expected, actual);

const OPERATORS: Record<string, Operator> = {
  StringEquals: positive(equals),
  StringNotEquals: negated(equals),
  StringLike: positive(like),
  StringNotLike: negated(like),
  ArnEquals: positive(equals),
  ArnLike: positive(like),
  ArnNotEquals: negated(equals),
  ArnNotLike: negated(like),
  Bool: positive(equals),
  Null: (actual, expected) => expected.every((value) => (value === "true") === (actual === undefined)),
};

function conditionsMatch(statement: Statement, context: Record<string, string>): boolean {
  return Object.entries(statement.Condition ?? {}).every(([operator, operands]) => {
    const test = OPERATORS[operator];
    if (!test) throw new Error(`the IAM evaluator does not know condition operator ${operator}`);
    return Object.entries(operands).every(([key, expected]) => test(context[key], list(expected)));
  });
}

function matching(policies: readonly PolicyDocumentJson[], effect: "Allow" | "Deny", request: IamRequest): boolean {
  const context = request.context ?? {};
  return policies.some((policy) =>
    policy.Statement.some(
      (statement) =>
        statement.Effect === effect &&
        actionMatches(statement, request.action) &&
        resourceMatches(statement, request.resource) &&
        conditionsMatch(statement, context),
    ),
  );
}

/** What IAM decides for a request of a principal with these identity policies (and permissions boundary). */
export function evaluate(request: IamRequest, identity: readonly PolicyDocumentJson[], boundary?: PolicyDocumentJson): Decision {
  const all = boundary ? [...identity, boundary] : identity;
  if (matching(all, "Deny", request)) return "explicit-deny";
  if (!matching(identity, "Allow", request)) return "implicit-deny";
  if (boundary && !matching([boundary], "Allow", request)) return "implicit-deny";
  return "allowed";
}
