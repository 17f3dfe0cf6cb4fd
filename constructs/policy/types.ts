import { TerraformResource } from "cdktf";

export type Severity = "error" | "warning";

/** A resource's synthesized Terraform attributes, with every token resolved (references read `${type.name.attr}`). */
export type Attributes = Record<string, unknown>;

/** One Terraform resource as the rules see it: its address, its construct path and its synthesized attributes. */
export interface PolicyResource {
  readonly type: string;
  /** The logical id in the synthesized JSON. */
  readonly name: string;
  /** `<type>.<name>`, the address `terraform plan` shows. */
  readonly address: string;
  /** The construct path, e.g. `prod-network/Network/Vpc`. */
  readonly path: string;
  readonly attributes: Attributes;
  readonly construct: TerraformResource;
}

/** What a rule may know beyond the resource it checks: the tier and every other resource it refers to or is referred by. */
export interface PolicyContext {
  readonly production: boolean;
  /** Every resource of a type in the stack being checked. */
  resourcesOf(type: string): readonly PolicyResource[];
  /** The resources a value refers to (`${aws_subnet.x.id}`), followed through cross-stack references. */
  targetsOf(value: unknown): PolicyResource[];
  /** Resources of `type` whose `attribute` refers to `target`. */
  referencing(type: string, attribute: string, target: PolicyResource): PolicyResource[];
}

/**
 * A guardrail: data (id, severity, the scanner checks it mirrors, how to fix) and a check that returns what is wrong
 * with one resource, or nothing when the resource complies.
 */
export interface PolicyRule {
  /** Stable id, `PLT-<SERVICE>-<NNN>`; suppressions and docs refer to it, so it never changes meaning. */
  readonly id: string;
  readonly severity: Severity;
  readonly title: string;
  /** What the rule checks, for the docs. */
  readonly description: string;
  /** Checkov ids this rule mirrors (CKV_AWS_*, CKV2_AWS_*), where any: same meaning, on a resource type the rule checks. */
  readonly checkov?: readonly string[];
  /**
   * Checkov ids about the same concern that do not check what this rule checks (another resource type, or a narrower
   * meaning), each with how it differs; the docs list them as "related", never as mirrored.
   */
  readonly checkovRelated?: readonly { readonly id: string; readonly differs: string }[];
  /** Trivy (tfsec) ids this rule mirrors (AVD-AWS-*), where any. */
  readonly trivy?: readonly string[];
  /** How to fix a finding, in one or two sentences. */
  readonly remediation: string;
  /** Resource types the check runs on. */
  readonly resourceTypes: readonly string[];
  /** Checked only in production tiers. @default false */
  readonly productionOnly?: boolean;
  check(resource: PolicyResource, context: PolicyContext): string | undefined;
}

/** One rule violated by one resource. */
export interface Finding {
  readonly ruleId: string;
  readonly severity: Severity;
  readonly address: string;
  readonly path: string;
  /** What is wrong. */
  readonly problem: string;
  readonly remediation: string;
}

export interface SuppressedFinding extends Finding {
  /** The construct the suppression was applied to (the resource or one of its scopes). */
  readonly suppressedAt: string;
  readonly reason: string;
}
