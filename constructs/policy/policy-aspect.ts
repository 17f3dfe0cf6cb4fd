import { IConstruct } from "constructs";
import { IAspect, TerraformStack } from "cdktf";
import { evaluatePolicy, PolicyOptions } from "./evaluate";
import { errorsOf, formatSummary, PolicyViolationError } from "./report";

export interface PolicyAspectOptions extends PolicyOptions {
  /** Where the summary, warnings and suppressions go. @default standard error, so stdout stays clean for tools */
  readonly log?: (line: string) => void;
}

/**
 * Checks every Terraform resource of each stack it visits against the policy rules, once per stack: prints the summary
 * (warnings and suppressions included) and fails synth with every error finding listed.
 *
 * `Aspects.of(stack).add(new PolicyAspect({ production }))`
 */
export class PolicyAspect implements IAspect {
  private readonly checked = new WeakSet<TerraformStack>();
  private readonly log: (line: string) => void;

  constructor(readonly options: PolicyAspectOptions) {
    this.log = options.log ?? ((line) => process.stderr.write(`${line}\n`));
  }

  visit(node: IConstruct): void {
    if (!TerraformStack.isStack(node) || this.checked.has(node)) return;
    this.checked.add(node);
    const report = evaluatePolicy(node, this.options);
    for (const line of formatSummary(report)) this.log(line);
    if (errorsOf(report).length > 0) {
      throw new PolicyViolationError(report);
    }
  }
}
