import { TerraformStack } from "cdktf";
import { StackContext } from "./resources";
import { ALL_RULES } from "./rules";
import { Suppression, suppressionFor, suppressionsUnder } from "./suppressions";
import { Finding, PolicyRule, SuppressedFinding } from "./types";

export interface PolicyOptions {
  /** Production tiers get the stricter thresholds and the reliability rules. */
  readonly production: boolean;
  /** The rules to run. @default every rule of the project */
  readonly rules?: readonly PolicyRule[];
}

export interface PolicyReport {
  readonly stack: string;
  readonly production: boolean;
  /** Rules that applied to at least one resource of the stack. */
  readonly rulesChecked: number;
  readonly resourcesChecked: number;
  /** Findings that stand, errors first. */
  readonly findings: Finding[];
  readonly suppressed: SuppressedFinding[];
  /** Suppressions of rules that ran and matched no finding: stale exceptions to remove. */
  readonly unusedSuppressions: Suppression[];
}

/** Runs every rule over every resource of a stack and sorts the findings into standing and suppressed. */
export function evaluatePolicy(stack: TerraformStack, options: PolicyOptions): PolicyReport {
  const context = new StackContext(stack, options.production);
  const rules = (options.rules ?? ALL_RULES).filter((rule) => options.production || !rule.productionOnly);
  const findings: Finding[] = [];
  const suppressed: SuppressedFinding[] = [];
  const used = new Set<Suppression>();
  const checked = new Set<string>();
  let rulesChecked = 0;
  for (const rule of rules) {
    const resources = rule.resourceTypes.flatMap((type) => context.resourcesOf(type));
    if (resources.length > 0) rulesChecked++;
    for (const resource of resources) {
      checked.add(resource.address);
      const problem = rule.check(resource, context);
      if (problem === undefined) continue;
      const finding: Finding = {
        ruleId: rule.id,
        severity: rule.severity,
        address: resource.address,
        path: resource.path,
        problem,
        remediation: rule.remediation,
      };
      const suppression = suppressionFor(resource.construct, rule.id);
      if (suppression) {
        used.add(suppression);
        suppressed.push({ ...finding, suppressedAt: suppression.path, reason: suppression.reason });
      } else {
        findings.push(finding);
      }
    }
  }
  const order = (finding: Finding) => `${finding.severity === "error" ? 0 : 1} ${finding.ruleId} ${finding.address}`;
  findings.sort((a, b) => order(a).localeCompare(order(b)));
  return {
    stack: stack.node.id,
    production: options.production,
    rulesChecked,
    resourcesChecked: checked.size,
    findings,
    suppressed,
    // A production-only rule skipped in a lower tier says nothing about whether its suppression is still needed.
    unusedSuppressions: suppressionsUnder(stack).filter((suppression) => !used.has(suppression) && rules.some((rule) => rule.id === suppression.ruleId)),
  };
}
