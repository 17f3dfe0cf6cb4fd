import type * as Yaml from "yaml";
import { Release } from "@cdktf/provider-helm/lib/release";

// The rules' YAML parser, counted: registered before the modules under test are loaded (the transform does not hoist
// jest.mock above imports), so they are required below, after it.
jest.doMock("yaml", () => {
  const actual = jest.requireActual<typeof Yaml>("yaml");
  return { ...actual, parse: jest.fn(actual.parse) };
});
/* eslint-disable @typescript-eslint/no-require-imports -- loaded after the mock above */
const { parse, stringify } = require("yaml") as typeof Yaml;
const { evaluatePolicy } = require("../../../constructs/policy/evaluate") as typeof import("../../../constructs/policy/evaluate");
const { fixtureStack, ruleById } = require("./support") as typeof import("./support");
/* eslint-enable @typescript-eslint/no-require-imports */

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
