import { POD_IDENTITY_PRINCIPAL } from "../../../constructs/iam/pod-identity-role";
import { IRSA_ROLE_ANNOTATION } from "../../../constructs/iam/workload-role";
import { podIdentityAssociations, PodIdentityAssociationFacts } from "../model";
import { iamMatch, parsePolicy, ResourceRef, resourcesOfType, roleNamed, trustedServiceAccounts } from "../terraform";
import type { Contract, SystemModel } from "../types";
import { asArray, asMap } from "../values";
import { Findings, listOrNothing, objectLabel, objectsOfKind, stackOfSource } from "./common";

/** A condition's values: one string or a list. */
const values = (value: unknown): string[] => (typeof value === "string" ? [value] : asArray(value).map(String));

/** The `namespace:name` pairs a role's EKS Pod Identity trust pins by session tag; undefined: no Pod Identity trust. */
export function podIdentitySubjects(role: Pick<ResourceRef, "values">): { pinned: string[]; unpinned: boolean } | undefined {
  const statements = (parsePolicy(role.values.assume_role_policy) ?? []).filter(
    (statement) =>
      statement.effect === "Allow" &&
      statement.principals.some(({ type, value }) => type === "Service" && value === POD_IDENTITY_PRINCIPAL) &&
      statement.actions.some((action) => iamMatch(action, "sts:AssumeRole")),
  );
  if (statements.length === 0) return undefined;
  const pinned: string[] = [];
  let unpinned = false;
  for (const statement of statements) {
    const equals = asMap(statement.conditions.StringEquals);
    const namespaces = values(equals["aws:RequestTag/kubernetes-namespace"]);
    const accounts = values(equals["aws:RequestTag/kubernetes-service-account"]);
    if (namespaces.length === 0 || accounts.length === 0) unpinned = true;
    for (const namespace of namespaces) for (const account of accounts) pinned.push(`${namespace}:${account}`);
  }
  return { pinned, unpinned };
}

function associationLabel(association: PodIdentityAssociationFacts): string {
  return `${association.address} (${association.stack}) for ${association.namespace}/${association.serviceAccount}`;
}

/**
 * EKS Pod Identity: every association names a service account something creates and a role whose trust admits Pod
 * Identity for exactly that namespace and service account; no service account has two associations, or an association
 * and a role-arn annotation (the web-identity variables the annotation brings come first in every SDK's chain).
 */
function checkAssociations(model: SystemModel, created: readonly string[], findings: Findings): number {
  let checked = 0;
  const associations = podIdentityAssociations(model.stacks);
  const bySubject = new Map<string, PodIdentityAssociationFacts[]>();
  for (const association of associations) {
    checked++;
    const subject = `${association.namespace}:${association.serviceAccount}`;
    bySubject.set(subject, [...(bySubject.get(subject) ?? []), association]);
    if (!created.includes(subject)) {
      findings.add(
        associationLabel(association),
        `service account ${association.namespace}/${association.serviceAccount}`,
        `service accounts in ${association.namespace}: ${listOrNothing(created.filter((account) => account.startsWith(`${association.namespace}:`)))}`,
      );
    }
    const role = roleNamed(model.stacks, association.stack, association.roleArn);
    if (!role) {
      findings.add(
        associationLabel(association),
        `role ${association.roleArn}`,
        `roles: ${listOrNothing(resourcesOfType(model.stacks, "aws_iam_role").map((candidate) => String(candidate.values.name)))}`,
      );
      continue;
    }
    const trust = podIdentitySubjects(role);
    if (!trust || trust.unpinned || !trust.pinned.includes(subject)) {
      findings.add(
        associationLabel(association),
        `role ${String(role.values.name)} (${role.stack})`,
        !trust
          ? `its trust does not admit ${POD_IDENTITY_PRINCIPAL}`
          : trust.unpinned
            ? "its trust admits Pod Identity without pinning aws:RequestTag/kubernetes-namespace and kubernetes-service-account"
            : `its trust admits Pod Identity for: ${listOrNothing(trust.pinned)}`,
      );
    }
  }
  for (const [subject, [first, ...others]] of bySubject) {
    if (!first) continue;
    for (const other of others) {
      findings.add(associationLabel(other), "one association per service account", `also bound by ${associationLabel(first)}`);
    }
    const annotated = objectsOfKind(model, "ServiceAccount").filter(
      ({ object }) => `${object.metadata.namespace ?? "default"}:${object.metadata.name}` === subject && object.metadata.annotations?.[IRSA_ROLE_ANNOTATION],
    );
    for (const account of annotated) {
      checked++;
      findings.add(
        objectLabel(account),
        `${IRSA_ROLE_ANNOTATION} ${account.object.metadata.annotations?.[IRSA_ROLE_ANNOTATION] ?? ""} and the Pod Identity association ${associationLabel(first)}`,
        "one of the two: the annotation's web identity would win over Pod Identity in the SDK's credential chain",
      );
    }
  }
  return checked;
}

export const irsaContract: Contract = {
  name: "irsa",
  description:
    "every IRSA trust names a service account something creates, every role-arn annotation names a role that trusts it, and every Pod Identity association binds a created service account, alone, to a role whose trust pins it",
  check(model) {
    const findings = new Findings("irsa");
    const accounts = objectsOfKind(model, "ServiceAccount");
    const created = accounts.map(({ object }) => `${object.metadata.namespace ?? "default"}:${object.metadata.name}`);
    let checked = 0;
    for (const role of resourcesOfType(model.stacks, "aws_iam_role")) {
      for (const subject of trustedServiceAccounts(role)) {
        checked++;
        if (!created.some((account) => iamMatch(subject, account))) {
          const namespace = subject.split(":")[0];
          findings.add(
            `aws_iam_role.${role.name} (${role.stack}) trust`,
            `system:serviceaccount:${subject}`,
            `service accounts in ${namespace}: ${listOrNothing(created.filter((account) => account.startsWith(`${namespace}:`)))}`,
          );
        }
      }
    }
    for (const account of accounts) {
      const arn = account.object.metadata.annotations?.[IRSA_ROLE_ANNOTATION];
      if (!arn) continue;
      checked++;
      const subject = `${account.object.metadata.namespace ?? "default"}:${account.object.metadata.name}`;
      const role = roleNamed(model.stacks, stackOfSource(model, account.source), arn);
      if (!role) {
        findings.add(
          objectLabel(account),
          `${IRSA_ROLE_ANNOTATION} ${arn}`,
          `roles: ${listOrNothing(resourcesOfType(model.stacks, "aws_iam_role").map((candidate) => String(candidate.values.name)))}`,
        );
        continue;
      }
      const trusted = trustedServiceAccounts(role);
      if (!trusted.some((pattern) => iamMatch(pattern, subject))) {
        findings.add(
          objectLabel(account),
          `role ${String(role.values.name)} (${role.stack})`,
          `its trust admits: ${listOrNothing(trusted.map((entry) => `system:serviceaccount:${entry}`))}`,
        );
      }
    }
    checked += checkAssociations(model, created, findings);
    return { checked, findings: findings.list };
  },
};
