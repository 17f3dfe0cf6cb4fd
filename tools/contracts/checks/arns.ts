import { closingBrace, policyDocuments, resolve, wholeToken } from "../terraform";
import type { Contract } from "../types";
import { Findings } from "./common";

const PARTITIONS = new Set(["aws", "aws-cn", "aws-us-gov"]);

/**
 * What is wrong with an ARN-or-pattern string, or undefined when it is well-formed. A reference inside a literal ARN
 * is allowed only where `referenceKind` says it names a part that is not itself an ARN (`dbuser:${cluster_resource_id}/web`
 * has no attribute to use instead); an ARN there, or a reference nothing resolves, makes an ARN inside an ARN.
 */
export function arnProblem(
  value: string,
  principalType?: string,
  referenceKind: (reference: string) => "arn" | "part" | "unknown" = () => "unknown",
): string | undefined {
  if (value === "*" || wholeToken(value) !== undefined) return undefined;
  if (principalType === "AWS" && /^\d{12}$/.test(value)) return undefined;
  if (value.startsWith("${")) {
    // A reference followed by a sub-resource suffix (`${aws_cloudwatch_log_group.x.arn}:*`) is an ARN pattern too.
    const rest = value.slice(closingBrace(value, 1) + 1);
    if (closingBrace(value, 1) < 0) return "an unterminated ${ reference";
    if (rest.includes("${")) return "more than one reference in one ARN";
    return rest.includes("arn:") ? "an ARN inside an ARN" : undefined;
  }
  if (!value.startsWith("arn:")) return "not an ARN, `*` or one whole reference";
  if (value.indexOf("arn:", 1) > 0) return "an ARN inside an ARN";
  const parts = splitReferences(value);
  for (const reference of parts.references) {
    const kind = referenceKind(reference);
    if (kind === "arn") return `an ARN inside an ARN (${reference} is an ARN)`;
    if (kind === "unknown") return `a reference inside a literal ARN that resolves to no resource (${reference})`;
  }
  const [, partition = "", service = "", region = "", account = "", ...resource] = parts.literal.split(":");
  if (resource.length === 0 || resource.join(":") === "") return "fewer than six fields (arn:partition:service:region:account:resource)";
  if (!PARTITIONS.has(partition)) return `partition "${partition}" is none of ${[...PARTITIONS].join(", ")}`;
  if (!/^[a-z0-9-]+$/.test(service)) return `service "${service}" is not a service name`;
  if (region !== "" && region !== "*" && !/^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d+$/.test(region)) return `region "${region}" is not a region`;
  if (account !== "" && account !== "*" && account !== "aws" && !/^\d{12}$/.test(account)) return `account "${account}" is not 12 digits`;
  return undefined;
}

/** The references of a string and the string with each replaced by a placeholder part. */
function splitReferences(value: string): { literal: string; references: string[] } {
  const references: string[] = [];
  let literal = "";
  let index = 0;
  while (index < value.length) {
    const start = value.indexOf("${", index);
    const end = start < 0 ? -1 : closingBrace(value, start + 1);
    if (start < 0 || end < 0) break;
    literal += `${value.slice(index, start)}reference`;
    references.push(value.slice(start, end + 1));
    index = end + 1;
  }
  return { literal: literal + value.slice(index), references };
}

export const arnsContract: Contract = {
  name: "arns",
  description: "every IAM Resource, NotResource and principal is a well-formed ARN, `*` or one whole reference",
  check(model) {
    const findings = new Findings("arns");
    let checked = 0;
    for (const document of policyDocuments(model.stacks)) {
      document.statements.forEach((statement, index) => {
        const values = [
          ...statement.resources.map((value) => ({ field: "Resource", value, type: undefined as string | undefined })),
          ...statement.notResources.map((value) => ({ field: "NotResource", value, type: undefined as string | undefined })),
          ...statement.principals
            .filter((principal) => principal.type === "AWS" || principal.type === "Federated")
            .map((principal) => ({ field: `Principal.${principal.type}`, value: principal.value, type: principal.type })),
        ];
        for (const { field, value, type } of values) {
          checked++;
          const problem = arnProblem(value, type, (reference) => {
            const resolved = resolve(model.stacks, document.stack, reference);
            if (resolved.kind !== "resource") return "unknown";
            return /(^|[._\]])(arn|[a-z_]*_arn)$/.test(resolved.attribute) ? "arn" : "part";
          });
          if (problem) findings.add(`${document.where} Statement[${index}].${field}`, value, problem);
        }
      });
    }
    return { checked, findings: findings.list };
  },
};
