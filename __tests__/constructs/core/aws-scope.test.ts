import { Testing, TerraformStack } from "cdktf";
import { Construct } from "constructs";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { SnsTopic } from "@cdktf/provider-aws/lib/sns-topic";
import {
  accountRootArn,
  awsProviderIn,
  AwsScope,
  awsManagedPolicyArn,
  declareAwsStack,
  formatArn,
  policyArn,
  RegionalScope,
  roleArn,
} from "../../../constructs/core/aws-scope";

function stackIn(partition: string, region: string): TerraformStack {
  const stack = new TerraformStack(Testing.app(), "test");
  AwsScope.declare(stack, { accountId: "111122223333", partition, region });
  return stack;
}

describe("AwsScope", () => {
  it("gives every construct in a stack the stack's account, partition and region", () => {
    const stack = stackIn("aws-cn", "cn-north-1");
    const deep = new Construct(new Construct(stack, "A"), "B");
    expect(AwsScope.of(deep)).toEqual({ accountId: "111122223333", partition: "aws-cn", region: "cn-north-1" });
  });

  it("says where to declare the location when a construct is built outside any declaring stack", () => {
    const stack = new TerraformStack(Testing.app(), "bare");
    expect(() => AwsScope.of(new Construct(stack, "Orphan"))).toThrow(/bare\/Orphan: no AWS account and region in scope.*AwsScope.declare/);
  });

  it("writes ARNs in the scope's partition, with empty fields for global services", () => {
    const stack = stackIn("aws-us-gov", "us-gov-west-1");
    expect(formatArn(stack, { service: "ecr", resource: "repository/*" })).toBe("arn:aws-us-gov:ecr:us-gov-west-1:111122223333:repository/*");
    expect(formatArn(stack, { service: "route53", region: "", account: "", resource: "hostedzone/Z1" })).toBe("arn:aws-us-gov:route53:::hostedzone/Z1");
    expect(awsManagedPolicyArn(stack, "AmazonEKSClusterPolicy")).toBe("arn:aws-us-gov:iam::aws:policy/AmazonEKSClusterPolicy");
    expect(roleArn(stack, "aws-service-role/autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling")).toBe(
      "arn:aws-us-gov:iam::111122223333:role/aws-service-role/autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling",
    );
    expect(accountRootArn(stack)).toBe("arn:aws-us-gov:iam::111122223333:root");
    expect(policyArn(stack, "shop-prod-boundary")).toBe("arn:aws-us-gov:iam::111122223333:policy/shop-prod-boundary");
  });

  it("writes the same ARNs from a location given outright, for code outside any construct tree", () => {
    const location = { accountId: "111122223333", partition: "aws-cn", region: "cn-north-1" };
    expect(roleArn(location, "shop-deploy")).toBe("arn:aws-cn:iam::111122223333:role/shop-deploy");
    expect(formatArn(location, { service: "sns", resource: "alarms" })).toBe("arn:aws-cn:sns:cn-north-1:111122223333:alarms");
  });
});

describe("awsProviderIn", () => {
  it("copies the stack's default provider to another region under an alias, once per alias", () => {
    const stack = stackIn("aws", "eu-west-1");
    new AwsProvider(stack, "aws", { region: "eu-west-1", allowedAccountIds: ["111122223333"], defaultTags: [{ tags: { project: "shop" } }] });
    const provider = awsProviderIn(new Construct(stack, "Deep"), "us-east-1", "us_east_1");
    expect(awsProviderIn(stack, "us-east-1", "us_east_1")).toBe(provider);
    const providers = (JSON.parse(Testing.synth(stack)) as { provider: { aws: Record<string, unknown>[] } }).provider.aws;
    expect(providers).toEqual([
      { region: "eu-west-1", allowed_account_ids: ["111122223333"], default_tags: [{ tags: { project: "shop" } }] },
      { alias: "us_east_1", region: "us-east-1", allowed_account_ids: ["111122223333"], default_tags: [{ tags: { project: "shop" } }] },
    ]);
  });
});

describe("RegionalScope", () => {
  it("puts what it contains in its region and on its provider, and leaves the rest of the stack alone", () => {
    const stack = stackIn("aws", "eu-west-1");
    new AwsProvider(stack, "aws", { region: "eu-west-1" });
    const global = new AwsProvider(stack, "global", { region: "us-east-1", alias: "us_east_1" });
    const scope = new RegionalScope(stack, "Global", { provider: global, region: "us-east-1" });
    new SnsTopic(new Construct(scope, "Nested"), "Inside", { name: "inside" });
    new SnsTopic(stack, "Outside", { name: "outside" });

    expect(formatArn(scope, { service: "wafv2", resource: "global/webacl/x" })).toBe("arn:aws:wafv2:us-east-1:111122223333:global/webacl/x");
    const topics = Object.values<{ name: string; provider?: string }>(JSON.parse(Testing.synth(stack)).resource.aws_sns_topic);
    expect(topics.find((topic) => topic.name === "inside")?.provider).toBe("aws.us_east_1");
    expect(topics.find((topic) => topic.name === "outside")?.provider).toBeUndefined();
  });
});

describe("declareAwsStack", () => {
  it("declares the stack's location and gives it the provider pinned to that account, with the default tags", () => {
    const stack = new TerraformStack(Testing.app(), "pinned");
    declareAwsStack(stack, { accountId: "444455556666", partition: "aws", region: "us-east-2" }, { project: "shop", "managed-by": "cdktf" });
    expect(AwsScope.of(new Construct(stack, "Child")).region).toBe("us-east-2");
    expect(JSON.parse(Testing.synth(stack)).provider.aws).toEqual([
      { region: "us-east-2", allowed_account_ids: ["444455556666"], default_tags: [{ tags: { project: "shop", "managed-by": "cdktf" } }] },
    ]);
  });
});
