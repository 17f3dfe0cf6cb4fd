import { KarpenterNodeInfrastructure } from "../../../constructs/cluster/karpenter";
import { KmsKey } from "../../../constructs/security/kms-key";
import { testControlPlane } from "../../support/cluster-fixtures";
import { TEST_LOCATION } from "../../support/environments";
import { onlyResource, policyOf, resourcesOf, SynthesizedStack, synthScoped } from "../../support/synth";

type Resource = Record<string, unknown>;

/** The cluster fixture's name (support/cluster-fixtures.ts): every tag condition and name follows it. */
const CLUSTER = "shop-test";

function synthKarpenter(): SynthesizedStack {
  return JSON.parse(
    synthScoped((scope) => {
      const volumeKey = new KmsKey(scope, "VolumeKey", { description: "volumes" });
      const cluster = testControlPlane(scope, { nodeVolumeKey: volumeKey });
      const karpenter = new KarpenterNodeInfrastructure(scope, "Karpenter", { cluster, nodeVolumeKey: volumeKey });
      cluster.addServiceAccountRole("KarpenterControllerRole", {
        name: "karpenter",
        serviceAccount: "karpenter",
        statements: karpenter.controllerStatements(),
      });
    }),
  ) as SynthesizedStack;
}

describe("KarpenterNodeInfrastructure", () => {
  const synthesized = synthKarpenter();
  const roles = Object.values(resourcesOf(synthesized, "aws_iam_role"));
  const nodeRole = roles.find((role) => role.name === `${CLUSTER}-nodes-karpenter`)!;
  const nodeRoleRef = (attribute: string) => {
    const [id] = Object.entries(resourcesOf(synthesized, "aws_iam_role")).find(([, role]) => role === nodeRole)!;
    return `\${aws_iam_role.${id}.${attribute}}`;
  };

  it("gives Karpenter's nodes a role EC2 assumes, with the managed policies every node role has and no CNI policy", () => {
    expect(policyOf(nodeRole, "assume_role_policy").Statement).toEqual([
      { Effect: "Allow", Principal: { Service: "ec2.amazonaws.com" }, Action: "sts:AssumeRole" },
    ]);
    const attached = Object.values(resourcesOf(synthesized, "aws_iam_role_policy_attachment"))
      .filter((attachment) => attachment.role === nodeRoleRef("name"))
      .map((attachment) => String(attachment.policy_arn).split("/").pop())
      .sort();
    expect(attached).toEqual(["AmazonEC2ContainerRegistryPullOnly", "AmazonEKSWorkerNodePolicy", "AmazonSSMManagedInstanceCore"]);
  });

  it("creates the instance profile of that role in Terraform and lets its nodes join through an EC2_LINUX access entry", () => {
    expect(onlyResource(synthesized, "aws_iam_instance_profile")).toMatchObject({ name: `${CLUSTER}-karpenter-nodes`, role: nodeRoleRef("name") });
    const entries = Object.values(resourcesOf(synthesized, "aws_eks_access_entry")).filter((entry) => entry.type === "EC2_LINUX");
    expect(entries.map((entry) => entry.principal_arn)).toEqual([nodeRoleRef("arn")]);
  });

  it("tags the nodes' security group (the EKS cluster security group) for Karpenter's discovery", () => {
    const tag = onlyResource(synthesized, "aws_ec2_tag");
    expect(tag).toMatchObject({ key: "karpenter.sh/discovery", value: CLUSTER });
    expect(String(tag.resource_id)).toMatch(/aws_eks_cluster\..*\.vpc_config\[0\]\.cluster_security_group_id/);
  });

  it("keeps interruption messages five minutes in an SSE queue that only EventBridge and SQS may send to, over TLS", () => {
    const queue = onlyResource(synthesized, "aws_sqs_queue");
    expect(queue).toMatchObject({ message_retention_seconds: 300, sqs_managed_sse_enabled: true });
    const statements = policyOf(onlyResource(synthesized, "aws_sqs_queue_policy")).Statement;
    const send = statements.find((statement) => statement.Effect === "Allow")!;
    expect(send).toMatchObject({ Action: "sqs:SendMessage", Principal: { Service: ["events.amazonaws.com", "sqs.amazonaws.com"] } });
    expect(statements.find((statement) => statement.Effect === "Deny")).toMatchObject({
      Action: "sqs:*",
      Condition: { Bool: { "aws:SecureTransport": false } },
    });
  });

  it("sends spot interruption warnings, rebalance recommendations, instance state changes and AWS Health events to the queue", () => {
    const patterns = Object.values(resourcesOf(synthesized, "aws_cloudwatch_event_rule")).map((rule) => JSON.parse(String(rule.event_pattern)) as Resource);
    const detailTypes = patterns.map((pattern) => (pattern["detail-type"] as string[])[0]).sort();
    expect(detailTypes).toEqual(
      expect.arrayContaining([
        "AWS Health Event",
        "EC2 Instance Rebalance Recommendation",
        "EC2 Instance State-change Notification",
        "EC2 Spot Instance Interruption Warning",
      ]),
    );
    expect(patterns.find((pattern) => (pattern["detail-type"] as string[])[0] === "AWS Health Event")!.source).toEqual(["aws.health"]);
    const targets = Object.values(resourcesOf(synthesized, "aws_cloudwatch_event_target"));
    expect(targets).toHaveLength(patterns.length);
    for (const target of targets) expect(String(target.arn)).toMatch(/aws_sqs_queue\..*\.arn/);
  });

  describe("the controller's policy (Karpenter's v1.14 CloudFormation reference)", () => {
    const controller = roles.find((role) => role.name === `${CLUSTER}-karpenter`)!;
    const policy = Object.values(resourcesOf(synthesized, "aws_iam_role_policy")).find((candidate) =>
      String(candidate.role).includes("KarpenterControllerRole"),
    )!;
    const statements = policyOf(policy).Statement;
    const bySid = (sid: string) => statements.find((statement) => statement.Sid === sid)!;

    it("is the role of the karpenter service account in kube-system", () => {
      expect(String(controller.assume_role_policy)).toContain("system:serviceaccount:kube-system:karpenter");
    });

    it("creates instances, fleets and launch templates only tagged for this cluster and a NodePool", () => {
      expect(bySid("AllowScopedEC2InstanceActionsWithTags").Condition).toEqual({
        StringEquals: { [`aws:RequestTag/kubernetes.io/cluster/${CLUSTER}`]: "owned", "aws:RequestTag/eks:eks-cluster-name": CLUSTER },
        StringLike: { "aws:RequestTag/karpenter.sh/nodepool": "*" },
      });
      expect(bySid("AllowScopedDeletion").Condition).toEqual({
        StringEquals: { [`aws:ResourceTag/kubernetes.io/cluster/${CLUSTER}`]: "owned" },
        StringLike: { "aws:ResourceTag/karpenter.sh/nodepool": "*" },
      });
    });

    it("passes only the node role, only to EC2, and manages no instance profile", () => {
      expect(bySid("AllowPassingInstanceRole")).toMatchObject({ Action: "iam:PassRole", Resource: nodeRoleRef("arn") });
      const actions = statements.flatMap((statement) => [statement.Action].flat().map(String));
      expect(actions.filter((action) => /^iam:(Create|Delete|Tag|AddRoleTo|RemoveRoleFrom)InstanceProfile$/.test(action))).toEqual([]);
    });

    it("reads the AMI parameters, prices and the interruption queue, and uses the volume key only through EC2", () => {
      expect(bySid("AllowSSMReadActions").Resource).toBe(`arn:aws:ssm:${TEST_LOCATION.region}::parameter/aws/service/*`);
      expect(bySid("AllowPricingReadActions").Action).toBe("pricing:GetProducts");
      expect(String(bySid("AllowInterruptionQueueActions").Resource)).toMatch(/aws_sqs_queue\..*\.arn/);
      expect(bySid("UseVolumeKeyThroughEc2").Condition).toEqual({ StringEquals: { "kms:ViaService": `ec2.${TEST_LOCATION.region}.amazonaws.com` } });
    });
  });
});
