import { IConstruct } from "constructs";
import { IAspect, TerraformStack } from "cdktf";
import { evaluatePolicy, PolicyOptions, PolicyReport } from "./evaluate";
import { errorsOf, formatSummary, PolicyViolationError } from "./report";

export interface PolicyAspectOptions extends PolicyOptions {
  /**
   * Where the summary, warnings and suppressions go.
   * @default nowhere: the report is kept for `policyReportOf`, and the synth entry point prints one line per
   * environment on stdout (cdktf-cli relays a child's stderr as `[ERROR]` lines, so a clean synth must not use it)
   */
  readonly log?: (line: string) => void;
}

const reports = new WeakMap<TerraformStack, PolicyReport>();

/** The policy report of a stack the aspect has checked; undefined before synth or for a stack without the aspect. */
export function policyReportOf(stack: TerraformStack): PolicyReport | undefined {
  return reports.get(stack);
}

/**
 * Checks every Terraform resource of each stack it visits against the policy rules, once per stack: keeps the report
 * (warnings and suppressions included) and fails synth with every error finding listed.
 *
 * `Aspects.of(stack).add(new PolicyAspect({ production }))`
 */
export class PolicyAspect implements IAspect {
  private readonly checked = new WeakSet<TerraformStack>();

  constructor(readonly options: PolicyAspectOptions) {}

  visit(node: IConstruct): void {
    if (!TerraformStack.isStack(node) || this.checked.has(node)) return;
    this.checked.add(node);
    const report = evaluatePolicy(node, this.options);
    reports.set(node, report);
    if (this.options.log) for (const line of formatSummary(report)) this.options.log(line);
    if (errorsOf(report).length > 0) {
      throw new PolicyViolationError(report);
    }
  }
}
