// The cdktf matchers are registered in __tests__/support/setup.ts; this brings their types.
import type {} from "cdktf/lib/testing/adapters/jest";
import { Testing } from "cdktf";
import { NetworkAcl } from "@cdktf/provider-aws/lib/network-acl";
import { NetworkAclRule } from "@cdktf/provider-aws/lib/network-acl-rule";
import { EnvironmentConfig } from "../../config";
import { NetworkStack } from "../../stacks/network-stack";
import { shippedEnvironments, testApp, testEnvironment } from "../support/environments";
import { resourcesOf } from "../support/synth";

type Rule = Record<string, unknown>;

function synthNetwork(environment: EnvironmentConfig): { json: string; rules: Rule[]; acls: Record<string, Rule> } {
  const json = Testing.synth(new NetworkStack(testApp(), environment));
  const parsed = JSON.parse(json);
  return { json, rules: Object.values(resourcesOf(parsed, "aws_network_acl_rule")), acls: resourcesOf(parsed, "aws_network_acl") };
}

/** The rules of the ACL whose Name tag ends with `tier`, as [direction, protocol, cidr, from, to]. */
function rulesOf(network: ReturnType<typeof synthNetwork>, tier: string): [string, string, string, number | undefined, number | undefined][] {
  const [id] = Object.entries(network.acls).find(([, acl]) => String((acl.tags as Record<string, string>).Name).endsWith(`-${tier}`))!;
  return network.rules
    .filter((rule) => rule.network_acl_id === `\${aws_network_acl.${id}.id}`)
    .map(
      (rule) =>
        [
          rule.egress ? "egress" : "ingress",
          String(rule.protocol),
          String(rule.cidr_block),
          rule.from_port as number | undefined,
          rule.to_port as number | undefined,
        ] as [string, string, string, number | undefined, number | undefined],
    )
    .sort();
}

describe("network ACLs (fixture config)", () => {
  const environment = testEnvironment();
  const network = synthNetwork(environment);
  const privateCidrs = environment.network.subnetPlan.private.map((subnet) => subnet.cidr);

  it("lets only the private subnets into the database subnets, on 5432, and answers only them on ephemeral ports", () => {
    expect(rulesOf(network, "database")).toEqual(
      [...privateCidrs.map((cidr) => ["ingress", "tcp", cidr, 5432, 5432]), ...privateCidrs.map((cidr) => ["egress", "tcp", cidr, 1024, 65535])].sort(),
    );
    expect(network.json).toHaveResourceWithProperties(NetworkAcl, { tags: { Name: `${environment.prefix}-database` } });
  });

  it("attaches the database ACL to every database subnet and the public ACL to every public subnet, and leaves the private subnets on the default", () => {
    const subnetsOf = (tier: string) =>
      Object.values(network.acls).find((acl) => String((acl.tags as Record<string, string>).Name).endsWith(`-${tier}`))!.subnet_ids as string[];
    expect(
      subnetsOf("database")
        .map((id) => /DatabaseSubnet-([a-z0-9-]+?)_/.exec(id)![1])
        .sort(),
    ).toEqual([...environment.network.availabilityZones].sort());
    expect(
      subnetsOf("public")
        .map((id) => /PublicSubnet-([a-z0-9-]+?)_/.exec(id)![1])
        .sort(),
    ).toEqual([...environment.network.availabilityZones].sort());
    expect(Object.keys(network.acls)).toHaveLength(2);
  });

  it("keeps NAT and the internet gateway working through the public subnets: all from the VPC, replies on ephemeral ports, path MTU, all out", () => {
    expect(rulesOf(network, "public")).toEqual(
      [
        ["ingress", "-1", environment.network.cidr, undefined, undefined],
        ["ingress", "tcp", "0.0.0.0/0", 1024, 65535],
        ["ingress", "udp", "0.0.0.0/0", 1024, 65535],
        ["ingress", "icmp", "0.0.0.0/0", undefined, undefined],
        ["egress", "-1", "0.0.0.0/0", undefined, undefined],
      ].sort(),
    );
    expect(network.json).toHaveResourceWithProperties(NetworkAclRule, { protocol: "icmp", icmp_type: 3, icmp_code: 4, egress: false });
    // Nothing on the well-known ports from the internet: no SSH, no RDP, no 443 while the ALB is internal.
    expect(
      rulesOf(network, "public").filter(([direction, , cidr, from]) => direction === "ingress" && cidr === "0.0.0.0/0" && from !== undefined && from < 1024),
    ).toEqual([]);
  });

  it("admits 443 from the internet into the public subnets only for an internet-facing ALB", () => {
    const facing = testEnvironment({
      edge: {
        domainName: "shop.example.org",
        gitops: { repoURL: "https://github.com/acme/shop.git" },
        loadBalancer: { scheme: "internet-facing", cloudFrontPrefixListId: "pl-0a1b2c3d" },
      },
    });
    expect(rulesOf(synthNetwork(facing), "public")).toContainEqual(["ingress", "tcp", "0.0.0.0/0", 443, 443]);
  });

  it("numbers a subnet's rules by its AZ's letter, so adding an AZ keeps the others' rules", () => {
    const two = testEnvironment({ network: { availabilityZones: ["eu-central-1a", "eu-central-1c"] }, tier: "staging" });
    const numbers = synthNetwork(two)
      .rules.filter((rule) => !rule.egress && rule.from_port === 5432)
      .map((rule) => rule.rule_number);
    expect(numbers.sort()).toEqual([100, 102]);
  });
});

describe.each(shippedEnvironments().map((environment) => [environment.name, environment] as const))("network ACLs of %s", (_name, environment) => {
  it("admit into the database subnets nothing but the private subnets on the database port", () => {
    const rules = rulesOf(synthNetwork(environment), "database");
    const privateCidrs = new Set(environment.network.subnetPlan.private.map((subnet) => subnet.cidr));
    for (const [direction, protocol, cidr, from, to] of rules) {
      expect(privateCidrs.has(cidr)).toBe(true);
      expect(protocol).toBe("tcp");
      expect([from, to]).toEqual(direction === "ingress" ? [5432, 5432] : [1024, 65535]);
    }
    expect(rules).toHaveLength(2 * privateCidrs.size);
  });
});
