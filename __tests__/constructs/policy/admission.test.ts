import { parse, stringify } from "yaml";
import { Release } from "@cdktf/provider-helm/lib/release";
import { evaluatePolicy } from "../../../constructs/policy/evaluate";
import { fixtureStack, ruleById } from "./support";

// The rules' YAML parser, counted (jest hoists this above the imports).
jest.mock("yaml", () => {
  const actual = jest.requireActual<typeof import("yaml")>("yaml");
  return { ...actual, parse: jest.fn(actual.parse) };
});

describe("the Kyverno admission rules", () => {
  it("parse each release's values once for both rules: parsing the YAML is most of their cost", () => {
    const stack = fixtureStack((scope) => {
      new Release(scope, "kyverno", {
        name: "kyverno",
        chart: "kyverno",
        values: [stringify({ admissionController: { replicas: 1 } }), stringify({ config: { excludeKyvernoNamespace: false } })],
      });
    });
    jest.mocked(parse).mockClear();
    const report = evaluatePolicy(stack, { production: true, rules: [ruleById("PLT-ADM-001"), ruleById("PLT-ADM-002")] });
    // Both rules read the merged values: each flags what its documents say.
    expect(report.findings.map((finding) => finding.ruleId).sort()).toEqual(["PLT-ADM-001", "PLT-ADM-002"]);
    expect(parse).toHaveBeenCalledTimes(2);
  });
});
