import { KmsKey } from "../../../constructs/security/kms-key";
import { WebAcl } from "../../../constructs/edge/web-acl";
import { onlyResource, policyOf, resourcesOf, synthStack } from "../../support/synth";
import { constructStack, loadBalancer } from "./support";

const WAF = { rateLimit: 500, largeBodies: "block", logRetentionDays: 30 } as const;

describe("ApplicationLoadBalancer", () => {
  it("refuses a name longer than ELB's 32 characters", () => {
    expect(() => loadBalancer(constructStack(), { name: "a-very-long-project-production-web" })).toThrow(
      'load balancer name "a-very-long-project-production-web" is longer than the 32 characters ELB allows',
    );
  });

  it("is internet-facing in the public subnets and admits only the CloudFront prefix list", () => {
    const stack = constructStack();
    loadBalancer(stack, { clients: { kind: "cloudfront-prefix-list", prefixListId: "pl-12345678" } });
    const synthesized = synthStack(stack);
    expect(onlyResource(synthesized, "aws_lb")).toMatchObject({ internal: false, subnets: ["subnet-public-a", "subnet-public-b"] });
    const ingress = Object.values(resourcesOf(synthesized, "aws_vpc_security_group_ingress_rule")).filter((rule) => rule.security_group_id !== "sg-nodes");
    expect(ingress.map((rule) => [rule.from_port, rule.to_port, rule.prefix_list_id, rule.cidr_ipv4])).toEqual([[443, 443, "pl-12345678", undefined]]);
  });

  it("is internal in the private subnets when reached through a VPC origin, admits only CloudFront's origin-facing prefix list and listens on 443 only", () => {
    const stack = constructStack();
    const alb = loadBalancer(stack, { clients: { kind: "cloudfront-vpc-origin", prefixListId: "pl-12345678" } });
    const synthesized = synthStack(stack);
    expect(alb.internal).toBe(true);
    expect(onlyResource(synthesized, "aws_lb")).toMatchObject({ internal: true, subnets: ["subnet-private-a", "subnet-private-b"] });
    const ingress = Object.values(resourcesOf(synthesized, "aws_vpc_security_group_ingress_rule")).filter((rule) => rule.security_group_id !== "sg-nodes");
    expect(ingress.map((rule) => [rule.from_port, rule.to_port, rule.prefix_list_id, rule.cidr_ipv4])).toEqual([[443, 443, "pl-12345678", undefined]]);
    expect(Object.values(resourcesOf(synthesized, "aws_lb_listener")).map((listener) => listener.port)).toEqual([443]);
    expect(onlyResource(synthesized, "aws_lb_listener").certificate_arn).toMatch(/aws_acm_certificate_validation\./);
  });

  it("checks the pods' readiness path on the traffic port and takes port, stickiness and deletion protection from its props", () => {
    const stack = constructStack();
    loadBalancer(stack, { healthCheckPath: "/healthz", targetPort: 9000, stickinessSeconds: 3600, deletionProtection: true });
    const synthesized = synthStack(stack);
    expect(onlyResource(synthesized, "aws_lb").enable_deletion_protection).toBe(true);
    expect(onlyResource(synthesized, "aws_lb_target_group")).toMatchObject({
      port: 9000,
      stickiness: { cookie_duration: 3600 },
      health_check: { path: "/healthz", port: "traffic-port", protocol: "HTTP" },
    });
  });

  it("grants log delivery to the service principal only, in a Region that has no legacy ELB account", () => {
    const stack = constructStack("ap-southeast-4");
    loadBalancer(stack);
    const statements = policyOf(onlyResource(synthStack(stack), "aws_s3_bucket_policy")).Statement;
    expect(statements.map((statement) => statement.Sid)).toEqual(["DenyInsecureTransport", "ElbLogDelivery"]);
    expect(statements[1].Resource).toBe("arn:aws:s3:::shop-prod-alb-logs/alb/AWSLogs/123456789012/*");
  });

  it("also admits the Region's legacy Elastic Load Balancing account where AWS documents one", () => {
    const stack = constructStack("eu-central-1");
    loadBalancer(stack);
    const legacy = policyOf(onlyResource(synthStack(stack), "aws_s3_bucket_policy")).Statement.find(
      (statement) => statement.Sid === "ElbLogDeliveryLegacyRegion",
    );
    // eu-central-1's Elastic Load Balancing account (docs: enable-access-logging, "Regions available before August 2022").
    expect(legacy?.Principal).toEqual({ AWS: "arn:aws:iam::054676820928:root" });
  });

  it("is put behind a regional web ACL, and refuses a CloudFront one", () => {
    const stack = constructStack();
    const alb = loadBalancer(stack);
    const key = new KmsKey(stack, "Key", { description: "waf logs" });
    alb.protectWith(new WebAcl(stack, "Regional", { name: "shop-alb", scope: "REGIONAL", ...WAF, key }));
    const cloudFront = new WebAcl(stack, "Cdn", { name: "shop-cdn", scope: "CLOUDFRONT", ...WAF, key });
    expect(() => alb.protectWith(cloudFront)).toThrow("has scope CLOUDFRONT; a load balancer takes a REGIONAL one");
    const association = onlyResource(synthStack(stack), "aws_wafv2_web_acl_association");
    expect(association.resource_arn).toMatch(/^\$\{aws_lb\.Alb_LoadBalancer_[A-Z0-9]+\.arn\}$/);
    expect(association.web_acl_arn).toMatch(/^\$\{aws_wafv2_web_acl\.Regional_WebAcl_[A-Z0-9]+\.arn\}$/);
  });
});
