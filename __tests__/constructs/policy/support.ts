import { App, Testing, TerraformResource, TerraformStack } from "cdktf";
import { evaluatePolicy } from "../../../constructs/policy/evaluate";
import { ALL_RULES } from "../../../constructs/policy/rules";
import { PolicyRule } from "../../../constructs/policy/types";

/**
 * A rule test in the scanners' style: one small stack holding resources that pass and resources that fail the rule,
 * and the exact addresses the rule must flag.
 */
export interface RuleFixture {
  readonly rule: string;
  /** What the fixture shows, e.g. "flags an endpoint open to the world, passes a private one". */
  readonly name: string;
  /** @default true */
  readonly production?: boolean;
  readonly build: (stack: TerraformStack, app: App) => void;
  /** Addresses (`type.name`) the rule flags; every other resource of the rule's types passes. */
  readonly failing: string[];
}

export function ruleById(id: string): PolicyRule {
  const rule = ALL_RULES.find((candidate) => candidate.id === id);
  if (!rule) throw new Error(`no policy rule ${id}`);
  return rule;
}

export function fixtureStack(build: (stack: TerraformStack, app: App) => void): TerraformStack {
  const app = Testing.app();
  const stack = new TerraformStack(app, "fixture");
  build(stack, app);
  return stack;
}

export interface FixtureResult {
  /** Addresses the rule flagged, sorted. */
  readonly flagged: string[];
  /** Addresses of the rule's resource types that passed. */
  readonly passed: string[];
}

/** Runs one rule over a fixture stack. */
export function runFixture(fixture: RuleFixture): FixtureResult {
  const rule = ruleById(fixture.rule);
  const stack = fixtureStack(fixture.build);
  const report = evaluatePolicy(stack, { production: fixture.production ?? true, rules: [rule] });
  const flagged = report.findings.map((finding) => finding.address).sort();
  const checked = stack.node
    .findAll()
    .filter((construct) => TerraformResource.isTerraformResource(construct))
    .filter((resource) => rule.resourceTypes.includes(resource.terraformResourceType))
    .map((resource) => `${resource.terraformResourceType}.${resource.friendlyUniqueId}`);
  return { flagged, passed: checked.filter((address) => !flagged.includes(address)).sort() };
}

/** `{ ruleId address }` pairs of every finding of a stack under every rule, sorted. */
export function findingsOf(stack: TerraformStack, production = true): string[] {
  return evaluatePolicy(stack, { production })
    .findings.map((finding) => `${finding.ruleId} ${finding.address}`)
    .sort();
}
