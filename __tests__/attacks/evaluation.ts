import { evaluate, Decision, IamRequest, PolicyDocumentJson } from "../../constructs/policy/iam-evaluator";

export type { Decision, IamRequest, PolicyDocumentJson };

/**
 * IAM's decision for a principal of one account: its identity policies under its boundary, and the account boundary
 * AWS itself draws: a request on a resource of another account is refused unless a resource policy of that account
 * admits the principal (the platform writes none that admits another environment's roles).
 */
export function decide(principal: { account: string; identity: readonly PolicyDocumentJson[]; boundary?: PolicyDocumentJson }, request: IamRequest): Decision {
  const account = request.resource.split(":")[4];
  if (account && account !== "aws" && account !== "*" && !account.startsWith("${") && account !== principal.account) return "implicit-deny";
  return evaluate(request, principal.identity, { boundary: principal.boundary });
}
