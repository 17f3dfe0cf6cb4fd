import { Construct } from "constructs";
import { SecurityGroup } from "@cdktf/provider-aws/lib/security-group";
import { VpcSecurityGroupEgressRule } from "@cdktf/provider-aws/lib/vpc-security-group-egress-rule";

/** What a deploy runner's security group is for. */
export interface RunnerSecurityGroupProps {
  /** Name of the group (and its Name tag): the runner's name. */
  readonly name: string;
  /** The group's description: who runs behind it. */
  readonly description: string;
  /** The VPC the runner runs in. */
  readonly vpcId: string;
  /** The egress rule's description: what the runner reaches over HTTPS. */
  readonly httpsTo: string;
}

/**
 * The security group of a deploy runner inside the environment's VPC (GitHub's CodeBuild runner, Terraform Cloud's
 * agents): no ingress, HTTPS out only (its service, registries, the AWS APIs and the private cluster endpoint, which
 * admits exactly this group). Created as `SecurityGroup` and `HttpsOut` in `scope`.
 */
export function runnerSecurityGroup(scope: Construct, props: RunnerSecurityGroupProps): SecurityGroup {
  const group = new SecurityGroup(scope, "SecurityGroup", {
    name: props.name,
    description: props.description,
    vpcId: props.vpcId,
    tags: { Name: props.name },
  });
  new VpcSecurityGroupEgressRule(scope, "HttpsOut", {
    securityGroupId: group.id,
    description: props.httpsTo,
    ipProtocol: "tcp",
    fromPort: 443,
    toPort: 443,
    cidrIpv4: "0.0.0.0/0",
  });
  return group;
}
