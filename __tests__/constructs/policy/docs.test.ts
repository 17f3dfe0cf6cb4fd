import * as fs from "fs";
import { ALL_RULES } from "../../../constructs/policy/rules";
import { POLICY_DOCS_PATH, renderPolicyDocs } from "../../../tools/generate-policy-docs";

describe("docs/policies.md", () => {
  it("is the table generated from the rule definitions (run `npm run docs:policies` after changing a rule)", () => {
    expect(fs.readFileSync(POLICY_DOCS_PATH, "utf8")).toBe(renderPolicyDocs());
  });

  it("has one row per rule, with its id, severity and fix", () => {
    const rows = renderPolicyDocs()
      .split("\n")
      .filter((line) => line.startsWith("| PLT-"));
    expect(rows).toHaveLength(ALL_RULES.length);
    for (const rule of ALL_RULES) {
      expect(rows.find((line) => line.startsWith(`| ${rule.id} | ${rule.severity} |`))).toContain(rule.remediation.replace(/\|/g, "\\|"));
    }
  });
});
