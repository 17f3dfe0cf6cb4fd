import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { App, S3Backend, TerraformStack } from "cdktf";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { SecurityGroup } from "@cdktf/provider-aws/lib/security-group";
import { DbSubnetGroup } from "@cdktf/provider-aws/lib/db-subnet-group";
import { Subnet } from "@cdktf/provider-aws/lib/subnet";
import { Vpc } from "@cdktf/provider-aws/lib/vpc";
import { PLANNED_UPSTREAM_OVERRIDE, writePlannedUpstreams } from "../../../tools/harness/planned-upstream";

/** A network stack that gains a subnet, and a stack that reads every subnet: the added-AZ case of a pull request. */
function synthesize(zones: readonly string[]): string {
  const outDir = fs.mkdtempSync(path.join(os.tmpdir(), "planned-upstream-"));
  const app = new App({ outdir: outDir });
  const stack = (id: string) => {
    const created = new TerraformStack(app, id);
    new AwsProvider(created, "aws", { region: "eu-west-1" });
    new S3Backend(created, { bucket: "state", key: `${id}.tfstate`, region: "eu-west-1" });
    return created;
  };
  const network = stack("network");
  const vpc = new Vpc(network, "Vpc", { cidrBlock: "10.0.0.0/16" });
  const subnets = zones.map((zone, index) => new Subnet(network, `Subnet-${zone}`, { vpcId: vpc.id, cidrBlock: `10.0.${index}.0/24`, availabilityZone: zone }));
  const cluster = stack("cluster");
  new DbSubnetGroup(cluster, "Subnets", { name: "all", subnetIds: subnets.map((subnet) => subnet.id) });
  new SecurityGroup(cluster, "Group", { name: "nodes", vpcId: vpc.id });
  app.synth();
  return outDir;
}

interface State {
  outputs: Record<string, { value: unknown }>;
}

describe("a downstream stack's review plan against its upstream's planned outputs", () => {
  const outDir = synthesize(["eu-west-1a", "eu-west-1b", "eu-west-1c"]);
  const networkJson = JSON.parse(fs.readFileSync(path.join(outDir, "stacks", "network", "cdk.tf.json"), "utf8")) as {
    output: Record<string, { value: string }>;
  };
  const vpcOutput = Object.keys(networkJson.output).find((name) => networkJson.output[name].value.startsWith("${aws_vpc."))!;
  const dir = path.join(outDir, "stacks", "cluster");
  // The network's plan of the added AZ: the VPC exists (its id is known), the new subnet's id is known after apply.
  const written = writePlannedUpstreams(
    outDir,
    "cluster",
    { network: { planned_values: { outputs: { [vpcOutput]: { sensitive: false, value: "vpc-0123456789abcdef0" } }, root_module: {} } } },
    dir,
  );

  it("points every terraform_remote_state of the stack at a state of the upstream's planned outputs", () => {
    expect(written.map((file) => path.basename(file)).sort()).toEqual(["planned-network.tfstate", PLANNED_UPSTREAM_OVERRIDE]);
    const override = JSON.parse(fs.readFileSync(path.join(dir, PLANNED_UPSTREAM_OVERRIDE), "utf8")) as {
      data: { terraform_remote_state: Record<string, unknown> };
    };
    const clusterJson = JSON.parse(fs.readFileSync(path.join(dir, "cdk.tf.json"), "utf8")) as { data: { terraform_remote_state: Record<string, unknown> } };
    expect(Object.keys(override.data.terraform_remote_state)).toEqual(Object.keys(clusterJson.data.terraform_remote_state));
    expect(Object.values(override.data.terraform_remote_state)).toEqual([{ backend: "local", config: { path: "planned-network.tfstate" } }]);
  });

  it("holds every output the upstream will have, the new subnet's included: known values as planned, the rest stood in", () => {
    const state = JSON.parse(fs.readFileSync(path.join(dir, "planned-network.tfstate"), "utf8")) as State;
    expect(Object.keys(state.outputs).sort()).toEqual(Object.keys(networkJson.output).sort());
    expect(state.outputs[vpcOutput].value).toBe("vpc-0123456789abcdef0");
    const subnetIds = Object.entries(networkJson.output)
      .filter(([, output]) => output.value.startsWith("${aws_subnet."))
      .map(([name]) => state.outputs[name].value);
    expect(subnetIds).toHaveLength(3);
    for (const id of subnetIds) expect(id).toMatch(/^subnet-[0-9a-f]{17}$/);
  });

  it("refuses when an upstream the stack reads has no plan", () => {
    expect(() => writePlannedUpstreams(outDir, "cluster", {}, dir)).toThrow("cluster reads network: give each as <stack>=<plan.json>");
  });
});
