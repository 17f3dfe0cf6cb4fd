import { Construct } from "constructs";
import { IamServiceLinkedRole } from "@cdktf/provider-aws/lib/iam-service-linked-role";

/**
 * EC2 Auto Scaling's service-linked role, for a fresh account that has none. Account-wide, so it belongs to the
 * account's bootstrap stack and not to an environment's cluster stack (a second environment would collide, and
 * destroying one environment would try to delete a role the others use). Apply it before any cluster stack: the node
 * volume key's policy names this role, and KMS rejects a policy naming a role that does not exist.
 */
export class AutoScalingServiceLinkedRole extends Construct {
  readonly role: IamServiceLinkedRole;
  readonly arn: string;

  constructor(scope: Construct, id: string) {
    super(scope, id);
    this.role = new IamServiceLinkedRole(this, "Role", {
      awsServiceName: "autoscaling.amazonaws.com",
      description: "Lets EC2 Auto Scaling launch EKS nodes with the node volume key",
    });
    this.arn = this.role.arn;
  }
}
