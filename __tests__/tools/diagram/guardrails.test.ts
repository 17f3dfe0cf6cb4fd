import { architectureDiagram } from "../../../tools/diagram/mermaid";
import { isGuardrailsStack } from "../../../tools/lib/synth-output";
import { synthesizeShipped } from "../support";

describe("the account guardrails in the architecture diagram", () => {
  it("draws each guardrails stack in the account group with its trail, detector, recorder, pack, Security Hub and analyzer", () => {
    const stacks = synthesizeShipped();
    const guardrails = stacks.filter((stack) => isGuardrailsStack(stack.name));
    expect(guardrails.length).toBeGreaterThan(0);
    const diagram = architectureDiagram(stacks);
    const account = diagram.slice(diagram.indexOf('subgraph group_account["account"]'));
    for (const stack of guardrails) {
      const box = account.split("\n").find((line) => line.includes(`<b>${stack.name}</b>`));
      expect(box).toBeDefined();
      for (const part of ["1 CloudTrail trail", "1 GuardDuty detector", "1 Config recorder", "1 conformance pack", "1 Security Hub", "1 access analyzer"]) {
        expect(box).toContain(part);
      }
    }
  });
});
