import { prepareCrossStackReferences } from "../../../constructs/core/cdktf-internals";
import { Construct } from "constructs";
import { Aspects, TerraformStack, Testing } from "cdktf";
import { EksNodeGroup } from "@cdktf/provider-aws/lib/eks-node-group";
import { S3Bucket } from "@cdktf/provider-aws/lib/s3-bucket";
import { SecurityGroup } from "@cdktf/provider-aws/lib/security-group";
import { evaluatePolicy } from "../../../constructs/policy/evaluate";
import { PolicyAspect } from "../../../constructs/policy/policy-aspect";
import { PolicyViolationError } from "../../../constructs/policy/report";
import { suppress } from "../../../constructs/policy/suppressions";
import { NetworkStack } from "../../../stacks/network-stack";
import { shippedEnvironment, testApp, testEnvironment } from "../../support/environments";
import { bucket } from "./fixtures/storage";

/** Synthesizes a fixture stack under the policy aspect; returns the printed lines, or the violation it threw. */
function synthWithPolicy(build: (stack: TerraformStack) => void, production = true): { lines: string[]; error?: PolicyViolationError } {
  const lines: string[] = [];
  try {
    Testing.synthScope((scope) => {
      Aspects.of(scope).add(new PolicyAspect({ production, log: (line) => lines.push(line) }));
      build(scope as TerraformStack);
    });
  } catch (error) {
    if (error instanceof PolicyViolationError) return { lines, error };
    throw error;
  }
  return { lines };
}

describe("PolicyAspect", () => {
  it("fails synth with every error finding listed: resource, rule, what is wrong and how to fix it", () => {
    const { error } = synthWithPolicy((stack) => {
      new S3Bucket(stack, "bare", { bucket: "bare" });
      new SecurityGroup(stack, "open", {
        name: "open",
        description: "open to the world",
        vpcId: "vpc-1",
        ingress: [{ description: "ssh", protocol: "tcp", fromPort: 22, toPort: 22, cidrBlocks: ["0.0.0.0/0"] }],
      });
    });
    expect(error).toBeDefined();
    const findings = error!.report.findings.map((finding) => `${finding.ruleId} ${finding.address}`).sort();
    expect(findings).toEqual([
      "PLT-S3-001 aws_s3_bucket.bare",
      "PLT-S3-002 aws_s3_bucket.bare",
      "PLT-S3-003 aws_s3_bucket.bare",
      "PLT-S3-004 aws_s3_bucket.bare",
      "PLT-S3-005 aws_s3_bucket.bare",
      "PLT-SG-002 aws_security_group.open",
    ]);
    expect(error!.message).toContain("policy: stack: 6 error findings; synth stopped:");
    expect(error!.message).toContain(
      "error PLT-SG-002 aws_security_group.open (stack/open): ingress from 0.0.0.0/0 to port 22. Fix: admit the load balancer's or the peer's security group",
    );
    expect(error!.message.split("\n").filter((line) => line.startsWith("  error PLT-S3-"))).toHaveLength(5);
  });

  it("fails app.synth() as well, so `cdktf synth` stops", () => {
    const app = testApp();
    const stack = new TerraformStack(app, "unsafe");
    Aspects.of(stack).add(new PolicyAspect({ production: true, log: () => undefined }));
    new S3Bucket(stack, "bare", { bucket: "bare" });
    expect(() => app.synth()).toThrow(/PLT-S3-001 aws_s3_bucket\.bare \(unsafe\/bare\)/);
  });

  it("prints warnings without failing synth", () => {
    const { lines, error } = synthWithPolicy((stack) => {
      new SecurityGroup(stack, "undescribed", { name: "undescribed", vpcId: "vpc-1" });
    });
    expect(error).toBeUndefined();
    expect(lines[0]).toBe("policy: stack (production): 3 rules checked on 1 resource, 0 errors, 1 warning, 0 suppressed");
    expect(lines[1]).toMatch(/^ {2}warning PLT-SG-001 aws_security_group\.undescribed \(stack\/undescribed\): no description on the group\. Fix: /);
  });

  it("applies a suppression to the construct's resources and lists it with its reason in the summary", () => {
    const { lines, error } = synthWithPolicy((stack) => {
      const logs = new Construct(stack, "Logs");
      bucket(stack, "neighbour"); // compliant: the suppressions on Logs must not reach it
      new S3Bucket(logs, "Bucket", { bucket: "logs" });
      for (const rule of ["PLT-S3-001", "PLT-S3-002", "PLT-S3-003", "PLT-S3-004", "PLT-S3-005"]) suppress(logs, rule, `fixture accepts ${rule}`);
    });
    expect(error).toBeUndefined();
    expect(lines).toContain("  suppressed: PLT-S3-005 on stack/Logs/Bucket (fixture accepts PLT-S3-005)");
    expect(lines.filter((line) => line.startsWith("  suppressed:"))).toHaveLength(5);
  });

  it("reports a suppression that matches no finding, so stale exceptions get removed", () => {
    const { lines } = synthWithPolicy((stack) => {
      bucket(stack, "compliant");
      suppress(stack.node.findChild("compliant"), "PLT-S3-003", "no longer needed");
    });
    expect(lines).toContain("  unused suppression: PLT-S3-003 on stack/compliant matches no finding; remove it");
  });

  it("refuses a suppression without a reason or for an unknown rule", () => {
    const stack = new TerraformStack(testApp(), "s");
    expect(() => suppress(stack, "PLT-S3-005", "  ")).toThrow("suppress(s, PLT-S3-005): a suppression needs a written reason");
    expect(() => suppress(stack, "PLT-S3-999", "typo")).toThrow('suppress(s): unknown policy rule "PLT-S3-999"');
  });

  it("prints the summary once per stack however often the stack is synthesized", () => {
    const lines: string[] = [];
    const stack = new TerraformStack(testApp(), "twice");
    Aspects.of(stack).add(new PolicyAspect({ production: false, log: (line) => lines.push(line) }));
    bucket(stack, "compliant");
    Testing.synth(stack);
    Testing.synth(stack);
    expect(lines.filter((line) => line.startsWith("policy: twice"))).toHaveLength(1);
  });

  it("fails a production network stack whose config turns flow logs off", () => {
    const environment = testEnvironment({ network: { flowLogs: { enabled: false } } });
    expect(() => Testing.synth(new NetworkStack(testApp(), environment))).toThrow(
      /PLT-VPC-001 aws_vpc\.Network_Vpc_[0-9A-F]+ \(test-network\/Network\/Vpc\): the VPC has no flow log/,
    );
  });

  it.each([
    ["after app.synth() has prepared the cross-stack references", true],
    ["when a unit test synthesizes the consuming stack alone", false],
  ])("follows node group subnets into the network stack to count their AZs, %s", (_, prepared) => {
    const app = testApp();
    const network = new NetworkStack(app, shippedEnvironment("prod")).network;
    const cluster = new TerraformStack(app, "cluster");
    const nodeGroup = (id: string, subnets: typeof network.privateSubnets) =>
      new EksNodeGroup(cluster, id, {
        labels: { role: id },
        clusterName: "c",
        nodeRoleArn: "arn:aws:iam::111122223333:role/node",
        subnetIds: subnets.map(({ subnet }) => subnet.id),
        scalingConfig: { minSize: 3, maxSize: 6, desiredSize: 3 },
        launchTemplate: { id: "lt-1", version: "1" },
      });
    nodeGroup("every_zone", network.privateSubnets);
    nodeGroup("two_zones", network.privateSubnets.slice(0, 2));
    // What app.synth() does before the aspects run: cross-stack references become remote-state outputs.
    if (prepared) prepareCrossStackReferences(app);
    const findings = evaluatePolicy(cluster, { production: true }).findings.map((finding) => `${finding.ruleId} ${finding.address}: ${finding.problem}`);
    expect(findings).toEqual(["PLT-REL-002 aws_eks_node_group.two_zones: the node group spans 2 AZs"]);
  });
});
