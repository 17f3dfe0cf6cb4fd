import { TerraformStack } from "cdktf";
import { CloudFrontGlobal } from "../../../constructs/edge/cloudfront-global";
import { CdnDistribution } from "../../../constructs/edge/distribution";
import { LoadBalancerClients } from "../../../constructs/edge/load-balancer";
import { WebAcl } from "../../../constructs/edge/web-acl";
import { KmsKey } from "../../../constructs/security/kms-key";
import { countOf, onlyResource, policyOf, resourcesOf, synthStack, SynthesizedStack } from "../../support/synth";
import { certificate, constructStack, loadBalancer } from "./support";

const WAF = { rateLimit: 500, largeBodies: "block", logRetentionDays: 30 } as const;

function distribution(clients: LoadBalancerClients, webAcl?: (stack: TerraformStack, key: KmsKey) => WebAcl): SynthesizedStack {
  const stack = constructStack();
  const key = new KmsKey(stack, "Key", { description: "edge" });
  const origin = loadBalancer(stack, { clients });
  const global = new CloudFrontGlobal(stack, "Global", { name: "shop-dev", waf: WAF });
  new CdnDistribution(stack, "Cdn", {
    name: "shop-dev",
    aliases: ["shop.example.org"],
    certificate: certificate(stack, "shop.example.org"),
    webAcl: webAcl ? webAcl(stack, key) : global.webAcl,
    origin,
    originDomainName: "origin.shop.example.org",
    staticPathPatterns: ["/static/*"],
    logs: { key, accessLogs: origin.accessLogs, retentionDays: 30 },
  });
  return synthStack(stack);
}

const internetFacing: LoadBalancerClients = { kind: "cloudfront-prefix-list", prefixListId: "pl-12345678" };
const internal: LoadBalancerClients = { kind: "cloudfront-vpc-origin", prefixListId: "pl-12345678" };

describe("CdnDistribution", () => {
  it("uses a public HTTPS origin for an internet-facing ALB", () => {
    const synthesized = distribution(internetFacing);
    expect(countOf(synthesized, "aws_cloudfront_vpc_origin")).toBe(0);
    const [origin] = onlyResource(synthesized, "aws_cloudfront_distribution").origin as Record<string, unknown>[];
    expect(origin).toMatchObject({ domain_name: "origin.shop.example.org", custom_origin_config: { origin_protocol_policy: "https-only", https_port: 443 } });
  });

  it("reaches an internal ALB through a VPC origin", () => {
    const synthesized = distribution(internal);
    const [config] = onlyResource(synthesized, "aws_cloudfront_vpc_origin").vpc_origin_endpoint_config as Record<string, unknown>[];
    expect(config).toMatchObject({ name: "shop-dev-alb", arn: expect.stringMatching(/^\$\{aws_lb\.Alb_LoadBalancer_[A-Z0-9]+\.arn\}$/) });
  });

  it("names its CLOUDFRONT web ACL and its certificate, and refuses a regional web ACL", () => {
    const cdn = onlyResource(distribution(internal), "aws_cloudfront_distribution");
    expect(cdn.web_acl_id).toMatch(/^\$\{aws_wafv2_web_acl\.Global_Waf_WebAcl_[A-Z0-9]+\.arn\}$/);
    expect(cdn.viewer_certificate).toMatchObject({ acm_certificate_arn: expect.stringMatching(/aws_acm_certificate_validation\./) });
    expect(() => distribution(internal, (stack, key) => new WebAcl(stack, "Regional", { name: "shop-alb", scope: "REGIONAL", ...WAF, key }))).toThrow(
      "has scope REGIONAL; CloudFront takes a CLOUDFRONT one",
    );
  });

  it("keeps its logs in a KMS-encrypted bucket of its own, whose server access logs go to the given log bucket", () => {
    const synthesized = distribution(internal);
    const bucket = Object.entries(resourcesOf(synthesized, "aws_s3_bucket")).find(([, candidate]) => candidate.bucket === "shop-dev-cdn-logs-123456789012")!;
    const byBucket = (type: string) => Object.values(resourcesOf(synthesized, type)).find((candidate) => String(candidate.bucket).includes(bucket[0]))!;
    expect(JSON.stringify(byBucket("aws_s3_bucket_server_side_encryption_configuration").rule)).toContain("aws:kms");
    expect(byBucket("aws_s3_bucket_logging")).toMatchObject({ target_bucket: "shop-prod-alb-logs", target_prefix: "s3/shop-dev-cdn-logs-123456789012/" });
    expect(byBucket("aws_s3_bucket_lifecycle_configuration").rule).toMatchObject([{ expiration: [{ days: 30 }] }]);
  });

  it("lets only this account's CloudFront log deliveries write into the log bucket, under cloudfront/, and use its key", () => {
    const synthesized = distribution(internal);
    const bucketPolicy = Object.values(resourcesOf(synthesized, "aws_s3_bucket_policy")).map((policy) => policyOf(policy).Statement);
    const statement = bucketPolicy.flat().find((candidate) => candidate.Sid === "CloudFrontLogDelivery")!;
    const fromThisAccount = {
      StringEquals: { "aws:SourceAccount": "123456789012" },
      ArnLike: { "aws:SourceArn": "arn:aws:logs:us-east-1:123456789012:delivery-source:*" },
    };
    expect(statement).toMatchObject({
      Principal: { Service: "delivery.logs.amazonaws.com" },
      Resource: "arn:aws:s3:::shop-dev-cdn-logs-123456789012/cloudfront/*",
    });
    expect(statement.Condition).toMatchObject(fromThisAccount);
    const regionalKey = Object.values(resourcesOf(synthesized, "aws_kms_key")).find((key) => key.description === "edge")!;
    const grant = policyOf(regionalKey).Statement.find((candidate) => candidate.Sid === "CloudFrontLogDelivery")!;
    expect(grant).toMatchObject({ Principal: { Service: "delivery.logs.amazonaws.com" }, Condition: fromThisAccount });
  });

  it("delivers its logs (standard logging v2) from us-east-1, where CloudFront's delivery sources live", () => {
    const synthesized = distribution(internal);
    for (const type of ["aws_cloudwatch_log_delivery_source", "aws_cloudwatch_log_delivery_destination", "aws_cloudwatch_log_delivery"]) {
      expect([type, onlyResource(synthesized, type).provider]).toEqual([type, "aws.us_east_1"]);
    }
    expect(onlyResource(synthesized, "aws_cloudwatch_log_delivery_source")).toMatchObject({ log_type: "ACCESS_LOGS", name: "shop-dev-cdn" });
    expect(JSON.stringify(onlyResource(synthesized, "aws_cloudwatch_log_delivery_destination").delivery_destination_configuration)).toContain(
      "arn:aws:s3:::shop-dev-cdn-logs-123456789012/cloudfront",
    );
    expect(onlyResource(synthesized, "aws_cloudfront_distribution").provider).toBeUndefined();
  });
});
