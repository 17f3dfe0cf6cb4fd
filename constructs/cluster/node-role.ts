import { Construct } from "constructs";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { IamRolePolicyAttachment } from "@cdktf/provider-aws/lib/iam-role-policy-attachment";
import { awsManagedPolicyArn } from "../core/aws-scope";
import { policyDocument } from "../iam/policy-document";

/**
 * What a node itself needs: join the cluster, pull images, be reachable through SSM instead of SSH. The VPC CNI's
 * permissions are deliberately absent: the CNI gets them through IRSA, so pods never inherit them from the node.
 */
const NODE_MANAGED_POLICIES = ["AmazonEKSWorkerNodePolicy", "AmazonEC2ContainerRegistryPullOnly", "AmazonSSMManagedInstanceCore"] as const;

export interface NodeRoleProps {
  /** Role name (≤ 64 characters). */
  readonly roleName: string;
}

/** The IAM role of the nodes of one node group. EKS gives it an EC2_LINUX access entry itself (API mode). */
export class NodeRole extends Construct {
  readonly role: IamRole;
  readonly arn: string;

  constructor(scope: Construct, id: string, props: NodeRoleProps) {
    super(scope, id);
    this.role = new IamRole(this, "Role", {
      name: props.roleName,
      description: "EKS worker nodes",
      // EC2 passes no source account when an instance profile assumes its role, so the trust cannot be narrowed further.
      assumeRolePolicy: policyDocument([{ Effect: "Allow", Principal: { Service: "ec2.amazonaws.com" }, Action: "sts:AssumeRole" }]),
    });
    this.arn = this.role.arn;
    for (const policy of NODE_MANAGED_POLICIES) {
      new IamRolePolicyAttachment(this, policy, { role: this.role.name, policyArn: awsManagedPolicyArn(this, policy) });
    }
  }
}
