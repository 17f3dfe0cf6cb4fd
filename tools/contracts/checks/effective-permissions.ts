import { scalarText } from "../../../constructs/core/json";
import { IamRequest, matchingStatements, PolicyDocumentJson, StatementJson } from "../../../constructs/policy/iam-evaluator";
import { podIdentityAssociations } from "../model";
import { addressOf, policiesOfRole, resolve, ResourceRef, resourcesOfType, roleNamed, Statement } from "../terraform";
import type { Contract, SystemModel } from "../types";
import { Findings, listOrNothing } from "./common";

/**
 * Policies as the project's IAM evaluator reads them, from the synthesized JSON. A Terraform reference inside a
 * resource (`arn:...:dbuser:${...cluster_resource_id}/web`) stands for one unknown path segment; a resource that is
 * a reference as a whole (`${aws_kms_key.Key.arn}`) is an ARN the evaluator cannot know, written as {@link UNKNOWN}.
 */
export const UNKNOWN = "<unknown resource>";
const REFERENCE = /\$\{[^}]*\}/g;

export function statementJson(statement: Statement): StatementJson {
  const principal: Record<string, string[]> = {};
  for (const { type, value } of statement.principals) principal[type] = [...(principal[type] ?? []), value];
  return {
    ...(statement.sid ? { Sid: statement.sid } : {}),
    ...(statement.principals.length > 0 ? { Principal: statement.principals.some(({ type }) => type === "*") ? "*" : principal } : {}),
    Effect: statement.effect === "Deny" ? "Deny" : "Allow",
    ...(statement.notActions ? { NotAction: [...statement.notActions] } : { Action: [...statement.actions] }),
    ...(statement.notResources.length > 0 ? { NotResource: [...statement.notResources] } : {}),
    // A trust policy names no resource: the statement is about the role it belongs to.
    ...(statement.resources.length > 0 ? { Resource: [...statement.resources] } : {}),
    Condition: statement.conditions as StatementJson["Condition"],
  };
}

export function documentJson(statements: readonly Statement[]): PolicyDocumentJson {
  return { Statement: statements.map(statementJson) };
}

/** A granted resource as a request names it: an S3 bucket's ARN from its literal name, references as path segments. */
export function requestResource(model: SystemModel, stack: string, resource: string): string {
  const whole = resolve(model.stacks, stack, resource);
  if (whole.kind === "resource" && whole.type === "aws_s3_bucket" && whole.attribute === "arn" && typeof whole.values.bucket === "string") {
    return `arn:${model.environment.partition}:s3:::${whole.values.bucket}`;
  }
  const [leading] = resource.startsWith("${") ? (resource.match(REFERENCE) ?? []) : [];
  if (leading !== undefined) {
    // A reference at the start names the whole ARN: known only when it is the bucket above, with a path after it.
    const base = leading === resource ? UNKNOWN : requestResource(model, stack, leading);
    return base === UNKNOWN ? UNKNOWN : `${base}${resource.slice(leading.length).replace(REFERENCE, "reference")}`;
  }
  return resource.replace(REFERENCE, "reference");
}

/**
 * The decision of guardrail policies alone (a boundary, SCPs) on a request: for a resource the evaluator cannot
 * know, any Allow for the action counts and only Deny statements on every resource apply.
 */
export function guardrailDecision(request: IamRequest, guardrails: readonly PolicyDocumentJson[]): { allowed: boolean; deniedBy?: string } {
  const known = request.resource !== UNKNOWN;
  const view = (policy: PolicyDocumentJson): PolicyDocumentJson => ({
    Statement: known
      ? policy.Statement
      : policy.Statement.filter((statement) => statement.Effect === "Allow" || statement.Resource === "*").map(({ Resource, NotResource, ...rest }) => {
          void Resource;
          void NotResource;
          return rest;
        }),
  });
  const views = guardrails.map(view);
  const [deny] = matchingStatements(views, "Deny", request);
  if (deny) return { allowed: false, deniedBy: deny.Sid ?? "a Deny statement" };
  return { allowed: views.every((policy) => matchingStatements([policy], "Allow", request).length > 0) };
}

/**
 * The context a grant's request carries: the environment's region, and the values the grant's own conditions
 * require (`kms:ViaService`), so a guardrail that conditions on the same keys sees what the grant is used with.
 */
export function grantContext(model: SystemModel, statement: Statement): Record<string, string> {
  const context: Record<string, string> = { "aws:RequestedRegion": model.environment.account.region };
  for (const [operator, operands] of Object.entries(statement.conditions)) {
    if (!/^(StringEquals|StringLike|ArnEquals|ArnLike)$/.test(operator)) continue;
    for (const [key, value] of Object.entries(operands as Record<string, unknown>)) {
      const first: unknown = Array.isArray(value) ? (value as unknown[])[0] : value;
      if (typeof first === "string") context[key] = first;
    }
  }
  return context;
}

/** The `aws_iam_policy` a permissions boundary ARN names: a reference to it, or a literal ARN whose name a policy has. */
function boundaryOf(model: SystemModel, role: ResourceRef): ResourceRef | undefined {
  const arn = scalarText(role.values.permissions_boundary) ?? "";
  const resolved = resolve(model.stacks, role.stack, arn);
  if (resolved.kind === "resource") return resolved.type === "aws_iam_policy" ? resolved : undefined;
  const name = /:policy\/(?:.*\/)?([^/]+)$/.exec(arn)?.[1];
  return resourcesOfType(model.stacks, "aws_iam_policy").find((policy) => policy.values.name === name);
}

/** The service control policies the project ships (`aws_organizations_policy` of type SERVICE_CONTROL_POLICY). */
export function organizationPolicies(model: SystemModel): PolicyDocumentJson[] {
  return resourcesOfType(model.stacks, "aws_organizations_policy")
    .filter((policy) => (policy.values.type ?? "SERVICE_CONTROL_POLICY") === "SERVICE_CONTROL_POLICY")
    .flatMap((policy) => {
      const text = scalarText(policy.values.content);
      return text ? [JSON.parse(text) as PolicyDocumentJson] : [];
    });
}

/**
 * The session tags EKS Pod Identity puts on a role's sessions, as the principal tags its requests carry
 * (`aws:PrincipalTag/kubernetes-namespace`, ...): a guardrail that conditions on them sees the pod's identity. Empty
 * for a role no association binds (IRSA sessions carry no tags).
 */
export function podIdentitySessionContext(model: SystemModel, role: ResourceRef): Record<string, string> {
  const association = podIdentityAssociations(model.stacks).find((candidate) => {
    const bound = roleNamed(model.stacks, candidate.stack, candidate.roleArn);
    return bound?.stack === role.stack && bound.name === role.name;
  });
  if (!association) return {};
  return {
    "aws:PrincipalTag/kubernetes-namespace": association.namespace,
    "aws:PrincipalTag/kubernetes-service-account": association.serviceAccount,
  };
}

export const effectivePermissionsContract: Contract = {
  name: "effective-permissions",
  description: "every action a role under a permissions boundary is granted is allowed by that boundary and by the organization policies the project ships",
  check(model) {
    const findings = new Findings("effective-permissions");
    const organization = organizationPolicies(model);
    let checked = 0;
    for (const role of resourcesOfType(model.stacks, "aws_iam_role")) {
      if (role.values.permissions_boundary === undefined) continue;
      const roleName = String(role.values.name);
      const boundary = boundaryOf(model, role);
      if (!boundary) {
        checked++;
        findings.add(
          `${addressOf(role)} (${role.stack}) role ${roleName}`,
          `permissions boundary ${scalarText(role.values.permissions_boundary) ?? ""}`,
          `policies: ${listOrNothing(resourcesOfType(model.stacks, "aws_iam_policy").map((policy) => String(policy.values.name)))}`,
        );
        continue;
      }
      const guardrails = [JSON.parse(String(boundary.values.policy)) as PolicyDocumentJson, ...organization];
      const session = podIdentitySessionContext(model, role);
      for (const document of policiesOfRole(model.stacks, role)) {
        for (const statement of document.statements) {
          if (statement.effect !== "Allow" || statement.notActions) continue;
          const context = { ...session, ...grantContext(model, statement) };
          const resources = statement.notResources.length > 0 || statement.resources.length === 0 ? ["*"] : statement.resources;
          for (const action of statement.actions) {
            for (const resource of resources) {
              checked++;
              const request = { action, resource: requestResource(model, document.stack, resource), context };
              const decision = guardrailDecision(request, guardrails);
              if (decision.allowed) continue;
              findings.add(
                `${document.where} of role ${roleName}`,
                `${action} on ${resource}`,
                decision.deniedBy
                  ? `denied by ${decision.deniedBy} of its boundary ${String(boundary.values.name)} or an organization policy`
                  : `its boundary ${String(boundary.values.name)}${organization.length > 0 ? " or an organization policy" : ""} does not allow it: the grant has no effect`,
              );
            }
          }
        }
      }
    }
    return { checked, findings: findings.list };
  },
};
