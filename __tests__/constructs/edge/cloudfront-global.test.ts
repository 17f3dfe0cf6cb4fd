import { CloudFrontGlobal } from "../../../constructs/edge/cloudfront-global";
import { onlyResource, policyOf, synthStack } from "../../support/synth";
import { constructStack } from "./support";

describe("CloudFrontGlobal", () => {
  const stack = constructStack();
  const global = new CloudFrontGlobal(stack, "Global", { name: "shop-dev", waf: { rateLimit: 1000, largeBodies: "count", logRetentionDays: 90 } });
  const synthesized = synthStack(stack);

  it("adds a us-east-1 provider that keeps the stack provider's account guard and default tags", () => {
    const [regional, usEast1] = synthesized.provider!.aws;
    expect(regional).toMatchObject({ region: "eu-central-1" });
    expect(usEast1).toEqual({ alias: "us_east_1", region: "us-east-1", allowed_account_ids: ["123456789012"], default_tags: [{ tags: { project: "shop" } }] });
    expect(global.region).toBe("us-east-1");
  });

  it("builds the CLOUDFRONT web ACL, its log group and its key in us-east-1", () => {
    expect(onlyResource(synthesized, "aws_wafv2_web_acl")).toMatchObject({ name: "shop-dev-cdn", scope: "CLOUDFRONT", provider: "aws.us_east_1" });
    expect(onlyResource(synthesized, "aws_cloudwatch_log_group")).toMatchObject({ name: "aws-waf-logs-shop-dev-cdn", provider: "aws.us_east_1" });
    const key = onlyResource(synthesized, "aws_kms_key");
    expect(key.provider).toBe("aws.us_east_1");
    const grant = policyOf(key).Statement.find((statement) => String(statement.Sid).startsWith("CloudWatchLogs"))!;
    expect(grant.Principal).toEqual({ Service: "logs.us-east-1.amazonaws.com" });
  });

  it("refuses to build in a stack without a default AWS provider to copy", () => {
    const bare = constructStack();
    bare.node.tryRemoveChild("aws");
    expect(() => new CloudFrontGlobal(bare, "Global", { name: "shop", waf: { rateLimit: 1000, largeBodies: "block", logRetentionDays: 90 } })).toThrow(
      "no default AWS provider to copy for us-east-1",
    );
  });
});
