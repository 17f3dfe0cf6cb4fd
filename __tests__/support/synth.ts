import { Construct } from "constructs";
import { AwsLocation, AwsScope } from "../../constructs/core/aws-scope";
import { TEST_LOCATION } from "./environments";
import { Testing, TerraformStack } from "cdktf";

/** The synthesized Terraform JSON of a stack, parsed, for assertions that the Testing matchers cannot express. */
export interface SynthesizedStack {
  readonly resource?: Record<string, Record<string, Record<string, unknown>>>;
  readonly data?: Record<string, Record<string, Record<string, unknown>>>;
  readonly output?: Record<string, Record<string, unknown>>;
  readonly provider?: Record<string, Record<string, unknown>[]>;
  readonly terraform?: Record<string, unknown>;
}

export function synthStack(stack: TerraformStack): SynthesizedStack {
  return JSON.parse(Testing.synth(stack)) as SynthesizedStack;
}

/** Every resource of one type, by its logical id. */
export function resourcesOf(synthesized: SynthesizedStack, type: string): Record<string, Record<string, unknown>> {
  return synthesized.resource?.[type] ?? {};
}

export function countOf(synthesized: SynthesizedStack, type: string): number {
  return Object.keys(resourcesOf(synthesized, type)).length;
}

/** The one resource of a type; fails when there is none or more than one. */
export function onlyResource(synthesized: SynthesizedStack, type: string): Record<string, unknown> {
  const all = Object.values(resourcesOf(synthesized, type));
  if (all.length !== 1) {
    throw new Error(`expected exactly one ${type}, found ${all.length}`);
  }
  return all[0];
}

/** Parses a JSON policy attribute (key policies, bucket policies, trust policies). */
export function policyOf(resource: Record<string, unknown>, attribute = "policy"): { Statement: Record<string, unknown>[] } {
  return JSON.parse(resource[attribute] as string) as { Statement: Record<string, unknown>[] };
}

/** The synthesized JSON as the cdktf `Testing` matchers take it (`expect(json(stack)).toHaveResourceWithProperties(...)`). */
export function json(synthesized: SynthesizedStack): string {
  return JSON.stringify(synthesized);
}

/** `Testing.synthScope` with the account and region constructs read from their scope declared on its stack. */
export function synthScoped(build: (scope: Construct) => void, location: AwsLocation = TEST_LOCATION): string {
  return Testing.synthScope((scope) => {
    AwsScope.declare(scope, location);
    build(scope);
  });
}
