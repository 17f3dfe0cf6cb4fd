import { bootstrapStackName } from "../../stacks/bootstrap-stack";
import { shippedEnvironment, shippedEnvironments } from "../support/environments";
import { countsByType, dataSources, expectPlanned, nonCreateActions, planOf, plannedResources, SHIPPED_ENVIRONMENTS } from "./harness";

/** Data sources that Terraform evaluates without calling AWS. */
const LOCAL_DATA_SOURCES = ["terraform_remote_state"];
const REQUIRED_TAGS = ["project", "environment", "stack", "managed-by"];

/** One bootstrap stack per account of the environments on the S3 backend, with the state bucket of that account. */
const s3Environments = shippedEnvironments().filter((environment) => environment.state.backend === "s3");
const accounts = [...new Set(s3Environments.map((environment) => environment.account.id))];
const BOOTSTRAPS = accounts.map((account) => {
  const state = s3Environments.find((environment) => environment.account.id === account)!.state;
  return { stack: bootstrapStackName(account, accounts.length), stateBucket: state.backend === "s3" ? state.bucket : "" };
});

describe("offline Terraform runs of the foundation stacks", () => {
  it("plans every account's bootstrap and the network stack of every shipped environment", () => {
    expectPlanned([...BOOTSTRAPS.map(({ stack }) => stack), ...SHIPPED_ENVIRONMENTS.map((env) => `${env}-network`)]);
  });

  /**
   * What an environment's network plan holds, from its config: three subnets (public, private, database) per AZ, a NAT
   * gateway and its address per AZ or one in all, one public, one database and one private route table per AZ, a
   * default route to the internet gateway and one to a NAT gateway per private table, every interface endpoint plus
   * the S3 gateway endpoint, and one flow log.
   */
  const expectedNetwork = (env: string): Record<string, number> => {
    const { network } = shippedEnvironment(env);
    const zones = network.availabilityZones.length;
    const nats = network.oneNatGatewayPerAz ? zones : 1;
    return {
      aws_vpc: 1,
      aws_subnet: 3 * zones,
      aws_nat_gateway: nats,
      aws_eip: nats,
      aws_internet_gateway: 1,
      aws_route_table: 2 + zones,
      aws_route: 1 + zones,
      aws_route_table_association: 3 * zones,
      aws_vpc_endpoint: network.endpoints.interface.length + 1,
      aws_flow_log: 1,
    };
  };

  describe.each(SHIPPED_ENVIRONMENTS)("%s-network", (env) => {
    const plan = () => planOf(`${env}-network`);

    it("plans the expected resources per type", () => {
      expect(countsByType(plan())).toMatchObject(expectedNetwork(env));
    });

    it("only creates: nothing is updated, replaced or deleted", () => {
      expect(nonCreateActions(plan())).toEqual([]);
    });

    it("tags every taggable resource with project, environment, stack and managed-by", () => {
      const taggable = plannedResources(plan()).filter((resource) => "tags_all" in resource.values);
      expect(taggable.length).toBeGreaterThan(20);
      const untagged = taggable
        .filter((resource) => !REQUIRED_TAGS.every((tag) => (resource.values.tags_all as Record<string, string> | null)?.[tag]))
        .map((resource) => resource.address);
      expect(untagged).toEqual([]);
      for (const resource of taggable) {
        expect(resource.values.tags_all).toMatchObject({
          environment: env,
          stack: `${env}-network`,
          project: shippedEnvironment(env).project,
          "managed-by": "cdktf",
        });
      }
    });

    it("uses no data source that would call AWS", () => {
      expect(dataSources(plan()).filter((type) => !LOCAL_DATA_SOURCES.includes(type))).toEqual([]);
    });

    it("isolates the database subnets: their route table has no default route", () => {
      const routes = plannedResources(plan(), "aws_route");
      expect(routes.every((route) => !route.address.includes("Database"))).toBe(true);
      expect(routes.filter((route) => route.values.destination_cidr_block === "0.0.0.0/0")).toHaveLength(expectedNetwork(env).aws_route);
    });
  });

  describe.each(SHIPPED_ENVIRONMENTS)("%s-network's network ACLs", (env) => {
    const plan = () => planOf(`${env}-network`);
    const environment = shippedEnvironment(env);
    type Rule = { egress: boolean; protocol: string; cidr_block: string; from_port: number | null; to_port: number | null; rule_action: string };
    const rules = (tier: string) =>
      plannedResources(plan(), "aws_network_acl_rule")
        .filter((rule) => rule.address.includes(`Acls_${tier}-`))
        .map((rule) => rule.values as unknown as Rule)
        .map(({ egress, protocol, cidr_block, from_port, to_port, rule_action }) =>
          [rule_action, egress ? "egress" : "ingress", protocol, cidr_block, from_port ?? 0, to_port ?? 0].join(" "),
        )
        .sort();

    it("plans one ACL for the database subnets and one for the public subnets", () => {
      const acls = plannedResources(plan(), "aws_network_acl")
        .map((acl) => (acl.values.tags as Record<string, string>).Name)
        .sort();
      expect(acls).toEqual([`${environment.prefix}-database`, `${environment.prefix}-public`]);
    });

    it("admits into the database subnets only the private subnets on 5432, and answers them on ephemeral ports", () => {
      const privateCidrs = environment.network.subnetPlan.private.map((subnet) => subnet.cidr);
      expect(rules("Database")).toEqual(
        [...privateCidrs.map((cidr) => `allow ingress tcp ${cidr} 5432 5432`), ...privateCidrs.map((cidr) => `allow egress tcp ${cidr} 1024 65535`)].sort(),
      );
    });

    it("keeps NAT and the internet gateway working through the public subnets, with no well-known port open to the internet", () => {
      expect(rules("Public")).toEqual(
        [
          `allow ingress -1 ${environment.network.cidr} 0 0`,
          "allow ingress tcp 0.0.0.0/0 1024 65535",
          "allow ingress udp 0.0.0.0/0 1024 65535",
          "allow ingress icmp 0.0.0.0/0 0 0",
          "allow egress -1 0.0.0.0/0 0 0",
        ].sort(),
      );
      const icmp = plannedResources(plan(), "aws_network_acl_rule").find((rule) => rule.address.includes("Acls_Public-Ingress-PathMtu"))!;
      expect(icmp.values).toMatchObject({ icmp_type: 3, icmp_code: 4 });
    });
  });

  describe.each(BOOTSTRAPS)("$stack", ({ stack, stateBucket }) => {
    const plan = () => planOf(stack);
    const one = (type: string, addressPart = "") => {
      const found = plannedResources(plan(), type).filter((resource) => resource.address.includes(addressPart));
      expect(found).toHaveLength(1);
      return found[0].values;
    };
    // Bucket ids are only known after apply, so the state bucket's companions are found by their construct path.
    const isStateBucket = ".State_Bucket_";

    it("creates the state bucket and its access-log bucket, and nothing is replaced", () => {
      expect(
        plannedResources(plan(), "aws_s3_bucket")
          .map((bucket) => bucket.values.bucket)
          .sort(),
      ).toEqual([stateBucket, `${stateBucket}-access-logs`]);
      expect(nonCreateActions(plan())).toEqual([]);
    });

    it("encrypts the state bucket with a rotating CMK", () => {
      const key = one("aws_kms_key");
      expect(key).toMatchObject({ enable_key_rotation: true, rotation_period_in_days: 365 });
      const encryption = one("aws_s3_bucket_server_side_encryption_configuration", isStateBucket);
      expect(encryption.rule).toMatchObject([{ apply_server_side_encryption_by_default: [{ sse_algorithm: "aws:kms" }], bucket_key_enabled: true }]);
      expect(one("aws_kms_alias").name).toBe(`alias/${stateBucket}`);
    });

    it("versions, blocks public access and enforces bucket-owner ownership on both buckets", () => {
      for (const versioning of plannedResources(plan(), "aws_s3_bucket_versioning")) {
        expect(versioning.values.versioning_configuration).toEqual([expect.objectContaining({ status: "Enabled" })]);
      }
      for (const block of plannedResources(plan(), "aws_s3_bucket_public_access_block")) {
        expect(block.values).toMatchObject({ block_public_acls: true, block_public_policy: true, ignore_public_acls: true, restrict_public_buckets: true });
      }
      for (const ownership of plannedResources(plan(), "aws_s3_bucket_ownership_controls")) {
        expect(ownership.values.rule).toEqual([{ object_ownership: "BucketOwnerEnforced" }]);
      }
      expect(plannedResources(plan(), "aws_s3_bucket_versioning")).toHaveLength(2);
    });

    it("denies every request to the state bucket that does not use TLS", () => {
      const policy = JSON.parse(one("aws_s3_bucket_policy", isStateBucket).policy as string);
      expect(policy.Statement).toContainEqual(
        expect.objectContaining({ Effect: "Deny", Principal: "*", Action: "s3:*", Condition: { Bool: { "aws:SecureTransport": false } } }),
      );
    });

    it("expires noncurrent state versions after 90 days, and saved plans (they hold the prior state) after a day", () => {
      const lifecycle = one("aws_s3_bucket_lifecycle_configuration", isStateBucket);
      expect(lifecycle.rule).toMatchObject([
        { status: "Enabled", noncurrent_version_expiration: [{ noncurrent_days: 90 }] },
        { status: "Enabled", filter: [{ prefix: "saved-plans/" }], expiration: [{ days: 1 }], noncurrent_version_expiration: [{ noncurrent_days: 1 }] },
      ]);
    });
  });
});
