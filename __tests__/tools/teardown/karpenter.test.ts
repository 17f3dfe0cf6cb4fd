import { shippedEnvironments } from "../../support/environments";
import type { SynthesizedStack } from "../../../tools/lib/synth-output";
import { Phase, RunStep, teardownPlan, teardownTarget } from "../../../tools/teardown/plan";
import { synthesizeShipped } from "../support";
import { stepCommands } from "./steps";

let shipped: SynthesizedStack[];

beforeAll(() => {
  shipped = synthesizeShipped();
});

const argvOf = (phases: readonly Phase[]) => phases.flatMap((phase) => phase.steps).flatMap((step) => stepCommands(step, "i-0123456789abcdef0"));

describe.each(shippedEnvironments().map((environment) => [environment.name, environment] as const))("teardown of %s", (_name, environment) => {
  const karpenter = environment.cluster.autoscaler === "karpenter";

  it(`${karpenter ? "removes" : "has no step for"} Karpenter's nodes`, () => {
    const target = teardownTarget(shipped, environment.name);
    expect(target.karpenter ?? false).toBe(karpenter);
    const phases = teardownPlan(target, { kubeconfig: "/tmp/kubeconfig", acceptDataLoss: false });
    const titles = phases.map((phase) => phase.title);
    const karpenterPhase = titles.findIndex((title) => title.includes("Karpenter"));
    if (!karpenter) {
      expect(karpenterPhase).toBe(-1);
      return;
    }
    // After the load balancers are gone (their controller still runs), before any stack is destroyed.
    expect(karpenterPhase).toBe(titles.findIndex((title) => title.startsWith("Empty the cluster")) + 1);
    expect(karpenterPhase).toBeLessThan(titles.findIndex((title) => title.startsWith("Destroy the stacks")));
    const argv = argvOf([phases[karpenterPhase]]).map((command) => command.join(" "));
    const order = (pattern: RegExp) => argv.findIndex((command) => pattern.test(command));
    expect(order(/delete nodepools\.karpenter\.sh --all/)).toBe(0);
    expect(order(/ec2 terminate-instances/)).toBeGreaterThan(order(/delete nodepools/));
    expect(order(/get nodeclaims\.karpenter\.sh/)).toBeGreaterThan(order(/ec2 terminate-instances/));
    expect(order(/delete ec2nodeclasses\.karpenter\.k8s\.aws/)).toBeGreaterThan(order(/get nodeclaims/));
    // Only this cluster's Karpenter instances: its ownership tag and a NodePool tag.
    const list = argv.find((command) => command.includes("describe-instances"))!;
    expect(list).toContain(`Name=tag:kubernetes.io/cluster/${environment.prefix},Values=owned`);
    expect(list).toContain("Name=tag-key,Values=karpenter.sh/nodepool");
    expect(list).toContain(`--region ${environment.account.region}`);
    const destroys = phases
      .at(-1)!
      .steps.filter((step): step is RunStep => step.kind === "run")
      .map((step) => step.argv.join(" "));
    expect(destroys.some((command) => command.includes(`destroy ${environment.name}-platform`))).toBe(true);
  });
});
