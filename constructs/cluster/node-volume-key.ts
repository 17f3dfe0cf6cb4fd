import { Construct } from "constructs";
import { roleArn } from "../core/aws-scope";
import { principalGrantee } from "../core/grants";
import { KmsKey } from "../security/kms-key";

/** The Auto Scaling service-linked role: it launches the instances of managed node groups. */
const AUTO_SCALING_SERVICE_LINKED_ROLE = "aws-service-role/autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling";

export interface NodeVolumeKeyProps {
  /** `<project>-<environment>`: the prefix of the alias (`<prefix>-eks-volumes`) and the description. */
  readonly namePrefix: string;
}

/**
 * The key of the EKS node root volumes, which the EBS CSI driver may use for persistent volumes too. The Auto Scaling
 * service-linked role launches the nodes, so it must be able to use the key and grant it to EC2 for the volumes;
 * that goes through the key policy, since identity policies of service-linked roles cannot be changed.
 */
export class NodeVolumeKey extends KmsKey {
  constructor(scope: Construct, id: string, props: NodeVolumeKeyProps) {
    super(scope, id, { description: `${props.namePrefix} EKS node and persistent volumes`, alias: `${props.namePrefix}-eks-volumes` });
    const autoScaling = roleArn(this, AUTO_SCALING_SERVICE_LINKED_ROLE);
    this.grantPrincipal(principalGrantee(autoScaling), "AutoScalingUsesKeyForNodeVolumes", [
      "kms:Encrypt",
      "kms:Decrypt",
      "kms:ReEncrypt*",
      "kms:GenerateDataKey*",
      "kms:DescribeKey",
    ]);
    this.grantPrincipal(principalGrantee(autoScaling), "AutoScalingGrantsKeyToEc2", ["kms:CreateGrant"], { Bool: { "kms:GrantIsForAWSResource": true } });
  }
}
