import { blocks, conditionKeys, hasConditions, hasWildcardPrincipal, isObject, Statement, statementsOf, strings } from "../attributes";
import { Attributes, PolicyRule } from "../types";

const POLICY_TYPES = ["aws_iam_policy", "aws_iam_role_policy", "aws_iam_user_policy", "aws_iam_group_policy", "aws_iam_role"];
const ATTACHMENT_TYPES = ["aws_iam_role_policy_attachment", "aws_iam_user_policy_attachment", "aws_iam_group_policy_attachment", "aws_iam_policy_attachment"];
const ADMINISTRATOR_ACCESS = /:policy\/AdministratorAccess$/;

/** Identity policy documents of a resource: `policy`, or a role's inline policies. */
function identityPolicies(type: string, attributes: Attributes): unknown[] {
  if (type === "aws_iam_role") return blocks(attributes.inline_policy).map((inline) => inline.policy);
  return [attributes.policy];
}

function allows(statement: Statement): boolean {
  return statement.Effect === "Allow";
}

function grantsEverything(statement: Statement): boolean {
  return allows(statement) && strings(statement.Action).includes("*") && strings(statement.Resource).includes("*");
}

function isWebIdentityTrust(statement: Statement): boolean {
  return (
    allows(statement) &&
    isObject(statement.Principal) &&
    strings(statement.Principal.Federated).length > 0 &&
    strings(statement.Action).includes("sts:AssumeRoleWithWebIdentity")
  );
}

/** What a web identity trust statement fails to pin down: the subject (which workload) and the audience. */
function unscopedClaims(statement: Statement): string[] {
  const keys = conditionKeys(statement);
  const claim = (suffix: string) => [...keys.entries()].find(([key]) => key.endsWith(suffix));
  const missing: string[] = [];
  const sub = claim(":sub");
  if (!sub || strings(sub[1]).some((value) => value === "*")) missing.push(":sub");
  if (!claim(":aud")) missing.push(":aud");
  return missing;
}

export const IAM_RULES: PolicyRule[] = [
  {
    id: "PLT-IAM-001",
    severity: "error",
    title: "No `*` action on `*` resource",
    description: "No identity policy allows every action on every resource (administrator rights).",
    checkov: ["CKV_AWS_1", "CKV_AWS_62"],
    trivy: ["AVD-AWS-0057"],
    remediation: "list the actions and resources the principal needs (least privilege)",
    resourceTypes: POLICY_TYPES,
    check({ type, attributes }) {
      const admin = identityPolicies(type, attributes).some((policy) => (statementsOf(policy) ?? []).some(grantsEverything));
      return admin ? 'a statement allows Action "*" on Resource "*"' : undefined;
    },
  },
  {
    id: "PLT-IAM-002",
    severity: "error",
    title: "No AdministratorAccess attached",
    description: "The AWS managed AdministratorAccess policy is attached to no role, user or group.",
    checkov: ["CKV_AWS_274"],
    remediation: "attach a policy scoped to what the principal deploys or runs",
    resourceTypes: [...ATTACHMENT_TYPES, "aws_iam_role"],
    check({ type, attributes }) {
      const arns = type === "aws_iam_role" ? strings(attributes.managed_policy_arns) : strings(attributes.policy_arn);
      return arns.some((arn) => ADMINISTRATOR_ACCESS.test(arn)) ? "the AdministratorAccess managed policy is attached" : undefined;
    },
  },
  {
    id: "PLT-IAM-003",
    severity: "error",
    title: "No public role trust",
    description: "No role trust policy lets any principal (`*`) assume the role without conditions.",
    checkov: ["CKV_AWS_60"],
    remediation: "trust named principals (an account root, a service, an OIDC provider) and pin them with conditions",
    resourceTypes: ["aws_iam_role"],
    check({ attributes }) {
      const open = (statementsOf(attributes.assume_role_policy) ?? []).some(
        (statement) => allows(statement) && hasWildcardPrincipal(statement) && !hasConditions(statement),
      );
      return open ? "anyone can assume the role (Principal * without conditions)" : undefined;
    },
  },
  {
    id: "PLT-IAM-004",
    severity: "error",
    title: "Web identity (IRSA, GitHub OIDC) trust scoped by :sub and :aud",
    description: "Every sts:AssumeRoleWithWebIdentity trust names the subject (`<issuer>:sub`, not `*`) and the audience (`<issuer>:aud`).",
    checkovRelated: [{ id: "CKV_AWS_358", differs: "runs on aws_iam_policy_document data sources and covers GitHub OIDC only; the project writes trust policies as JSON on aws_iam_role" }],
    remediation: "use IrsaRole, or add StringEquals { \"<issuer>:sub\" = \"system:serviceaccount:<ns>:<sa>\", \"<issuer>:aud\" = \"sts.amazonaws.com\" }",
    resourceTypes: ["aws_iam_role"],
    check({ attributes }) {
      const missing = new Set((statementsOf(attributes.assume_role_policy) ?? []).filter(isWebIdentityTrust).flatMap(unscopedClaims));
      return missing.size > 0 ? `the web identity trust does not pin ${[...missing].join(" and ")}, so other workloads or audiences can assume the role` : undefined;
    },
  },
];
