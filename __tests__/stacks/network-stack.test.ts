import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { DataAwsAvailabilityZones } from "@cdktf/provider-aws/lib/data-aws-availability-zones";
import { FlowLog } from "@cdktf/provider-aws/lib/flow-log";
import { Vpc } from "@cdktf/provider-aws/lib/vpc";
import { json } from "../support/synth";
import { NetworkStack } from "../../stacks/network-stack";
import { testApp, testEnvironment, tier } from "../support/environments";
import { countOf, onlyResource, resourcesOf, synthStack } from "../support/synth";

describe("NetworkStack", () => {
  const prod = synthStack(new NetworkStack(testApp(), tier.production));
  const dev = synthStack(new NetworkStack(testApp(), tier.development));

  it("gives prod a NAT gateway in each of its three AZs and dev a single one", () => {
    expect(countOf(prod, "aws_nat_gateway")).toBe(3);
    expect(countOf(dev, "aws_nat_gateway")).toBe(1);
  });

  it("puts a public, a private and a database subnet in every AZ", () => {
    const subnets = Object.values(resourcesOf(prod, "aws_subnet"));
    for (const subnetTier of ["public", "private", "database"]) {
      const zones = subnets.filter((subnet) => (subnet.tags as Record<string, string>).tier === subnetTier).map((s) => s.availability_zone);
      expect(zones.sort()).toEqual([...tier.production.network.availabilityZones].sort());
    }
  });

  it("routes each private subnet through the NAT gateway of its own AZ in prod", () => {
    const routes = Object.entries(resourcesOf(prod, "aws_route")).filter(([, route]) => route.nat_gateway_id);
    expect(routes).toHaveLength(3);
    for (const [id, route] of routes) {
      const zone = tier.production.network.availabilityZones.find((candidate) => id.includes(candidate))!;
      expect(route.nat_gateway_id).toContain(`NatGateway-${zone}`);
    }
  });

  it("gives the database subnets no route to the internet", () => {
    const routes = Object.values(resourcesOf(prod, "aws_route"));
    expect(routes.some((route) => String(route.route_table_id).includes("DatabaseRouteTable"))).toBe(false);
  });

  it("tags subnets for load balancer discovery and for the cluster", () => {
    const subnets = Object.values(resourcesOf(prod, "aws_subnet"));
    const publicTags = subnets.filter((s) => (s.tags as Record<string, string>).tier === "public").map((s) => s.tags as Record<string, string>);
    const privateTags = subnets.filter((s) => (s.tags as Record<string, string>).tier === "private").map((s) => s.tags as Record<string, string>);
    for (const tags of publicTags) {
      expect(tags).toMatchObject({ "kubernetes.io/role/elb": "1", [`kubernetes.io/cluster/${tier.production.prefix}`]: "shared" });
    }
    for (const tags of privateTags) {
      expect(tags).toMatchObject({ "kubernetes.io/role/internal-elb": "1", [`kubernetes.io/cluster/${tier.production.prefix}`]: "shared" });
    }
  });

  it("strips every rule from the default security group", () => {
    expect(onlyResource(prod, "aws_default_security_group")).toMatchObject({ ingress: [], egress: [] });
  });

  it("sends flow logs to a KMS-encrypted log group with the configured retention", () => {
    const group = onlyResource(prod, "aws_cloudwatch_log_group");
    expect(group.retention_in_days).toBe(365);
    expect(group.kms_key_id).toMatch(/aws_kms_key\..*\.arn/);
    expect(onlyResource(prod, "aws_flow_log")).toMatchObject({ traffic_type: "ALL", log_destination_type: "cloud-watch-logs" });
  });

  it("creates the configured interface endpoints behind their own HTTPS-only security group", () => {
    const { network, account } = tier.production;
    const services = Object.values(resourcesOf(prod, "aws_vpc_endpoint")).map((endpoint) => endpoint.service_name);
    expect(network.endpoints.interface.length).toBeGreaterThan(0);
    expect(services.sort()).toEqual(
      [...(network.endpoints.s3Gateway ? ["s3"] : []), ...network.endpoints.interface].map((service) => `com.amazonaws.${account.region}.${service}`).sort(),
    );
    const rule = onlyResource(prod, "aws_vpc_security_group_ingress_rule");
    expect(rule).toMatchObject({ from_port: 443, to_port: 443, ip_protocol: "tcp", cidr_ipv4: network.cidr });
  });

  it("stores state in S3 with native locking and the state CMK, keyed by environment and stack", () => {
    expect(prod.terraform?.backend).toEqual({
      s3: {
        bucket: `${tier.production.project}-tfstate-${tier.production.account.id}`,
        key: `${tier.production.name}/${tier.production.name}-network.tfstate`,
        region: tier.production.account.region,
        encrypt: true,
        kms_key_id: `arn:aws:kms:${tier.production.account.region}:${tier.production.account.id}:alias/${tier.production.project}-tfstate-${tier.production.account.id}`,
        use_lockfile: true,
      },
    });
  });

  it("uses one Terraform Cloud workspace per stack when the config selects Terraform Cloud", () => {
    const environment = testEnvironment({ state: { backend: "cloud", organization: "acme", workspacePrefix: "shop-" } });
    const synthesized = synthStack(new NetworkStack(testApp(), environment));
    expect(synthesized.terraform?.backend).toBeUndefined();
    expect(synthesized.terraform?.cloud).toEqual({ organization: "acme", hostname: "app.terraform.io", workspaces: { name: "shop-test-network" } });
  });

  it("tags every taggable resource with project, environment, stack and managed-by through default tags", () => {
    const [provider] = prod.provider!.aws;
    expect(provider).toMatchObject({
      region: tier.production.account.region,
      allowed_account_ids: [tier.production.account.id],
      default_tags: [
        {
          tags: {
            project: tier.production.project,
            environment: "prod",
            stack: `${tier.production.name}-network`,
            "managed-by": "cdktf",
            "cost-center": "platform-prod",
            "data-classification": "confidential",
          },
        },
      ],
    });
  });

  it("keeps every subnet's logical id and CIDR when an AZ is added", () => {
    const twoZones = synthStack(
      new NetworkStack(testApp(), testEnvironment({ tier: "staging", network: { availabilityZones: ["eu-central-1a", "eu-central-1b"] } })),
    );
    const threeZones = synthStack(new NetworkStack(testApp(), testEnvironment()));
    const ids = (s: typeof twoZones) => Object.keys(resourcesOf(s, "aws_subnet"));
    for (const id of ids(twoZones)) {
      expect(ids(threeZones)).toContain(id);
      expect(resourcesOf(threeZones, "aws_subnet")[id].cidr_block).toBe(resourcesOf(twoZones, "aws_subnet")[id].cidr_block);
    }
  });
  it("creates the configured VPC with DNS, flow logs of all traffic and the configured region, account and AZs, asking AWS nothing", () => {
    expect(json(prod)).toHaveResourceWithProperties(Vpc, { cidr_block: tier.production.network.cidr, enable_dns_hostnames: true, enable_dns_support: true });
    expect(json(prod)).toHaveResourceWithProperties(FlowLog, { traffic_type: "ALL" });
    expect(json(prod)).toHaveProviderWithProperties(AwsProvider, { region: tier.production.account.region, allowed_account_ids: [tier.production.account.id] });
    expect(json(prod)).not.toHaveDataSource(DataAwsAvailabilityZones);
    expect(json(dev)).toHaveResourceWithProperties(Vpc, { cidr_block: tier.development.network.cidr });
  });
});
