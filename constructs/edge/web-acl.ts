import { Construct } from "constructs";
import { Wafv2WebAcl, Wafv2WebAclRule } from "@cdktf/provider-aws/lib/wafv2-web-acl";
import { Wafv2WebAclLoggingConfiguration } from "@cdktf/provider-aws/lib/wafv2-web-acl-logging-configuration";
import { EncryptedLogGroup } from "../logging/log-group";
import { KmsKey } from "../security/kms-key";

/** The AWS managed rule groups every web ACL runs, in evaluation order after the rate limit. */
export const MANAGED_RULE_GROUPS = [
  "AWSManagedRulesAmazonIpReputationList",
  "AWSManagedRulesCommonRuleSet",
  "AWSManagedRulesKnownBadInputsRuleSet",
  "AWSManagedRulesSQLiRuleSet",
] as const;

/** What a web ACL enforces and how long it keeps its log: the config's `edge.waf`. */
export interface WebAclSettings {
  /** Requests per client IP per 5 minutes before the IP is blocked. */
  readonly rateLimit: number;
  /**
   * What the common rule set does with request bodies over 8 KB (its SizeRestrictions_BODY rule): `block` is the rule
   * group's own action; `count` logs them and lets them through, for applications that take uploads.
   */
  readonly largeBodies: "block" | "count";
  readonly logRetentionDays: number;
}

export interface WebAclProps extends WebAclSettings {
  /** Name of the web ACL and prefix of its rules' metric names. */
  readonly name: string;
  /** CLOUDFRONT for a distribution (built in us-east-1), REGIONAL for a regional resource such as an ALB. */
  readonly scope: "CLOUDFRONT" | "REGIONAL";
  /** Encrypts the log group; it must live in the ACL's region. */
  readonly key: KmsKey;
}

/** The rule of the common rule set that blocks request bodies over 8 KB. */
export const BODY_SIZE_RULE = "SizeRestrictions_BODY";

/** Rule action overrides of one managed group: only the common rule set's body-size rule is ever changed. */
function overridesOf(group: (typeof MANAGED_RULE_GROUPS)[number], largeBodies: "block" | "count") {
  if (group !== "AWSManagedRulesCommonRuleSet" || largeBodies === "block") return {};
  return { rule_action_override: [{ name: BODY_SIZE_RULE, action_to_use: { count: {} } }] };
}

function visibility(metricName: string) {
  return { cloudwatchMetricsEnabled: true, sampledRequestsEnabled: true, metricName };
}

/**
 * A WAFv2 web ACL: a per-IP rate-based rule, then AWS's IP reputation, common, known-bad-inputs and SQL injection
 * rule groups, with every request logged to a KMS-encrypted log group (authorization and cookie headers redacted).
 * It lives in its scope's region: a CLOUDFRONT ACL is built under a us-east-1 `RegionalScope` (see `CloudFrontGlobal`).
 */
export class WebAcl extends Construct {
  readonly webAcl: Wafv2WebAcl;
  readonly arn: string;
  readonly logGroup: EncryptedLogGroup;
  /** CLOUDFRONT (named by a distribution) or REGIONAL (associated with an ALB). */
  readonly scope: WebAclProps["scope"];

  constructor(scope: Construct, id: string, props: WebAclProps) {
    super(scope, id);
    this.scope = props.scope;
    const rules: Wafv2WebAclRule[] = [
      {
        name: "rate-limit-per-ip",
        priority: 1,
        action: { block: {} },
        // The rule statement is schema-less in the provider binding, so it takes Terraform's own (snake_case) keys.
        statement: { rate_based_statement: { limit: props.rateLimit, aggregate_key_type: "IP", evaluation_window_sec: 300 } },
        visibilityConfig: visibility(`${props.name}-rate-limit`),
      },
      ...MANAGED_RULE_GROUPS.map((group, index) => ({
        name: group,
        priority: 10 * (index + 1),
        overrideAction: { none: {} },
        statement: { managed_rule_group_statement: { vendor_name: "AWS", name: group, ...overridesOf(group, props.largeBodies) } },
        visibilityConfig: visibility(`${props.name}-${group}`),
      })),
    ];
    this.webAcl = new Wafv2WebAcl(this, "WebAcl", {
      name: props.name,
      description: `Rate limit and AWS managed rules for ${props.name}`,
      scope: props.scope,
      defaultAction: { allow: {} },
      rule: rules,
      visibilityConfig: visibility(props.name),
    });
    this.arn = this.webAcl.arn;
    // WAF accepts only log groups whose name starts with aws-waf-logs-.
    this.logGroup = new EncryptedLogGroup(this, "Logs", {
      name: `aws-waf-logs-${props.name}`,
      retentionDays: props.logRetentionDays,
      key: props.key,
    });
    new Wafv2WebAclLoggingConfiguration(this, "Logging", {
      resourceArn: this.webAcl.arn,
      logDestinationConfigs: [this.logGroup.arn],
      redactedFields: [{ singleHeader: { name: "authorization" } }, { singleHeader: { name: "cookie" } }],
    });
  }
}
