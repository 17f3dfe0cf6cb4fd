import { block, blocks, isSet, isTrue, text } from "../attributes";
import { PolicyRule } from "../types";

const LOAD_BALANCERS = ["aws_lb", "aws_alb"];
const LISTENERS = ["aws_lb_listener", "aws_alb_listener"];
/** ELB security policies that negotiate TLS 1.2 or later only. */
const MODERN_TLS_POLICY = /TLS13|TLS-1-2/;

export const EDGE_RULES: PolicyRule[] = [
  {
    id: "PLT-CF-001",
    severity: "error",
    title: "CloudFront HTTPS only",
    description: "Every cache behavior redirects HTTP to HTTPS or serves HTTPS only (viewer_protocol_policy is never allow-all).",
    checkov: ["CKV_AWS_34"],
    trivy: ["AVD-AWS-0012"],
    remediation: 'set viewer_protocol_policy = "redirect-to-https" on the default and every ordered cache behavior',
    resourceTypes: ["aws_cloudfront_distribution"],
    check({ attributes }) {
      const behaviors = [...blocks(attributes.default_cache_behavior), ...blocks(attributes.ordered_cache_behavior)];
      const plain = behaviors.filter((behavior) => behavior.viewer_protocol_policy === "allow-all");
      return plain.length > 0 ? `${plain.length} cache behavior${plain.length === 1 ? "" : "s"} serve plain HTTP (allow-all)` : undefined;
    },
  },
  {
    id: "PLT-CF-002",
    severity: "error",
    title: "CloudFront TLS 1.2 or later",
    description: "The viewer certificate is your own (ACM) with minimum_protocol_version TLSv1.2_2021 or later; the default certificate allows TLS 1.0.",
    checkov: ["CKV_AWS_174", "CKV2_AWS_42"],
    trivy: ["AVD-AWS-0013"],
    remediation: 'use an ACM certificate with viewer_certificate { ssl_support_method = "sni-only", minimum_protocol_version = "TLSv1.2_2021" }',
    resourceTypes: ["aws_cloudfront_distribution"],
    check({ attributes }) {
      const certificate = block(attributes.viewer_certificate) ?? {};
      if (isTrue(certificate.cloudfront_default_certificate)) return "the CloudFront default certificate accepts TLS 1.0";
      const version = text(certificate.minimum_protocol_version, "unset");
      return /^TLSv1\.[23]/.test(version) ? undefined : `viewers may use a protocol older than TLS 1.2 (minimum_protocol_version ${version})`;
    },
  },
  {
    id: "PLT-CF-003",
    severity: "error",
    title: "CloudFront behind WAF",
    description: "Every distribution has a web ACL (web_acl_id).",
    checkov: ["CKV_AWS_68"],
    trivy: ["AVD-AWS-0011"],
    remediation: "create an aws_wafv2_web_acl with scope CLOUDFRONT (in us-east-1) and set web_acl_id to its ARN",
    resourceTypes: ["aws_cloudfront_distribution"],
    check({ attributes }) {
      return isSet(attributes.web_acl_id) ? undefined : "no WAF web ACL is attached";
    },
  },
  {
    id: "PLT-CF-004",
    severity: "error",
    title: "CloudFront access logging",
    description:
      "Every distribution writes access logs: standard logging v2 (an aws_cloudwatch_log_delivery from an ACCESS_LOGS delivery source of the " +
      "distribution) or legacy logging (logging_config with a bucket).",
    checkovRelated: [{ id: "CKV_AWS_86", differs: "reads only the legacy logging_config, so a distribution with standard logging v2 fails it" }],
    trivy: ["AVD-AWS-0010"],
    remediation:
      "add an aws_cloudwatch_log_delivery_source (log_type ACCESS_LOGS, resource_arn = the distribution), a delivery destination and an " +
      "aws_cloudwatch_log_delivery between them (in us-east-1), or set logging_config { bucket = <log bucket>.bucket_domain_name }",
    resourceTypes: ["aws_cloudfront_distribution"],
    check(distribution, context) {
      if (isSet(block(distribution.attributes.logging_config)?.bucket)) return undefined;
      const delivered = context
        .referencing("aws_cloudwatch_log_delivery_source", "resource_arn", distribution)
        .filter((source) => source.attributes.log_type === "ACCESS_LOGS")
        .some((source) => context.referencing("aws_cloudwatch_log_delivery", "delivery_source_name", source).length > 0);
      return delivered ? undefined : "access logging is off";
    },
  },
  {
    id: "PLT-ALB-001",
    severity: "error",
    title: "Load balancer listeners use HTTPS with TLS 1.2+",
    description: "HTTP listeners only redirect to HTTPS; HTTPS and TLS listeners use an ELB security policy that allows TLS 1.2 or later only.",
    checkov: ["CKV_AWS_2", "CKV_AWS_103", "CKV_AWS_378", "CKV2_AWS_20"],
    trivy: ["AVD-AWS-0047", "AVD-AWS-0054"],
    remediation:
      'make port 80 a redirect { protocol = "HTTPS", status_code = "HTTP_301" } and set ssl_policy = "ELBSecurityPolicy-TLS13-1-2-2021-06" on HTTPS listeners',
    resourceTypes: LISTENERS,
    check({ attributes }) {
      const protocol = text(attributes.protocol, "HTTP");
      if (protocol === "HTTP") {
        const redirects = blocks(attributes.default_action).every((action) => action.type === "redirect" && block(action.redirect)?.protocol === "HTTPS");
        return redirects ? undefined : "the listener serves plain HTTP instead of redirecting to HTTPS";
      }
      if (protocol !== "HTTPS" && protocol !== "TLS") return undefined;
      const policy = text(attributes.ssl_policy, "ELBSecurityPolicy-2016-08");
      return MODERN_TLS_POLICY.test(policy) ? undefined : `security policy ${policy} still accepts TLS 1.0/1.1`;
    },
  },
  {
    id: "PLT-ALB-002",
    severity: "error",
    title: "ALB drops invalid headers",
    description: "Application load balancers drop HTTP headers with invalid names (request smuggling defence).",
    checkov: ["CKV_AWS_131"],
    trivy: ["AVD-AWS-0052"],
    remediation: "set drop_invalid_header_fields = true",
    resourceTypes: LOAD_BALANCERS,
    check({ attributes }) {
      if ((attributes.load_balancer_type ?? "application") !== "application") return undefined;
      return isTrue(attributes.drop_invalid_header_fields) ? undefined : "headers with invalid names are forwarded to targets";
    },
  },
  {
    id: "PLT-ALB-003",
    severity: "error",
    title: "Load balancer access logs",
    description: "Every load balancer writes access logs to S3.",
    checkov: ["CKV_AWS_91"],
    remediation: "set access_logs { enabled = true, bucket = <log bucket>.name } (the bucket must use SSE-S3 and allow the ELB log delivery principal)",
    resourceTypes: LOAD_BALANCERS,
    check({ attributes }) {
      const logs = block(attributes.access_logs);
      return logs && isTrue(logs.enabled) && isSet(logs.bucket) ? undefined : "access logs are off";
    },
  },
  {
    id: "PLT-ALB-004",
    severity: "error",
    title: "Load balancer deletion protection in production",
    description: "Production load balancers have enable_deletion_protection = true.",
    checkov: ["CKV_AWS_150"],
    remediation: "set enable_deletion_protection = true",
    resourceTypes: LOAD_BALANCERS,
    productionOnly: true,
    check({ attributes }) {
      return isTrue(attributes.enable_deletion_protection) ? undefined : "the production load balancer can be deleted (deletion protection is off)";
    },
  },
  {
    id: "PLT-WAF-001",
    severity: "error",
    title: "WAF web ACL has rules",
    description: "Every WAFv2 web ACL has at least one rule (managed rule groups count).",
    checkov: ["CKV_AWS_175"],
    remediation: "add rules, e.g. AWSManagedRulesCommonRuleSet, AWSManagedRulesKnownBadInputsRuleSet and a rate-based rule",
    resourceTypes: ["aws_wafv2_web_acl"],
    check({ attributes }) {
      return blocks(attributes.rule).length > 0 || isSet(attributes.rule_json) ? undefined : "the web ACL has no rules, so it only applies its default action";
    },
  },
  {
    id: "PLT-WAF-002",
    severity: "error",
    title: "WAF logging",
    description: "Every WAFv2 web ACL has an aws_wafv2_web_acl_logging_configuration.",
    checkov: ["CKV2_AWS_31"],
    remediation: "add an aws_wafv2_web_acl_logging_configuration whose resource_arn is the web ACL, to a log group named aws-waf-logs-*",
    resourceTypes: ["aws_wafv2_web_acl"],
    check(acl, context) {
      return context.referencing("aws_wafv2_web_acl_logging_configuration", "resource_arn", acl).length > 0
        ? undefined
        : "requests the web ACL sees are not logged";
    },
  },
];
