import { Construct } from "constructs";
import { S3Bucket } from "@cdktf/provider-aws/lib/s3-bucket";
import { CdnDistribution } from "../../../constructs/edge/distribution";
import { DnsValidatedCertificate } from "../../../constructs/edge/dns-validated-certificate";
import { EcrRepositories } from "../../../constructs/edge/ecr-repositories";
import { PublicHostedZone } from "../../../constructs/edge/hosted-zone";
import { ApplicationLoadBalancer, ApplicationLoadBalancerProps } from "../../../constructs/edge/load-balancer";
import { useProvider } from "../../../constructs/edge/provider-scope";
import { WebAcl } from "../../../constructs/edge/web-acl";
import { KmsKey } from "../../../constructs/security/kms-key";
import { SecureBucket } from "../../../constructs/storage/secure-bucket";
import { countOf, onlyResource, policyOf, resourcesOf, synthStack } from "../../support/synth";
import { ACCOUNT, constructStack } from "./support";

const SUBNETS = ["a", "b"].map((zone) => ({
  availabilityZone: `eu-central-1${zone}`,
  cidr: "10.0.0.0/24",
  subnet: { id: `subnet-${zone}` },
})) as unknown as ApplicationLoadBalancerProps["subnets"];

function loadBalancerProps(overrides: Partial<ApplicationLoadBalancerProps> = {}): ApplicationLoadBalancerProps {
  return {
    account: ACCOUNT,
    name: "shop-prod-web",
    vpcId: "vpc-1",
    subnets: SUBNETS,
    clients: { kind: "cloudfront-vpc-origin", prefixListId: "pl-12345678" },
    targetSecurityGroupId: "sg-nodes",
    certificateArn: "arn:aws:acm:eu-central-1:123456789012:certificate/abc",
    accessLogBucketName: "shop-prod-alb-logs",
    ...overrides,
  };
}

describe("EcrRepositories", () => {
  it("creates one immutable, scanned, KMS-encrypted repository per name under the prefix, with its own key", () => {
    const { stack } = constructStack();
    new EcrRepositories(stack, "Ecr", { account: ACCOUNT, namePrefix: "shop-dev", names: ["web", "worker"], keepImages: 20, forceDelete: true });
    const synthesized = synthStack(stack);
    const repositories = Object.values(resourcesOf(synthesized, "aws_ecr_repository"));
    expect(repositories.map((repository) => repository.name)).toEqual(["shop-dev/web", "shop-dev/worker"]);
    for (const repository of repositories) {
      expect(repository).toMatchObject({ image_tag_mutability: "IMMUTABLE", image_scanning_configuration: { scan_on_push: true }, force_delete: true });
      expect((repository.encryption_configuration as Record<string, string>[])[0]).toMatchObject({
        encryption_type: "KMS",
        kms_key: expect.stringMatching(/aws_kms_key\./),
      });
    }
    expect(countOf(synthesized, "aws_kms_key")).toBe(1);
    const policies = Object.values(resourcesOf(synthesized, "aws_ecr_lifecycle_policy")).map((policy) => JSON.parse(policy.policy as string));
    expect(policies[0].rules[1].selection.countNumber).toBe(20);
  });
});

describe("ApplicationLoadBalancer", () => {
  it("refuses a name longer than ELB's 32 characters", () => {
    const { stack } = constructStack();
    expect(() => new ApplicationLoadBalancer(stack, "Alb", loadBalancerProps({ name: "a-very-long-project-production-web" }))).toThrow(
      'load balancer name "a-very-long-project-production-web" is longer than the 32 characters ELB allows',
    );
  });

  it("admits only the CloudFront prefix list when internet-facing", () => {
    const { stack } = constructStack();
    new ApplicationLoadBalancer(stack, "Alb", loadBalancerProps({ clients: { kind: "cloudfront-prefix-list", prefixListId: "pl-12345678" } }));
    const synthesized = synthStack(stack);
    expect(onlyResource(synthesized, "aws_lb").internal).toBe(false);
    const ingress = Object.values(resourcesOf(synthesized, "aws_vpc_security_group_ingress_rule")).filter((rule) => rule.security_group_id !== "sg-nodes");
    expect(ingress.map((rule) => [rule.from_port, rule.to_port, rule.prefix_list_id, rule.cidr_ipv4])).toEqual([[443, 443, "pl-12345678", undefined]]);
  });

  it("admits only CloudFront's origin-facing prefix list when internal (a VPC origin), never the VPC CIDR, and listens on 443 only", () => {
    const { stack } = constructStack();
    new ApplicationLoadBalancer(stack, "Alb", loadBalancerProps({ clients: { kind: "cloudfront-vpc-origin", prefixListId: "pl-12345678" } }));
    const synthesized = synthStack(stack);
    expect(onlyResource(synthesized, "aws_lb").internal).toBe(true);
    const ingress = Object.values(resourcesOf(synthesized, "aws_vpc_security_group_ingress_rule")).filter((rule) => rule.security_group_id !== "sg-nodes");
    expect(ingress.map((rule) => [rule.from_port, rule.to_port, rule.prefix_list_id, rule.cidr_ipv4])).toEqual([[443, 443, "pl-12345678", undefined]]);
    expect(Object.values(resourcesOf(synthesized, "aws_lb_listener")).map((listener) => listener.port)).toEqual([443]);
  });

  it("checks the pods' readiness path on the traffic port", () => {
    const { stack } = constructStack();
    new ApplicationLoadBalancer(stack, "Alb", loadBalancerProps());
    expect(onlyResource(synthStack(stack), "aws_lb_target_group").health_check).toMatchObject({ path: "/readyz", port: "traffic-port", protocol: "HTTP" });
  });

  it("grants log delivery to the service principal only, in a Region that has no legacy ELB account", () => {
    const { stack } = constructStack("ap-southeast-4");
    new ApplicationLoadBalancer(stack, "Alb", loadBalancerProps({ account: { ...ACCOUNT, region: "ap-southeast-4" } }));
    const statements = policyOf(onlyResource(synthStack(stack), "aws_s3_bucket_policy")).Statement;
    expect(statements.map((statement) => statement.Sid)).toEqual(["DenyInsecureTransport", "ElbLogDelivery"]);
    expect(statements[1].Resource).toBe("arn:aws:s3:::shop-prod-alb-logs/alb/AWSLogs/123456789012/*");
  });

  it("defaults to no deletion protection, a day of stickiness and port 8080", () => {
    const { stack } = constructStack();
    new ApplicationLoadBalancer(stack, "Alb", loadBalancerProps());
    const synthesized = synthStack(stack);
    expect(onlyResource(synthesized, "aws_lb").enable_deletion_protection).toBe(false);
    expect(onlyResource(synthesized, "aws_lb_target_group")).toMatchObject({ port: 8080, stickiness: { cookie_duration: 86400 } });
  });
});

describe("WebAcl", () => {
  const { stack } = constructStack();
  const key = new KmsKey(stack, "Key", { description: "logs" });
  new WebAcl(stack, "Waf", { account: ACCOUNT, name: "shop-alb", scope: "REGIONAL", rateLimit: 500, logRetentionDays: 30, key });
  const synthesized = synthStack(stack);

  it("evaluates the rate limit first, then the managed rule groups without overriding their actions", () => {
    const rules = onlyResource(synthesized, "aws_wafv2_web_acl").rule as Record<string, any>[];
    expect(rules.map((rule) => rule.priority)).toEqual([1, 10, 20, 30, 40]);
    expect(rules.slice(1).every((rule) => JSON.stringify(rule.override_action) === JSON.stringify({ none: {} }))).toBe(true);
    expect(rules.every((rule) => rule.visibility_config.cloudwatch_metrics_enabled && rule.visibility_config.sampled_requests_enabled)).toBe(true);
  });

  it("logs to aws-waf-logs-<name> with credentials and cookies redacted, and lets CloudWatch Logs use the key for that group only", () => {
    expect(onlyResource(synthesized, "aws_cloudwatch_log_group")).toMatchObject({ name: "aws-waf-logs-shop-alb", retention_in_days: 30 });
    expect(onlyResource(synthesized, "aws_wafv2_web_acl_logging_configuration").redacted_fields).toEqual([
      { single_header: { name: "authorization" } },
      { single_header: { name: "cookie" } },
    ]);
    const grant = policyOf(onlyResource(synthesized, "aws_kms_key")).Statement.find((statement) => String(statement.Sid).startsWith("CloudWatchLogs"))!;
    expect(JSON.stringify(grant.Condition)).toContain("log-group:aws-waf-logs-shop-alb");
  });
});

describe("CdnDistribution", () => {
  function distribution(vpcOriginLoadBalancerArn?: string) {
    const { stack, global } = constructStack();
    const logBucket = new SecureBucket(stack, "Logs", { bucketName: "shop-cdn-logs" });
    new CdnDistribution(stack, "Cdn", {
      account: ACCOUNT,
      name: "shop-dev",
      aliases: ["shop.example.org"],
      certificateArn: "arn:aws:acm:us-east-1:123456789012:certificate/abc",
      webAclArn: "arn:aws:wafv2:us-east-1:123456789012:global/webacl/shop/1",
      originDomainName: "origin.shop.example.org",
      vpcOriginLoadBalancerArn,
      staticPathPatterns: ["/static/*"],
      logBucket,
      globalProvider: global,
    });
    return synthStack(stack);
  }

  it("uses a public HTTPS origin when no internal ALB is given", () => {
    const synthesized = distribution();
    expect(countOf(synthesized, "aws_cloudfront_vpc_origin")).toBe(0);
    const [origin] = onlyResource(synthesized, "aws_cloudfront_distribution").origin as Record<string, any>[];
    expect(origin.custom_origin_config).toMatchObject({ origin_protocol_policy: "https-only", https_port: 443 });
  });

  it("creates a VPC origin for an internal ALB", () => {
    const synthesized = distribution("arn:aws:elasticloadbalancing:eu-central-1:123456789012:loadbalancer/app/shop/1");
    const [config] = onlyResource(synthesized, "aws_cloudfront_vpc_origin").vpc_origin_endpoint_config as Record<string, unknown>[];
    expect(config.arn).toBe("arn:aws:elasticloadbalancing:eu-central-1:123456789012:loadbalancer/app/shop/1");
  });

  it("lets only this account's CloudFront log deliveries write into the log bucket, under cloudfront/", () => {
    const statement = policyOf(onlyResource(distribution(), "aws_s3_bucket_policy")).Statement.find((candidate) => candidate.Sid === "CloudFrontLogDelivery")!;
    expect(statement).toMatchObject({ Principal: { Service: "delivery.logs.amazonaws.com" }, Resource: "arn:aws:s3:::shop-cdn-logs/cloudfront/*" });
    expect(statement.Condition).toMatchObject({
      StringEquals: { "aws:SourceAccount": "123456789012" },
      ArnLike: { "aws:SourceArn": "arn:aws:logs:us-east-1:123456789012:delivery-source:*" },
    });
  });
});

describe("PublicHostedZone and DnsValidatedCertificate", () => {
  it("creates a zone only when no existing id is given", () => {
    const { stack } = constructStack();
    const created = new PublicHostedZone(stack, "New", { domainName: "shop.example.org" });
    const existing = new PublicHostedZone(stack, "Existing", { domainName: "example.org", existingZoneId: "Z123456789" });
    expect(existing.zoneId).toBe("Z123456789");
    expect(existing.nameServers).toBeUndefined();
    expect(created.nameServers).toBeDefined();
    expect(onlyResource(synthStack(stack), "aws_route53_zone").name).toBe("shop.example.org");
  });

  it("puts the certificate and its validation on the given provider, and the validation records in the zone", () => {
    const { stack, global } = constructStack();
    const zone = new PublicHostedZone(stack, "Zone", { domainName: "example.org", existingZoneId: "Z123456789" });
    const certificate = new DnsValidatedCertificate(stack, "Certificate", { domainName: "www.example.org", zone, provider: global });
    const synthesized = synthStack(stack);
    expect(onlyResource(synthesized, "aws_acm_certificate")).toMatchObject({ provider: "aws.us_east_1", validation_method: "DNS" });
    expect(onlyResource(synthesized, "aws_acm_certificate_validation").provider).toBe("aws.us_east_1");
    const record = onlyResource(synthesized, "aws_route53_record");
    expect(record).toMatchObject({ zone_id: "Z123456789", allow_overwrite: true });
    expect(String(record.for_each)).toContain("domain_validation_options");
    expect(certificate.arn).toMatch(/TfToken|\$\{/);
  });
});

describe("useProvider", () => {
  it("moves every resource under the scope to the provider and leaves the others alone", () => {
    const { stack, global } = constructStack();
    const scope = new Construct(stack, "Global");
    new S3Bucket(new Construct(scope, "Nested"), "Inside", { bucket: "inside" });
    new S3Bucket(stack, "Outside", { bucket: "outside" });
    useProvider(scope, global);
    const buckets = Object.values(resourcesOf(synthStack(stack), "aws_s3_bucket"));
    expect(buckets.map((bucket) => [bucket.bucket, bucket.provider])).toEqual([
      ["inside", "aws.us_east_1"],
      ["outside", undefined],
    ]);
  });
});
