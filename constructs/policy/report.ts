import { PolicyReport } from "./evaluate";
import { Finding } from "./types";

/** `1 error`, `2 errors`. */
export function count(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? "" : "s"}`;
}

/** One finding on one line: which rule, which resource, what is wrong and how to fix it. */
export function formatFinding(finding: Finding): string {
  return `${finding.severity} ${finding.ruleId} ${finding.address} (${finding.path}): ${finding.problem}. Fix: ${finding.remediation}`;
}

export function errorsOf(report: PolicyReport): Finding[] {
  return report.findings.filter((finding) => finding.severity === "error");
}

/** The synth summary of a stack: counts, then every suppression with its reason. */
export function formatSummary(report: PolicyReport): string[] {
  const errors = errorsOf(report).length;
  const warnings = report.findings.length - errors;
  const tier = report.production ? "production" : "non-production";
  const lines = [
    `policy: ${report.stack} (${tier}): ${count(report.rulesChecked, "rule")} checked on ${count(report.resourcesChecked, "resource")}, ` +
      `${count(errors, "error")}, ${count(warnings, "warning")}, ${report.suppressed.length} suppressed`,
  ];
  for (const finding of report.findings.filter((candidate) => candidate.severity === "warning")) {
    lines.push(`  ${formatFinding(finding)}`);
  }
  for (const finding of report.suppressed) {
    lines.push(`  suppressed: ${finding.ruleId} on ${finding.path} (${finding.reason})`);
  }
  for (const suppression of report.unusedSuppressions) {
    lines.push(`  unused suppression: ${suppression.ruleId} on ${suppression.path} matches no finding; remove it`);
  }
  return lines;
}

/** Thrown at synth when a stack has error findings; the message lists every one of them. */
export class PolicyViolationError extends Error {
  constructor(readonly report: PolicyReport) {
    const errors = errorsOf(report);
    super(
      [`policy: ${report.stack}: ${count(errors.length, "error finding")}; synth stopped:`, ...errors.map((finding) => `  ${formatFinding(finding)}`)].join(
        "\n",
      ),
    );
    this.name = "PolicyViolationError";
  }
}
