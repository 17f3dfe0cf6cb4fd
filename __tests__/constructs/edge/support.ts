import { TerraformStack } from "cdktf";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { AwsLocation } from "../../../constructs/core/aws-scope";
import { DnsValidatedCertificate } from "../../../constructs/edge/dns-validated-certificate";
import { PublicHostedZone } from "../../../constructs/edge/hosted-zone";
import { ApplicationLoadBalancer, ApplicationLoadBalancerProps } from "../../../constructs/edge/load-balancer";
import { Network } from "../../../constructs/network/network";
import { TEST_LOCATION, testStack } from "../../support/environments";

/** A bare stack with its default AWS provider, in `region` of the test account, for one construct at a time. */
export function constructStack(region = TEST_LOCATION.region): TerraformStack {
  const location: AwsLocation = { ...TEST_LOCATION, region };
  const stack = testStack(location);
  new AwsProvider(stack, "aws", { region, allowedAccountIds: [location.accountId], defaultTags: [{ tags: { project: "shop" } }] });
  return stack;
}

/** A VPC of two AZs with the subnets the load balancer picks from (ids tell the tier). */
export function fakeNetwork(): Network {
  const subnets = (tier: string) =>
    ["a", "b"].map((zone) => ({ availabilityZone: `eu-central-1${zone}`, cidr: "10.0.0.0/24", subnet: { id: `subnet-${tier}-${zone}` } }));
  return { vpc: { id: "vpc-1" }, privateSubnets: subnets("private"), publicSubnets: subnets("public") } as unknown as Network;
}

export function certificate(stack: TerraformStack, domainName = "origin.shop.example.org"): DnsValidatedCertificate {
  const zone = new PublicHostedZone(stack, `Zone-${domainName}`, { domainName: "example.org", existingZoneId: "Z123456789" });
  return new DnsValidatedCertificate(stack, `Certificate-${domainName}`, { domainName, zone });
}

export function loadBalancer(stack: TerraformStack, overrides: Partial<ApplicationLoadBalancerProps> = {}): ApplicationLoadBalancer {
  return new ApplicationLoadBalancer(stack, "Alb", {
    name: "shop-prod-web",
    network: fakeNetwork(),
    clients: { kind: "cloudfront-vpc-origin", prefixListId: "pl-12345678" },
    targets: { id: "sg-nodes" },
    certificate: certificate(stack),
    accessLogBucketName: "shop-prod-alb-logs",
    accessLogRetentionDays: 365,
    targetPort: 8080,
    healthCheckPath: "/readyz",
    stickinessSeconds: 86400,
    deletionProtection: false,
    ...overrides,
  });
}
