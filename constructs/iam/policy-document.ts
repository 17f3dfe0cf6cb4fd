/** A typed IAM policy document, so constructs build policies as data and tests can inspect them without regexes. */
export interface PolicyStatement {
  readonly Sid?: string;
  readonly Effect: "Allow" | "Deny";
  readonly Principal?: "*" | Record<string, string | string[]>;
  readonly Action: string | string[];
  readonly Resource?: string | string[];
  /** Every resource but these (a Deny that spares the listed resources). */
  readonly NotResource?: string | string[];
  readonly Condition?: Record<string, Record<string, string | string[] | boolean>>;
}

export interface PolicyDocument {
  readonly Version: "2012-10-17";
  readonly Statement: PolicyStatement[];
}

export function policyDocument(statements: PolicyStatement[]): string {
  const document: PolicyDocument = { Version: "2012-10-17", Statement: statements };
  return JSON.stringify(document);
}

/** Trust policy for an AWS service principal, scoped to this account so no other account can use the role. */
export function serviceTrustPolicy(service: string, accountId: string): string {
  return policyDocument([
    {
      Effect: "Allow",
      Principal: { Service: service },
      Action: "sts:AssumeRole",
      Condition: { StringEquals: { "aws:SourceAccount": accountId } },
    },
  ]);
}

/** The expression of each wildcard pattern already matched, by case rule: a policy evaluation matches the same few often. */
const wildcardExpressions = { exact: new Map<string, RegExp>(), ignoringCase: new Map<string, RegExp>() };

/** IAM's wildcard match of an action or resource pattern (`*` any run, `?` one character); actions ignore case. */
export function matchesWildcard(pattern: string, value: string, ignoreCase = false): boolean {
  const expressions = ignoreCase ? wildcardExpressions.ignoringCase : wildcardExpressions.exact;
  let expression = expressions.get(pattern);
  if (!expression) {
    const source = pattern
      .replace(/[.+^${}()|[\]\\]/g, "\\$&")
      .replace(/\*/g, ".*")
      .replace(/\?/g, ".");
    expression = new RegExp(`^${source}$`, ignoreCase ? "is" : "s");
    expressions.set(pattern, expression);
  }
  return expression.test(value);
}
