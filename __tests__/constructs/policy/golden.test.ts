import { prepareCrossStackReferences } from "../../../constructs/core/cdktf-internals";
import { Aspects, TerraformStack } from "cdktf";
import { buildApp } from "../../../main";
import { BootstrapStack } from "../../../stacks/bootstrap-stack";
import { evaluatePolicy, PolicyReport } from "../../../constructs/policy/evaluate";
import { PolicyAspect } from "../../../constructs/policy/policy-aspect";
import { formatFinding } from "../../../constructs/policy/report";
import { suppressionsUnder } from "../../../constructs/policy/suppressions";
import { shippedEnvironments, testApp } from "../../support/environments";
import { synthesizeApp } from "../../tools/support";

/**
 * Every stack the project ships, for every shipped environment, checked the way `cdktf synth` checks it: with the
 * policy aspect each stack carries. New layers are covered as soon as main.ts builds them.
 */
const environments = shippedEnvironments();
const app = buildApp(testApp(), environments);
const stacks = app.node.children.filter((child) => TerraformStack.isStack(child));
// As app.synth() does before aspects run: cross-stack references become remote-state outputs.
prepareCrossStackReferences(app);

function policyAspectOf(stack: TerraformStack): PolicyAspect {
  const aspects = Aspects.of(stack).all.filter((aspect): aspect is PolicyAspect => aspect instanceof PolicyAspect);
  if (aspects.length !== 1) throw new Error(`${stack.node.id} carries ${aspects.length} policy aspects; every stack needs exactly one`);
  return aspects[0];
}

const reports = new Map<string, PolicyReport>(stacks.map((stack) => [stack.node.id, evaluatePolicy(stack, policyAspectOf(stack).options)]));

describe("shipped environments under the policy", () => {
  describe.each(environments.map((environment) => [environment.name, environment] as const))("%s", (name, environment) => {
    const own = stacks.filter((stack) => stack.node.id.startsWith(`${name}-`));

    it("has stacks, each checked with the environment's tier", () => {
      expect(own.length).toBeGreaterThan(0);
      for (const stack of own) expect(policyAspectOf(stack).options.production).toBe(environment.isProduction);
    });

    it("synthesizes with zero error findings", () => {
      const errors = own.flatMap((stack) =>
        reports
          .get(stack.node.id)!
          .findings.filter((finding) => finding.severity === "error")
          .map(formatFinding),
      );
      expect(errors).toEqual([]);
    });
  });

  it("checks each account's bootstrap stack with the production rules, since it holds its environments' state", () => {
    const bootstraps = stacks.filter((stack) => stack instanceof BootstrapStack);
    expect(bootstraps.length).toBeGreaterThan(0);
    for (const bootstrap of bootstraps) {
      expect(policyAspectOf(bootstrap).options.production).toBe(true);
      expect(
        reports
          .get(bootstrap.node.id)!
          .findings.filter((finding) => finding.severity === "error")
          .map(formatFinding),
      ).toEqual([]);
    }
  });

  it("gives every suppression a written reason and uses each one", () => {
    for (const stack of stacks) {
      for (const suppression of suppressionsUnder(stack)) expect(suppression.reason.trim().length).toBeGreaterThan(10);
      expect(reports.get(stack.node.id)!.unusedSuppressions).toEqual([]);
    }
  });

  it("synthesizes the whole app through the aspects without a policy error", () => {
    expect(() => synthesizeApp(environments)).not.toThrow();
  });
});
