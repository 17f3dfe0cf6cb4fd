import { appliedState, changedAddresses, ResourceSchemas } from "../../tools/change/applied-state";
import { standInValue } from "../../tools/harness/remote-state";
import { Plan } from "../../tools/harness/runner";

const context = { stackName: "prod-network", region: "eu-west-1", accountId: "111122223333", partition: "aws" };

const schemas: ResourceSchemas = {
  aws_vpc: {
    version: 1,
    block: { attributes: { id: { type: "string" }, arn: { type: "string" }, cidr_block: { type: "string" }, tags: { type: ["map", "string"] } } },
  },
  aws_subnet: { version: 1, block: { attributes: { id: { type: "string" }, vpc_id: { type: "string" }, cidr_block: { type: "string" } } } },
  aws_eks_cluster: {
    version: 0,
    block: {
      attributes: {
        id: { type: "string" },
        identity: { type: ["list", ["object", { oidc: ["list", ["object", { issuer: "string" }]] }]] },
        created_at: { type: "string" },
      },
      block_types: {
        vpc_config: { nesting_mode: "list", block: { attributes: { subnet_ids: { type: ["set", "string"] }, cluster_security_group_id: { type: "string" } } } },
      },
    },
  },
};

function plan(changes: NonNullable<Plan["resource_changes"]>, outputs: Plan["planned_values"]["outputs"] = {}): Plan {
  return {
    format_version: "1.2",
    planned_values: { outputs, root_module: {} },
    resource_changes: changes,
    configuration: {
      root_module: {
        resources: [
          { address: "aws_vpc.Vpc", mode: "managed", type: "aws_vpc" },
          {
            address: "aws_subnet.A",
            mode: "managed",
            type: "aws_subnet",
            provider_config_key: "aws.recovery",
            expressions: { vpc_id: { references: ["aws_vpc.Vpc.id", "aws_vpc.Vpc"] } },
          } as { address: string; mode: string; type: string },
        ],
      },
    },
  };
}

const create = (address: string, type: string, after: unknown, afterUnknown: unknown) => ({
  address,
  type,
  name: address.split(".")[1],
  mode: "managed",
  provider_name: "registry.terraform.io/hashicorp/aws",
  change: { actions: ["create"], before: null, after, after_unknown: afterUnknown },
});

interface State {
  resources: {
    type: string;
    name: string;
    provider: string;
    instances: { schema_version: number; index_key?: string; attributes: Record<string, unknown> }[];
  }[];
  outputs: Record<string, { value: unknown }>;
}

describe("the applied state built from an offline plan", () => {
  const vpc = create("aws_vpc.Vpc", "aws_vpc", { cidr_block: "10.0.0.0/16", tags: { a: "b" } }, { id: true, arn: true });
  const subnet = create("aws_subnet.A", "aws_subnet", { cidr_block: "10.0.1.0/24" }, { id: true, vpc_id: true });

  it("keeps planned values, records each type's schema version and provider (with its alias)", () => {
    const state = JSON.parse(appliedState(plan([vpc, subnet]), {}, schemas, context)) as State;
    const byType = Object.fromEntries(state.resources.map((resource) => [resource.type, resource]));
    expect(byType.aws_vpc.instances[0]).toMatchObject({ schema_version: 1, attributes: { cidr_block: "10.0.0.0/16", tags: { a: "b" } } });
    expect(byType.aws_vpc.provider).toBe('provider["registry.terraform.io/hashicorp/aws"]');
    expect(byType.aws_subnet.provider).toBe('provider["registry.terraform.io/hashicorp/aws"].recovery');
  });

  it("fills values known only after apply with the stand-in remote state's placeholders, so references agree", () => {
    const state = JSON.parse(appliedState(plan([vpc, subnet]), { output: { vpc: { value: "${aws_vpc.Vpc.id}" } } }, schemas, context)) as State;
    const attributes = (type: string) => state.resources.find((resource) => resource.type === type)!.instances[0].attributes;
    expect(attributes("aws_vpc").id).toMatch(/^vpc-[0-9a-f]{17}$/);
    expect(attributes("aws_vpc").id).toBe(standInValue("${aws_vpc.Vpc.id}", undefined, context));
    expect(attributes("aws_vpc").arn).toMatch(/^arn:aws:/);
    // The subnet's vpc_id was unknown because it references the VPC's id: it gets that id.
    expect(attributes("aws_subnet").vpc_id).toBe(attributes("aws_vpc").id);
    expect(state.outputs.vpc.value).toBe(attributes("aws_vpc").id);
  });

  it("gives a computed list of objects one element of the right shape, and leaves unset values null", () => {
    const cluster = create(
      "aws_eks_cluster.Eks",
      "aws_eks_cluster",
      { vpc_config: [{ subnet_ids: ["subnet-1"] }] },
      {
        id: true,
        identity: true,
        vpc_config: [{ cluster_security_group_id: true }],
      },
    );
    const state = JSON.parse(appliedState(plan([cluster]), {}, schemas, context)) as State;
    const attributes = state.resources[0].instances[0].attributes as {
      identity: { oidc: { issuer: string }[] }[];
      vpc_config: { subnet_ids: string[]; cluster_security_group_id: string }[];
      created_at: unknown;
    };
    expect(attributes.identity[0].oidc[0].issuer).toMatch(/^https:\/\/oidc\.eks\.eu-west-1\.amazonaws\.com\/id\//);
    expect(attributes.vpc_config[0]).toEqual({ subnet_ids: ["subnet-1"], cluster_security_group_id: expect.stringMatching(/^sg-/) });
    expect(attributes.created_at).toBeNull();
  });

  it("leaves out what the plan deletes, and keeps each instance of a for_each resource", () => {
    const gone = { ...create("aws_vpc.Old", "aws_vpc", null, {}), change: { actions: ["delete"], before: {}, after: null, after_unknown: {} } };
    const a = { ...create('aws_subnet.A["a"]', "aws_subnet", { cidr_block: "10.0.1.0/24" }, { id: true }), name: "A", index: "a" };
    const b = { ...create('aws_subnet.A["b"]', "aws_subnet", { cidr_block: "10.0.2.0/24" }, { id: true }), name: "A", index: "b" };
    const state = JSON.parse(appliedState(plan([gone, a, b]), {}, schemas, context)) as State;
    expect(state.resources.map((resource) => `${resource.type}.${resource.name}`)).toEqual(["aws_subnet.A"]);
    expect(state.resources[0].instances.map((instance) => instance.index_key)).toEqual(["a", "b"]);
  });

  it("refuses a resource type the provider has no schema for", () => {
    expect(() => appliedState(plan([create("aws_unknown.X", "aws_unknown", {}, {})]), {}, schemas, context)).toThrow("no schema for aws_unknown");
  });

  it("lists what a plan still changes: resources and outputs, never no-ops or reads", () => {
    const noOp = { ...vpc, change: { ...vpc.change, actions: ["no-op"] } };
    const withOutputs = { ...plan([noOp, subnet]), output_changes: { a: { actions: ["no-op"] }, b: { actions: ["update"] } } } as Plan;
    expect(changedAddresses(withOutputs)).toEqual(["aws_subnet.A: create", "output.b: update"]);
  });
});
