import { iamMatch, resourcesOfType, roleNamed, trustedServiceAccounts } from "../terraform";
import type { Contract } from "../types";
import { Findings, listOrNothing, objectLabel, objectsOfKind, stackOfSource } from "./common";

export const irsaContract: Contract = {
  name: "irsa",
  description: "every IRSA trust names a service account something creates, and every role-arn annotation names a role that trusts it",
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
      const arn = account.object.metadata.annotations?.["eks.amazonaws.com/role-arn"];
      if (!arn) continue;
      checked++;
      const subject = `${account.object.metadata.namespace ?? "default"}:${account.object.metadata.name}`;
      const role = roleNamed(model.stacks, stackOfSource(model, account.source), arn);
      if (!role) {
        findings.add(
          objectLabel(account),
          `eks.amazonaws.com/role-arn ${arn}`,
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
    return { checked, findings: findings.list };
  },
};
