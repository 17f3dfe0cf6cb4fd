import { Construct } from "constructs";
import { CloudwatchEventRule } from "@cdktf/provider-aws/lib/cloudwatch-event-rule";
import { CloudwatchEventTarget } from "@cdktf/provider-aws/lib/cloudwatch-event-target";
import { Ec2Tag } from "@cdktf/provider-aws/lib/ec2-tag";
import { EksAccessEntry } from "@cdktf/provider-aws/lib/eks-access-entry";
import { IamInstanceProfile } from "@cdktf/provider-aws/lib/iam-instance-profile";
import { SqsQueue } from "@cdktf/provider-aws/lib/sqs-queue";
import { SqsQueuePolicy } from "@cdktf/provider-aws/lib/sqs-queue-policy";
import { AwsScope, formatArn } from "../core/aws-scope";
import { policyDocument, PolicyStatement } from "../iam/policy-document";
import { KmsKey } from "../security/kms-key";
import type { EksControlPlane } from "./eks-cluster";
import { NodeRole } from "./node-role";

/** The tag Karpenter's EC2NodeClasses select subnets and security groups by; its value is the cluster name. */
export const KARPENTER_DISCOVERY_TAG = "karpenter.sh/discovery";

/**
 * The EventBridge events Karpenter acts on before AWS takes a node away (its interruption handling): each becomes a
 * rule whose target is the interruption queue. Karpenter cordons and drains the node (honouring PodDisruptionBudgets)
 * and launches a replacement as soon as the message arrives, instead of losing the pods after the two-minute warning.
 */
export const INTERRUPTION_EVENTS = {
  // Keys are short: the rules are named `<cluster>-karpenter-<key>` within EventBridge's 64 characters.
  spot: { source: "aws.ec2", detailType: "EC2 Spot Instance Interruption Warning" },
  rebalance: { source: "aws.ec2", detailType: "EC2 Instance Rebalance Recommendation" },
  "state-change": { source: "aws.ec2", detailType: "EC2 Instance State-change Notification" },
  health: { source: "aws.health", detailType: "AWS Health Event" },
  reservation: { source: "aws.ec2", detailType: "EC2 Capacity Reservation Instance Interruption Warning" },
} as const;

export interface KarpenterNodeInfrastructureProps {
  /** The cluster Karpenter launches nodes for: its name scopes every tag condition, its security group is discovered. */
  readonly cluster: EksControlPlane;
  /** Key of the nodes' root volumes: Karpenter launches the instances, so it must be able to use the key through EC2. */
  readonly nodeVolumeKey: KmsKey;
}

/**
 * What Karpenter needs on the AWS side, after the CloudFormation template Karpenter documents for v1.14: the node role
 * (the managed policies of every other node role) with an EC2_LINUX access entry and a Terraform-owned instance
 * profile (so the controller needs no iam:*InstanceProfile rights), the interruption queue (SSE, five-minute retention:
 * a message older than a spot warning is useless) fed by the EventBridge rules, and the discovery tag on the nodes'
 * security group. The controller's IAM policy is {@link karpenterControllerStatements}; its role comes from the
 * cluster's service-account-role mechanism.
 */
export class KarpenterNodeInfrastructure extends Construct {
  readonly nodeRole: NodeRole;
  readonly instanceProfile: IamInstanceProfile;
  readonly queue: SqsQueue;
  readonly accessEntry: EksAccessEntry;
  readonly rules: readonly CloudwatchEventRule[];
  private readonly clusterName: string;
  private readonly volumeKey: KmsKey;

  constructor(scope: Construct, id: string, props: KarpenterNodeInfrastructureProps) {
    super(scope, id);
    const { cluster } = props;
    const name = cluster.name;
    this.clusterName = name;
    this.volumeKey = props.nodeVolumeKey;
    this.nodeRole = new NodeRole(this, "NodeRole", { roleName: `${name}-nodes-karpenter` });
    this.instanceProfile = new IamInstanceProfile(this, "InstanceProfile", { name: `${name}-karpenter-nodes`, role: this.nodeRole.role.name });
    // Managed node groups get their node role's entry from EKS; Karpenter's instances join through this one.
    this.accessEntry = new EksAccessEntry(this, "NodeAccessEntry", { clusterName: cluster.cluster.name, principalArn: this.nodeRole.arn, type: "EC2_LINUX" });
    new Ec2Tag(this, "NodeSecurityGroupDiscoveryTag", { resourceId: cluster.clusterSecurityGroupId, key: KARPENTER_DISCOVERY_TAG, value: name });

    this.queue = new SqsQueue(this, "InterruptionQueue", {
      name: `${name}-karpenter-interruptions`,
      messageRetentionSeconds: 300,
      sqsManagedSseEnabled: true,
    });
    this.rules = Object.entries(INTERRUPTION_EVENTS).map(([event, { source, detailType }]) => {
      const rule = new CloudwatchEventRule(this, `Rule-${event}`, {
        name: `${name}-karpenter-${event}`,
        description: `${detailType} events to Karpenter's interruption queue of ${name}`,
        eventPattern: JSON.stringify({ source: [source], "detail-type": [detailType] }),
      });
      new CloudwatchEventTarget(this, `Target-${event}`, { rule: rule.name, targetId: "KarpenterInterruptionQueue", arn: this.queue.arn });
      return rule;
    });
    new SqsQueuePolicy(this, "InterruptionQueuePolicy", {
      queueUrl: this.queue.url,
      policy: policyDocument([
        {
          Sid: "EventBridgeRulesOfThisCluster",
          Effect: "Allow",
          Principal: { Service: ["events.amazonaws.com", "sqs.amazonaws.com"] },
          Action: "sqs:SendMessage",
          Resource: this.queue.arn,
        },
        {
          Sid: "DenyWithoutTls",
          Effect: "Deny",
          Principal: "*",
          Action: "sqs:*",
          Resource: this.queue.arn,
          Condition: { Bool: { "aws:SecureTransport": false } },
        },
      ]),
    });
  }

  get instanceProfileName(): string {
    return this.instanceProfile.name;
  }

  get interruptionQueueName(): string {
    return this.queue.name;
  }

  /** The controller's least-privilege statements (see {@link karpenterControllerStatements}). */
  controllerStatements(): PolicyStatement[] {
    return karpenterControllerStatements(this, {
      clusterName: this.clusterName,
      nodeRoleArn: this.nodeRole.arn,
      instanceProfileArn: this.instanceProfile.arn,
      queueArn: this.queue.arn,
      volumeKeyArn: this.volumeKey.arn,
    });
  }
}

export interface KarpenterControllerGrants {
  /** The cluster name (synth-time): every tag condition names it. */
  readonly clusterName: string;
  /** The only role the controller may pass, and only to EC2. */
  readonly nodeRoleArn: string;
  /** The Terraform-created instance profile of the nodes: the controller reads it, never creates or changes one. */
  readonly instanceProfileArn: string;
  readonly queueArn: string;
  /** Key of the nodes' root volumes, used only through EC2. */
  readonly volumeKeyArn: string;
}

/**
 * Karpenter's controller policy as its v1.14 CloudFormation template documents it (NodeLifecycle, IAMIntegration,
 * EKSIntegration, Interruption and ResourceDiscovery policies): instances, fleets, launch templates, volumes and network
 * interfaces are created only with this cluster's `kubernetes.io/cluster/<cluster>=owned` and `eks:eks-cluster-name`
 * request tags and a `karpenter.sh/nodepool` tag, and touched or deleted only while they carry them; iam:PassRole only
 * of the node role to EC2. Left out: the instance profile management statements (the EC2NodeClasses name the profile
 * Terraform created) and the zonal-shift read (`enableZonalShift` stays off). Added: the node volume key, through EC2 only.
 */
export function karpenterControllerStatements(scope: Construct, grants: KarpenterControllerGrants): PolicyStatement[] {
  const { clusterName } = grants;
  const { region } = AwsScope.of(scope);
  const ec2 = (resource: string, account = "*") => formatArn(scope, { service: "ec2", account, resource });
  const clusterTag = `kubernetes.io/cluster/${clusterName}`;
  const launchedResources = ["fleet/*", "instance/*", "volume/*", "network-interface/*", "launch-template/*", "spot-instances-request/*"].map((resource) =>
    ec2(resource),
  );
  const requestTagged = {
    StringEquals: { [`aws:RequestTag/${clusterTag}`]: "owned", "aws:RequestTag/eks:eks-cluster-name": clusterName },
    StringLike: { "aws:RequestTag/karpenter.sh/nodepool": "*" },
  };
  const ownedByNodePool = { StringEquals: { [`aws:ResourceTag/${clusterTag}`]: "owned" }, StringLike: { "aws:ResourceTag/karpenter.sh/nodepool": "*" } };
  return [
    {
      Sid: "AllowScopedEC2InstanceAccessActions",
      Effect: "Allow",
      Action: ["ec2:RunInstances", "ec2:CreateFleet"],
      Resource: [ec2("image/*", ""), ec2("snapshot/*", ""), ec2("security-group/*"), ec2("subnet/*"), ec2("capacity-reservation/*"), ec2("placement-group/*")],
    },
    {
      Sid: "AllowScopedEC2LaunchTemplateAccessActions",
      Effect: "Allow",
      Action: ["ec2:RunInstances", "ec2:CreateFleet"],
      Resource: ec2("launch-template/*"),
      Condition: ownedByNodePool,
    },
    {
      Sid: "AllowScopedEC2InstanceActionsWithTags",
      Effect: "Allow",
      Action: ["ec2:RunInstances", "ec2:CreateFleet", "ec2:CreateLaunchTemplate"],
      Resource: launchedResources,
      Condition: requestTagged,
    },
    {
      Sid: "AllowScopedResourceCreationTagging",
      Effect: "Allow",
      Action: "ec2:CreateTags",
      Resource: launchedResources,
      Condition: {
        StringEquals: { ...requestTagged.StringEquals, "ec2:CreateAction": ["RunInstances", "CreateFleet", "CreateLaunchTemplate"] },
        StringLike: requestTagged.StringLike,
      },
    },
    {
      Sid: "AllowScopedResourceTagging",
      Effect: "Allow",
      Action: "ec2:CreateTags",
      Resource: ec2("instance/*"),
      Condition: {
        ...ownedByNodePool,
        StringEqualsIfExists: { "aws:RequestTag/eks:eks-cluster-name": clusterName },
        "ForAllValues:StringEquals": { "aws:TagKeys": ["eks:eks-cluster-name", "karpenter.sh/nodeclaim", "Name"] },
      },
    },
    {
      Sid: "AllowScopedDeletion",
      Effect: "Allow",
      Action: ["ec2:TerminateInstances", "ec2:DeleteLaunchTemplate"],
      Resource: [ec2("instance/*"), ec2("launch-template/*")],
      Condition: ownedByNodePool,
    },
    {
      Sid: "AllowPassingInstanceRole",
      Effect: "Allow",
      Action: "iam:PassRole",
      Resource: grants.nodeRoleArn,
      Condition: { StringEquals: { "iam:PassedToService": ["ec2.amazonaws.com", "ec2.amazonaws.com.cn"] } },
    },
    {
      Sid: "AllowInstanceProfileReadActions",
      Effect: "Allow",
      Action: "iam:GetInstanceProfile",
      Resource: grants.instanceProfileArn,
    },
    { Sid: "AllowUnscopedInstanceProfileListAction", Effect: "Allow", Action: "iam:ListInstanceProfiles", Resource: "*" },
    {
      Sid: "AllowAPIServerEndpointDiscovery",
      Effect: "Allow",
      Action: "eks:DescribeCluster",
      Resource: formatArn(scope, { service: "eks", resource: `cluster/${clusterName}` }),
    },
    {
      Sid: "AllowInterruptionQueueActions",
      Effect: "Allow",
      Action: ["sqs:DeleteMessage", "sqs:GetQueueUrl", "sqs:ReceiveMessage"],
      Resource: grants.queueArn,
    },
    {
      Sid: "AllowRegionalReadActions",
      Effect: "Allow",
      Action: [
        "ec2:DescribeCapacityReservations",
        "ec2:DescribeImages",
        "ec2:DescribeInstances",
        "ec2:DescribeInstanceStatus",
        "ec2:DescribeInstanceTypeOfferings",
        "ec2:DescribeInstanceTypes",
        "ec2:DescribeLaunchTemplates",
        "ec2:DescribePlacementGroups",
        "ec2:DescribeSecurityGroups",
        "ec2:DescribeSpotPriceHistory",
        "ec2:DescribeSubnets",
      ],
      Resource: "*",
      Condition: { StringEquals: { "aws:RequestedRegion": region } },
    },
    {
      Sid: "AllowSSMReadActions",
      Effect: "Allow",
      Action: "ssm:GetParameter",
      Resource: formatArn(scope, { service: "ssm", account: "", resource: "parameter/aws/service/*" }),
    },
    { Sid: "AllowPricingReadActions", Effect: "Allow", Action: "pricing:GetProducts", Resource: "*" },
    {
      Sid: "GrantVolumeKeyToEc2",
      Effect: "Allow",
      Action: "kms:CreateGrant",
      Resource: grants.volumeKeyArn,
      Condition: { Bool: { "kms:GrantIsForAWSResource": true }, StringEquals: { "kms:ViaService": `ec2.${region}.amazonaws.com` } },
    },
    {
      Sid: "UseVolumeKeyThroughEc2",
      Effect: "Allow",
      Action: ["kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:DescribeKey"],
      Resource: grants.volumeKeyArn,
      Condition: { StringEquals: { "kms:ViaService": `ec2.${region}.amazonaws.com` } },
    },
  ];
}
