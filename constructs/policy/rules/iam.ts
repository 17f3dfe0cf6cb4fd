import { blocks, conditionKeys, hasConditions, hasWildcardPrincipal, Statement, statementsOf } from "../attributes";
import { isObject, strings } from "../../core/json";
import { matchesWildcard } from "../../iam/policy-document";
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

function isPodIdentityTrust(statement: Statement): boolean {
  return allows(statement) && isObject(statement.Principal) && strings(statement.Principal.Service).includes("pods.eks.amazonaws.com");
}

/**
 * The conditions an EKS Pod Identity trust needs so that only one service account of one cluster can use the role,
 * whoever associates it: the account and cluster EKS acts for, and the session tags EKS sets for the pod.
 */
const POD_IDENTITY_PINS = ["aws:SourceAccount", "aws:SourceArn", "aws:RequestTag/kubernetes-namespace", "aws:RequestTag/kubernetes-service-account"];

function unpinnedPodIdentity(statement: Statement): string[] {
  const keys = conditionKeys(statement);
  return POD_IDENTITY_PINS.filter((key) => {
    const values = keys.get(key);
    return values === undefined || strings(values).some((value) => value.includes("*"));
  });
}

/** Actions that give a role permissions: whoever may call them unconditionally can make any role an administrator. */
const ROLE_PERMISSION_ACTIONS = ["iam:CreateRole", "iam:PutRolePolicy", "iam:AttachRolePolicy", "iam:PutRolePermissionsBoundary"];

function covers(statement: Statement, action: string): boolean {
  return strings(statement.Action).some((pattern) => matchesWildcard(pattern, action, true));
}

/** Role-permission actions an Allow statement grants without requiring the caller's permissions boundary. */
function unboundedRoleActions(statement: Statement): string[] {
  if (!allows(statement) || conditionKeys(statement).has("iam:PermissionsBoundary")) return [];
  return ROLE_PERMISSION_ACTIONS.filter((action) => covers(statement, action));
}

/** What is wrong with an Allow of iam:PassRole: any role (`*`), or any service (no iam:PassedToService). */
function passRoleProblems(statement: Statement): string[] {
  if (!allows(statement) || !covers(statement, "iam:PassRole")) return [];
  const problems: string[] = [];
  if (strings(statement.Resource).some((resource) => resource === "*" || resource.endsWith(":role/*"))) problems.push("to any role");
  if (!conditionKeys(statement).has("iam:PassedToService")) problems.push("to any service");
  return problems;
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
    checkovRelated: [
      {
        id: "CKV_AWS_358",
        differs: "runs on aws_iam_policy_document data sources and covers GitHub OIDC only; the project writes trust policies as JSON on aws_iam_role",
      },
    ],
    remediation: 'use IrsaRole, or add StringEquals { "<issuer>:sub" = "system:serviceaccount:<ns>:<sa>", "<issuer>:aud" = "sts.amazonaws.com" }',
    resourceTypes: ["aws_iam_role"],
    check({ attributes }) {
      const missing = new Set((statementsOf(attributes.assume_role_policy) ?? []).filter(isWebIdentityTrust).flatMap(unscopedClaims));
      return missing.size > 0
        ? `the web identity trust does not pin ${[...missing].join(" and ")}, so other workloads or audiences can assume the role`
        : undefined;
    },
  },
  {
    id: "PLT-IAM-005",
    severity: "error",
    title: "Roles created only under a permissions boundary",
    description:
      "No identity policy allows iam:CreateRole, iam:PutRolePolicy, iam:AttachRolePolicy or iam:PutRolePermissionsBoundary without an `iam:PermissionsBoundary` condition: otherwise the principal can create or widen a role and become administrator through it.",
    checkov: ["CKV_AWS_286", "CKV_AWS_289"],
    remediation: 'add Condition StringEquals { "iam:PermissionsBoundary" = "<boundary policy ARN>" } to the statement (GithubDeployRole does)',
    resourceTypes: POLICY_TYPES,
    check({ type, attributes }) {
      const actions = new Set(identityPolicies(type, attributes).flatMap((policy) => (statementsOf(policy) ?? []).flatMap(unboundedRoleActions)));
      return actions.size > 0 ? `allows ${[...actions].join(", ")} without requiring a permissions boundary (privilege escalation)` : undefined;
    },
  },
  {
    id: "PLT-IAM-006",
    severity: "error",
    title: "iam:PassRole names its roles and services",
    description: "Every Allow of iam:PassRole names the roles (not `*`) and pins the receiving services with `iam:PassedToService`.",
    checkov: ["CKV_AWS_286", "CKV2_AWS_40"],
    remediation: 'scope Resource to role/<prefix>-* and add Condition StringEquals { "iam:PassedToService" = [...] }',
    resourceTypes: POLICY_TYPES,
    check({ type, attributes }) {
      const problems = new Set(identityPolicies(type, attributes).flatMap((policy) => (statementsOf(policy) ?? []).flatMap(passRoleProblems)));
      return problems.size > 0 ? `allows iam:PassRole ${[...problems].join(" and ")}` : undefined;
    },
  },
  {
    id: "PLT-IAM-007",
    severity: "error",
    title: "EKS Pod Identity trust pinned to one cluster and service account",
    description:
      "Every trust of pods.eks.amazonaws.com pins `aws:SourceAccount`, `aws:SourceArn` (the cluster) and the session tags `aws:RequestTag/kubernetes-namespace` and `aws:RequestTag/kubernetes-service-account`, without wildcards: an association is the only other thing that binds the role, and whoever may create one on any cluster of the account could otherwise hand the role to any pod.",
    remediation:
      'use PodIdentityRole (constructs/iam/pod-identity-role.ts), or add StringEquals { "aws:SourceAccount", "aws:SourceArn" = <cluster ARN>, "aws:RequestTag/kubernetes-namespace", "aws:RequestTag/kubernetes-service-account" }',
    resourceTypes: ["aws_iam_role"],
    check({ attributes }) {
      const missing = new Set((statementsOf(attributes.assume_role_policy) ?? []).filter(isPodIdentityTrust).flatMap(unpinnedPodIdentity));
      return missing.size > 0 ? `the Pod Identity trust does not pin ${[...missing].join(", ")}, so other pods or clusters can assume the role` : undefined;
    },
  },
];
