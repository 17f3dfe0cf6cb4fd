import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { executePlan } from "../../../tools/teardown/execute";
import { formatPlan, shellQuote, Step, teardownPlan, teardownTarget } from "../../../tools/teardown/plan";
import { environmentGuardrails } from "../../../config/schema/guardrails";
import { SynthesizedStack } from "../../../tools/lib/synth-output";
import { shippedEnvironments } from "../../support/environments";
import { synthesizeShipped } from "../support";
import { stepCommands } from "./steps";

let shipped: SynthesizedStack[];
beforeAll(() => {
  shipped = synthesizeShipped();
});

const environments = shippedEnvironments();
/** An environment whose account has guardrails (a production tier by default), and one whose account has none. */
const guarded = environments.find((environment) =>
  environments.some((other) => other.account.id === environment.account.id && environmentGuardrails(other).enabled),
)!;
const unguarded = environments.find((environment) =>
  environments.every((other) => other.account.id !== environment.account.id || !environmentGuardrails(other).enabled),
);

/** Every command of a step, its nested steps' included, as the printed plan shows them (placeholders for the items). */
const commandsOf = (step: Step): string[] => stepCommands(step).map(shellQuote);

describe("teardown of an environment whose account has guardrails", () => {
  const plan = () => {
    const target = teardownTarget(shipped, guarded.name);
    return { target, phases: teardownPlan(target, { kubeconfig: "k", acceptDataLoss: false }) };
  };

  it("keeps the account's guardrails stack and says so, whatever it destroys", () => {
    const { target, phases } = plan();
    expect(target.guardrails?.stack).toBe(`guardrails-${guarded.account.id}`);
    expect(target.destroyOrder.some((stack) => stack.startsWith("guardrails-"))).toBe(false);
    expect(formatPlan(target, phases)).toContain(`the account's guardrails (guardrails-${guarded.account.id})`);
  });

  it("deletes GuardDuty's endpoint, waits for it, then its security group, after the cluster and right before the network stack", () => {
    const { phases } = plan();
    const steps = phases.flatMap((phase) => phase.steps);
    const commands = steps.map((step) => commandsOf(step).join("\n"));
    const destroy = (layer: string) => commands.findIndex((command) => command.includes(" destroy ") && command.includes(`${guarded.name}-${layer} `));
    const endpoint = commands.findIndex((command) => command.includes("aws ec2 delete-vpc-endpoints"));
    const wait = commands.findIndex((command) => command.includes("describe-vpc-endpoints") && command.includes("State!="));
    const group = commands.findIndex((command) => command.includes("aws ec2 delete-security-group"));
    expect([destroy("cluster") < endpoint, endpoint < wait, wait < group, group < destroy("network")]).toEqual([true, true, true, true]);
    expect(commands[endpoint]).toContain(`Name=tag:stack,Values=${guarded.name}-network`);
    expect(commands[endpoint]).toContain("Name=tag:GuardDutyManaged,Values=true");
    expect(commands[group]).toContain("Name=tag:GuardDutyManaged,Values=true");
  });
});

(unguarded ? describe : describe.skip)("teardown of an environment whose account has no guardrails", () => {
  it("neither mentions nor cleans up GuardDuty", () => {
    const target = teardownTarget(shipped, unguarded!.name);
    expect(target.guardrails).toBeUndefined();
    const text = formatPlan(target, teardownPlan(target, { kubeconfig: "k", acceptDataLoss: false }));
    expect(text).not.toContain("GuardDuty");
  });
});

describe("--execute of a nested step", () => {
  it("runs the inner step once per item the outer list prints", async () => {
    const bin = fs.mkdtempSync(path.join(os.tmpdir(), "teardown-nested-"));
    const calls = path.join(bin, "calls.log");
    fs.writeFileSync(
      path.join(bin, "aws"),
      `#!/bin/sh\necho "aws $*" >> "${calls}"\ncase "$*" in *describe-vpcs*) echo "vpc-1 vpc-2" ;; *describe-vpc-endpoints*vpc-1*) echo "vpce-a" ;; esac\n`,
      { mode: 0o755 },
    );
    const saved = process.env.PATH;
    process.env.PATH = `${bin}:${saved}`;
    try {
      await executePlan(
        [
          {
            title: "nested",
            steps: [
              {
                kind: "for-each-step",
                why: "outer",
                list: ["aws", "describe-vpcs"],
                split: "words",
                placeholder: "<vpc>",
                inner: (vpc) => ({
                  kind: "for-each",
                  why: "inner",
                  list: ["aws", "describe-vpc-endpoints", vpc],
                  split: "words",
                  placeholder: "<id>",
                  each: (id) => [["aws", "delete-vpc-endpoints", id]],
                }),
              },
            ],
          },
        ],
        () => undefined,
      );
      expect(fs.readFileSync(calls, "utf8").trim().split("\n")).toEqual([
        "aws describe-vpcs",
        "aws describe-vpc-endpoints vpc-1",
        "aws delete-vpc-endpoints vpce-a",
        "aws describe-vpc-endpoints vpc-2",
      ]);
    } finally {
      process.env.PATH = saved;
      fs.rmSync(bin, { recursive: true, force: true });
    }
  });
});
