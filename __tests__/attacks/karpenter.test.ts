import { evaluate, IamRequest, PolicyDocumentJson } from "../../constructs/policy/iam-evaluator";
import { ClusterStack } from "../../stacks/cluster-stack";
import { NetworkStack } from "../../stacks/network-stack";
import { shippedWith, testApp } from "../support/environments";
import { policyOf, resourcesOf, synthStack } from "../support/synth";

/**
 * Attacks on Karpenter's controller role as an environment with `cluster.autoscaler: karpenter` synthesizes it: what a
 * compromised controller (or a pod that steals its token) tries beyond launching and removing its own cluster's nodes.
 * Its own policy must refuse each; the boundary only narrows further (the effective-permissions contract checks the grants hold under it).
 */
const environment = shippedWith("with Karpenter (cluster.autoscaler: karpenter)", (candidate) => candidate.cluster.autoscaler === "karpenter");
const app = testApp();
const network = new NetworkStack(app, environment);
const synthesized = synthStack(new ClusterStack(app, environment, { network: network.network }));
const cluster = environment.prefix;
const { region, id: account } = environment.account;
const arn = (service: string, resource: string, inRegion = region) => `arn:${environment.partition}:${service}:${inRegion}:${account}:${resource}`;

const [nodeRoleId] = Object.entries(resourcesOf(synthesized, "aws_iam_role")).find(([, role]) => role.name === `${cluster}-nodes-karpenter`)!;
/** The node role's ARN as the policy names it (a reference the apply resolves). */
const nodeRole = `\${aws_iam_role.${nodeRoleId}.arn}`;
const controller: PolicyDocumentJson[] = Object.values(resourcesOf(synthesized, "aws_iam_role_policy"))
  .filter((policy) => String(policy.role).includes("KarpenterControllerRole"))
  .map((policy) => policyOf(policy) as unknown as PolicyDocumentJson);

const ownTags = {
  [`aws:RequestTag/kubernetes.io/cluster/${cluster}`]: "owned",
  "aws:RequestTag/eks:eks-cluster-name": cluster,
  "aws:RequestTag/karpenter.sh/nodepool": "stateless",
  "aws:RequestedRegion": region,
};
const ownInstance = { [`aws:ResourceTag/kubernetes.io/cluster/${cluster}`]: "owned", "aws:ResourceTag/karpenter.sh/nodepool": "stateless" };

const decide = (request: IamRequest) => evaluate(request, controller);

describe(`Karpenter's controller in ${environment.name}`, () => {
  it("has a policy to attack", () => {
    expect(controller).toHaveLength(1);
  });

  it("still does its job: launches tagged instances, passes its node role to EC2, terminates its own nodes", () => {
    expect(decide({ action: "ec2:RunInstances", resource: arn("ec2", "instance/*"), context: ownTags })).toBe("allowed");
    expect(decide({ action: "iam:PassRole", resource: nodeRole, context: { "iam:PassedToService": "ec2.amazonaws.com" } })).toBe("allowed");
    expect(decide({ action: "ec2:TerminateInstances", resource: arn("ec2", "instance/i-0123456789abcdef0"), context: ownInstance })).toBe("allowed");
  });

  it.each([
    [
      "passes another role of the environment to EC2",
      { action: "iam:PassRole", resource: arn("iam", `role/${cluster}-nodes-system`, ""), context: { "iam:PassedToService": "ec2.amazonaws.com" } },
    ],
    [
      "passes its own role to EC2",
      { action: "iam:PassRole", resource: arn("iam", `role/${cluster}-karpenter`, ""), context: { "iam:PassedToService": "ec2.amazonaws.com" } },
    ],
    ["passes the node role to another service", { action: "iam:PassRole", resource: nodeRole, context: { "iam:PassedToService": "lambda.amazonaws.com" } }],
    [
      "runs an instance without the cluster tag",
      { action: "ec2:RunInstances", resource: arn("ec2", "instance/*"), context: { "aws:RequestTag/karpenter.sh/nodepool": "x" } },
    ],
    [
      "runs an instance tagged for another cluster",
      {
        action: "ec2:RunInstances",
        resource: arn("ec2", "instance/*"),
        context: {
          "aws:RequestTag/kubernetes.io/cluster/other": "owned",
          "aws:RequestTag/eks:eks-cluster-name": "other",
          "aws:RequestTag/karpenter.sh/nodepool": "x",
        },
      },
    ],
    [
      "runs an instance with the cluster tag but no NodePool (posing as a managed node)",
      {
        action: "ec2:RunInstances",
        resource: arn("ec2", "instance/*"),
        context: { [`aws:RequestTag/kubernetes.io/cluster/${cluster}`]: "owned", "aws:RequestTag/eks:eks-cluster-name": cluster },
      },
    ],
    [
      "terminates a managed node group's instance (cluster tag, no NodePool)",
      {
        action: "ec2:TerminateInstances",
        resource: arn("ec2", "instance/i-0fedcba9876543210"),
        context: { [`aws:ResourceTag/kubernetes.io/cluster/${cluster}`]: "owned" },
      },
    ],
    [
      "terminates another cluster's Karpenter node",
      {
        action: "ec2:TerminateInstances",
        resource: arn("ec2", "instance/i-0fedcba9876543210"),
        context: { "aws:ResourceTag/kubernetes.io/cluster/other": "owned", "aws:ResourceTag/karpenter.sh/nodepool": "x" },
      },
    ],
    [
      "retags its node into another cluster",
      {
        action: "ec2:CreateTags",
        resource: arn("ec2", "instance/i-0123456789abcdef0"),
        context: { ...ownInstance, "aws:TagKeys": ["kubernetes.io/cluster/other"] },
      },
    ],
    ["creates an instance profile", { action: "iam:CreateInstanceProfile", resource: arn("iam", "instance-profile/anything", ""), context: {} }],
    ["reads another queue", { action: "sqs:ReceiveMessage", resource: arn("sqs", "other-queue"), context: {} }],
    ["describes instances in another region", { action: "ec2:DescribeInstances", resource: "*", context: { "aws:RequestedRegion": "us-east-1" } }],
    ["reads a parameter of its own account", { action: "ssm:GetParameter", resource: arn("ssm", `parameter/${cluster}/secret`), context: {} }],
  ] as [string, IamRequest][])("cannot: %s", (_attack, request) => {
    expect(decide(request)).not.toBe("allowed");
  });
});
