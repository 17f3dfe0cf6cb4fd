import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { App, CloudBackend, NamedCloudWorkspace, TerraformStack } from "cdktf";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { Vpc } from "@cdktf/provider-aws/lib/vpc";
import { SecurityGroup } from "@cdktf/provider-aws/lib/security-group";
import { TfeProvider } from "@cdktf/provider-tfe/lib/provider";
import { Project } from "@cdktf/provider-tfe/lib/project";
import { harnessStacks, isPlannable } from "../../../tools/harness/stacks";

/** Two stacks in Terraform Cloud workspaces (one reads the other's VPC) and a tfe-only stack, as a Terraform Cloud environment synthesizes. */
function synthesize(): string {
  const outDir = fs.mkdtempSync(path.join(os.tmpdir(), "harness-stacks-"));
  const app = new App({ outdir: outDir });
  const inCloud = (id: string) => {
    const stack = new TerraformStack(app, id);
    new AwsProvider(stack, "aws", { region: "eu-west-1" });
    new CloudBackend(stack, { organization: "acme", workspaces: new NamedCloudWorkspace(`cdktf-${id}`) });
    return stack;
  };
  const vpc = new Vpc(inCloud("network"), "Vpc", { cidrBlock: "10.0.0.0/16" });
  new SecurityGroup(inCloud("cluster"), "Nodes", { name: "nodes", vpcId: vpc.id });
  const workspaces = new TerraformStack(app, "workspaces");
  new TfeProvider(workspaces, "tfe", { organization: "acme" });
  new Project(workspaces, "Project", { name: "acme-dev" });
  app.synth();
  return outDir;
}

describe("the offline harness reads a Terraform Cloud environment", () => {
  const stacks = Object.fromEntries(harnessStacks(synthesize()).map((stack) => [stack.name, stack]));

  it("finds the workspace a stack's remote state names: the stack whose cloud block is that workspace", () => {
    expect(Object.values(stacks.cluster.upstreams)).toEqual(["network"]);
    expect(stacks.network.upstreams).toEqual({});
  });

  it("plans the stacks with an AWS provider and skips the one with none (tfe only), which has no stand-in context", () => {
    expect(isPlannable(stacks.network, ["hashicorp/aws"])).toBe(true);
    expect(isPlannable(stacks.cluster, ["hashicorp/aws"])).toBe(true);
    expect(stacks.workspaces.context).toBeUndefined();
    expect(isPlannable(stacks.workspaces, ["hashicorp/aws", "hashicorp/tfe"])).toBe(false);
  });
});
