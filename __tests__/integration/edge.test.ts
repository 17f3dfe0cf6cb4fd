import { shippedEnvironment } from "../support/environments";
import { dataSources, planOf, plannedResources, SHIPPED_ENVIRONMENTS, stackRuns } from "./harness";

/** Offline plans of `<env>-edge` (AWS provider only) for every shipped environment, from the harness's run. */
describe.each(SHIPPED_ENVIRONMENTS)("%s-edge, planned offline", (environment) => {
  const stack = `${environment}-edge`;
  const only = (type: string) => {
    const resources = plannedResources(planOf(stack), type);
    expect(resources).toHaveLength(1);
    return resources[0].values;
  };

  it("plans with the AWS provider alone and reads no data source that calls AWS", () => {
    expect(stackRuns()[stack].error).toBeUndefined();
    expect(dataSources(planOf(stack)).filter((type) => type !== "terraform_remote_state")).toEqual([]);
    expect(new Set(plannedResources(planOf(stack)).map((resource) => resource.type.split("_")[0]))).toEqual(new Set(["aws"]));
  });

  it("serves HTTPS only with TLSv1.2_2021, HTTP/2 and HTTP/3, behind the CloudFront web ACL", () => {
    const distribution = only("aws_cloudfront_distribution");
    expect((distribution.viewer_certificate as Record<string, unknown>[])[0]).toMatchObject({
      minimum_protocol_version: "TLSv1.2_2021",
      ssl_support_method: "sni-only",
    });
    // Plain HTTP gets a redirect to HTTPS on every behavior, never a 403.
    const behaviors = [
      ...(distribution.default_cache_behavior as Record<string, unknown>[]),
      ...((distribution.ordered_cache_behavior ?? []) as Record<string, unknown>[]),
    ];
    expect(new Set(behaviors.map((behavior) => behavior.viewer_protocol_policy))).toEqual(new Set(["redirect-to-https"]));
    expect(distribution.http_version).toBe("http2and3");
    expect(only("aws_wafv2_web_acl").scope).toBe("CLOUDFRONT");
    expect(plannedResources(planOf(stack), "aws_wafv2_web_acl_logging_configuration")).toHaveLength(1);
  });

  it("treats request bodies over 8 KB as the config says (edge.waf.largeBodies)", () => {
    const config = shippedEnvironment(environment);
    const rules = only("aws_wafv2_web_acl").rule as { statement: { managed_rule_group_statement?: Record<string, unknown>[] }[] }[];
    const common = rules.map((rule) => rule.statement[0].managed_rule_group_statement?.[0]).find((group) => group?.name === "AWSManagedRulesCommonRuleSet");
    const overrides = (common?.rule_action_override ?? []) as { name: string; action_to_use: Record<string, unknown>[] }[];
    const counted = overrides.filter((override) => override.name === "SizeRestrictions_BODY" && (override.action_to_use[0].count as unknown[]).length > 0);
    expect(counted).toHaveLength(config.edge?.waf.largeBodies === "count" ? 1 : 0);
  });

  it("names the ALB's security group by prefix (create_before_destroy can replace it)", () => {
    const group = plannedResources(planOf(stack), "aws_security_group")
      .map((resource) => resource.values)
      .find((values) => String(values.name_prefix).endsWith("-alb-"));
    expect(group).toBeDefined();
  });

  it("keeps sessions sticky on an IP target group behind an internal ALB that drops invalid headers", () => {
    const targetGroup = only("aws_lb_target_group");
    expect((targetGroup.stickiness as Record<string, unknown>[])[0]).toMatchObject({ type: "lb_cookie", enabled: true });
    expect(targetGroup.target_type).toBe("ip");
    expect(only("aws_lb")).toMatchObject({ internal: true, drop_invalid_header_fields: true });
  });

  it("admits HTTPS to the ALB only from CloudFront's origin-facing prefix list, never a CIDR, and listens on 443 only", () => {
    const albRules = plannedResources(planOf(stack), "aws_vpc_security_group_ingress_rule").filter((rule) => rule.address.includes("Alb_Ingress"));
    expect(albRules.map((rule) => rule.values)).toEqual([
      expect.objectContaining({
        prefix_list_id: shippedEnvironment(environment).edge!.loadBalancer.cloudFrontPrefixListId,
        from_port: 443,
        to_port: 443,
        ip_protocol: "tcp",
        cidr_ipv4: null,
      }),
    ]);
    expect(plannedResources(planOf(stack), "aws_lb_listener").map((listener) => listener.values.port)).toEqual([443]);
  });

  it("health-checks the pods' readiness path on the traffic port", () => {
    expect((only("aws_lb_target_group").health_check as Record<string, unknown>[])[0]).toMatchObject({
      path: "/readyz",
      port: "traffic-port",
      protocol: "HTTP",
    });
  });

  it("protects the ALB from deletion in production only", () => {
    expect(only("aws_lb").enable_deletion_protection).toBe(environment === "prod");
  });

  it("validates both certificates with DNS records planned before the certificates exist", () => {
    const records = plannedResources(planOf(stack), "aws_route53_record").filter((record) => record.address.includes("ValidationRecord"));
    expect(records).toHaveLength(2);
    expect(plannedResources(planOf(stack), "aws_acm_certificate_validation")).toHaveLength(2);
  });

  it("gives the application's service account its role (IRSA or Pod Identity, as configured) with rds-db:connect", () => {
    const config = shippedEnvironment(environment);
    const role = plannedResources(planOf(stack), "aws_iam_role").find((candidate) => candidate.values.name === `${config.prefix}-web`)!;
    const trust = String(role.values.assume_role_policy);
    if (config.cluster.workloadIdentity === "pod-identity") {
      expect(trust).toContain("pods.eks.amazonaws.com");
      expect(trust).not.toContain("AssumeRoleWithWebIdentity");
      const associations = plannedResources(planOf(stack), "aws_eks_pod_identity_association").map((association) => association.values);
      expect(associations).toEqual([expect.objectContaining({ namespace: "web", service_account: "web" })]);
    } else {
      expect(trust).toContain("system:serviceaccount:web:web");
    }
    const connect = plannedResources(planOf(stack), "aws_iam_role_policy").find((policy) => policy.values.name === "rds-db-connect-web")!;
    expect(String(connect.values.policy)).toContain("rds-db:connect");
  });
});

describe("the edge plans", () => {
  it("report what each environment creates", () => {
    const counts = SHIPPED_ENVIRONMENTS.map((environment) => `${environment}-edge: ${plannedResources(planOf(`${environment}-edge`)).length} resources`);
    process.stdout.write(`${counts.join("\n")}\n`);
    expect(plannedResources(planOf("prod-edge")).length).toBeGreaterThan(40);
  });
});
