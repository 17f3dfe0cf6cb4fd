import { bootstrapStacks } from "../../../main";
import { shippedEnvironments, testApp } from "../../support/environments";
import { resourcesOf, synthStack } from "../../support/synth";

/**
 * IAM's size quotas, which a plan does not check and an apply fails on: a role's inline policies together hold at most
 * 10,240 characters and a managed policy (the permissions boundary) 6,144, whitespace not counted. Every guard added to
 * the environment's roles (the account guardrails' denies among them) spends from the same budget.
 */
const INLINE_PER_ROLE = 10_240;
const MANAGED_POLICY = 6_144;
const size = (policy: unknown) => String(policy).replace(/\s/g, "").length;

describe("the pipeline roles' policies within IAM's quotas", () => {
  const environments = shippedEnvironments();
  const stacks = bootstrapStacks(testApp(), environments, environments).map(synthStack);

  it("keeps every role's inline policies within 10,240 characters", () => {
    const perRole = new Map<string, number>();
    for (const stack of stacks) {
      for (const policy of Object.values(resourcesOf(stack, "aws_iam_role_policy"))) {
        const role = String(policy.role);
        perRole.set(role, (perRole.get(role) ?? 0) + size(policy.policy));
      }
    }
    expect(perRole.size).toBeGreaterThan(0);
    expect([...perRole].filter(([, characters]) => characters > INLINE_PER_ROLE)).toEqual([]);
  });

  it("keeps every managed policy, the permissions boundaries among them, within 6,144 characters", () => {
    const policies = stacks.flatMap((stack) => Object.values(resourcesOf(stack, "aws_iam_policy")));
    expect(policies.length).toBeGreaterThan(0);
    expect(policies.filter((policy) => size(policy.policy) > MANAGED_POLICY).map((policy) => `${String(policy.name)}: ${size(policy.policy)}`)).toEqual([]);
  });
});
