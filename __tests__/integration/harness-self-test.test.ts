import * as fs from "fs";
import * as path from "path";
import { App, S3Backend, TerraformStack } from "cdktf";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { DbSubnetGroup } from "@cdktf/provider-aws/lib/db-subnet-group";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { IamRolePolicyAttachment } from "@cdktf/provider-aws/lib/iam-role-policy-attachment";
import { SecurityGroup } from "@cdktf/provider-aws/lib/security-group";
import { Subnet } from "@cdktf/provider-aws/lib/subnet";
import { Vpc } from "@cdktf/provider-aws/lib/vpc";
import { runStacks } from "../../tools/harness/runner";
import { INTEGRATION_DIR } from "./paths";
import { plannedResources, Plan } from "./harness";

/**
 * The harness's own check: a stack that reads another stack's outputs (cross-stack references become
 * terraform_remote_state) plans offline, with the upstream's planned values where known and stand-ins otherwise.
 */
describe("offline runs of a stack that reads another stack's state", () => {
  const dir = path.join(INTEGRATION_DIR, "self-test");
  let results: Awaited<ReturnType<typeof runStacks>>;

  beforeAll(async () => {
    fs.rmSync(dir, { recursive: true, force: true });
    fs.mkdirSync(path.join(dir, "out"), { recursive: true });
    const app = new App({ outdir: path.join(dir, "out") });
    const backend = (stack: TerraformStack, key: string) => {
      new AwsProvider(stack, "aws", { region: "eu-west-1", allowedAccountIds: ["111122223333"] });
      new S3Backend(stack, { bucket: "state", key, region: "eu-west-1" });
    };
    const upstream = new TerraformStack(app, "upstream");
    backend(upstream, "upstream.tfstate");
    const vpc = new Vpc(upstream, "Vpc", { cidrBlock: "10.1.0.0/16" });
    const subnets = ["a", "b"].map(
      (zone, index) => new Subnet(upstream, `Subnet-${zone}`, { vpcId: vpc.id, cidrBlock: `10.1.${index}.0/24`, availabilityZone: `eu-west-1${zone}` }),
    );
    const role = new IamRole(upstream, "Role", { name: "upstream-role", assumeRolePolicy: JSON.stringify({ Version: "2012-10-17", Statement: [] }) });

    const downstream = new TerraformStack(app, "downstream");
    backend(downstream, "downstream.tfstate");
    new SecurityGroup(downstream, "Group", { name: "downstream", description: `In ${vpc.cidrBlock}`, vpcId: vpc.id });
    new DbSubnetGroup(downstream, "Subnets", { name: "downstream", subnetIds: subnets.map((subnet) => subnet.id) });
    new IamRolePolicyAttachment(downstream, "Attachment", { role: role.name, policyArn: "arn:aws:iam::aws:policy/ReadOnlyAccess" });
    app.synth();
    results = await runStacks({ outDir: path.join(dir, "out"), workDir: dir, mode: "offline" });
  });

  const plan = (stack: string): Plan => JSON.parse(fs.readFileSync(results[stack].planFile!, "utf8")) as Plan;

  it("plans the upstream first and then the stack that depends on it", () => {
    expect(results.upstream).toMatchObject({ planned: true });
    expect(results.downstream.error).toBeUndefined();
    expect(results.downstream.planned).toBe(true);
  });

  it("hands known upstream values through unchanged", () => {
    const [group] = plannedResources(plan("downstream"), "aws_security_group");
    expect(group.values.description).toBe("In 10.1.0.0/16");
    const [attachment] = plannedResources(plan("downstream"), "aws_iam_role_policy_attachment");
    expect(attachment.values.role).toBe("upstream-role");
  });

  it("stands in for values known only after apply with values of the right shape", () => {
    const [group] = plannedResources(plan("downstream"), "aws_security_group");
    expect(group.values.vpc_id).toMatch(/^vpc-[0-9a-f]{17}$/);
    const [subnetGroup] = plannedResources(plan("downstream"), "aws_db_subnet_group");
    expect(subnetGroup.values.subnet_ids).toEqual(expect.arrayContaining([expect.stringMatching(/^subnet-[0-9a-f]{17}$/)]));
    expect(subnetGroup.values.subnet_ids).toHaveLength(2);
  });
});
