import { WebAcl, WebAclProps } from "../../../constructs/edge/web-acl";
import { KmsKey } from "../../../constructs/security/kms-key";
import { onlyResource, policyOf, synthStack, SynthesizedStack } from "../../support/synth";
import { constructStack } from "./support";

function webAcl(overrides: Partial<WebAclProps> = {}): SynthesizedStack {
  const stack = constructStack();
  const key = new KmsKey(stack, "Key", { description: "logs" });
  new WebAcl(stack, "Waf", { name: "shop-alb", scope: "REGIONAL", rateLimit: 500, largeBodies: "block", logRetentionDays: 30, key, ...overrides });
  return synthStack(stack);
}

/** A web ACL rule as the provider synthesizes it (statements keep Terraform's snake_case keys). */
interface Rule {
  readonly name: string;
  readonly priority: number;
  readonly override_action?: object;
  readonly statement: {
    readonly managed_rule_group_statement: { readonly vendor_name: string; readonly name: string; readonly rule_action_override?: object[] };
  };
  readonly visibility_config: Record<string, unknown>;
}

describe("WebAcl", () => {
  const synthesized = webAcl();
  const rules = onlyResource(synthesized, "aws_wafv2_web_acl").rule as Rule[];

  it("blocks a client IP over the rate limit first, over five-minute windows", () => {
    expect(rules[0]).toMatchObject({
      priority: 1,
      action: { block: {} },
      statement: { rate_based_statement: { limit: 500, aggregate_key_type: "IP", evaluation_window_sec: 300 } },
    });
  });

  it("then runs AWS's IP reputation, common, known-bad-inputs and SQL injection rule groups, in that order, without overriding their actions", () => {
    expect(
      rules
        .slice(1)
        .map(({ priority, statement }) => [priority, statement.managed_rule_group_statement.vendor_name, statement.managed_rule_group_statement.name]),
    ).toEqual([
      [10, "AWS", "AWSManagedRulesAmazonIpReputationList"],
      [20, "AWS", "AWSManagedRulesCommonRuleSet"],
      [30, "AWS", "AWSManagedRulesKnownBadInputsRuleSet"],
      [40, "AWS", "AWSManagedRulesSQLiRuleSet"],
    ]);
    expect(rules.slice(1).every((rule) => JSON.stringify(rule.override_action) === JSON.stringify({ none: {} }))).toBe(true);
    expect(rules.every((rule) => rule.visibility_config.cloudwatch_metrics_enabled && rule.visibility_config.sampled_requests_enabled)).toBe(true);
  });

  it("blocks request bodies over 8 KB, and only counts them (the common rule set's SizeRestrictions_BODY) when asked", () => {
    const commonRuleSet = (acl: SynthesizedStack) =>
      (onlyResource(acl, "aws_wafv2_web_acl").rule as Rule[]).find((rule) => rule.name === "AWSManagedRulesCommonRuleSet")!.statement
        .managed_rule_group_statement;
    expect(commonRuleSet(synthesized).rule_action_override).toBeUndefined();
    expect(commonRuleSet(webAcl({ largeBodies: "count" })).rule_action_override).toEqual([{ name: "SizeRestrictions_BODY", action_to_use: { count: {} } }]);
  });

  it("logs to aws-waf-logs-<name> with credentials and cookies redacted, and lets CloudWatch Logs use the key for that group only", () => {
    expect(onlyResource(synthesized, "aws_cloudwatch_log_group")).toMatchObject({ name: "aws-waf-logs-shop-alb", retention_in_days: 30 });
    expect(onlyResource(synthesized, "aws_wafv2_web_acl_logging_configuration").redacted_fields).toEqual([
      { single_header: { name: "authorization" } },
      { single_header: { name: "cookie" } },
    ]);
    const grant = policyOf(onlyResource(synthesized, "aws_kms_key")).Statement.find((statement) => String(statement.Sid).startsWith("CloudWatchLogs"))!;
    expect(grant.Condition).toEqual({
      ArnEquals: { "kms:EncryptionContext:aws:logs:arn": "arn:aws:logs:eu-central-1:123456789012:log-group:aws-waf-logs-shop-alb" },
    });
  });
});
