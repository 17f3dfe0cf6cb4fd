import { shippedEnvironments } from "../../support/environments";
import { Phase, shellQuote, teardownPlan, teardownTarget } from "../../../tools/teardown/plan";
import { synthesizeShipped } from "../support";
import { stepCommands } from "./steps";

const shipped = synthesizeShipped();
const commandsOf = (phases: readonly Phase[]): string[] =>
  phases
    .flatMap((phase) => phase.steps)
    .flatMap((step) => stepCommands(step))
    .map(shellQuote);

describe("the teardown of an environment with Kyverno", () => {
  it.each(
    shippedEnvironments()
      .filter((environment) => environment.platform.kyverno.enabled)
      .map((environment) => environment.name),
  )("%s: deletes the platform's ClusterPolicies before any stack goes, and Kyverno's leftover webhooks after the platform stack", (name) => {
    const commands = commandsOf(teardownPlan(teardownTarget(shipped, name), { kubeconfig: "/tmp/kubeconfig", acceptDataLoss: false }));
    const policies = commands.findIndex((command) => command.includes("delete clusterpolicies.kyverno.io platform-pod-security platform-image-registries"));
    const firstDestroy = commands.findIndex((command) => command.includes("tools/cdktf.ts destroy"));
    const platformDestroy = commands.findIndex((command) => command.includes(`tools/cdktf.ts destroy ${name}-platform `));
    const webhooks = commands.findIndex((command) =>
      command.includes("delete validatingwebhookconfigurations,mutatingwebhookconfigurations -l webhook.kyverno.io/managed-by=kyverno"),
    );
    expect(policies).toBeGreaterThan(-1);
    expect(policies).toBeLessThan(firstDestroy);
    expect(webhooks).toBeGreaterThan(platformDestroy);
  });
});
