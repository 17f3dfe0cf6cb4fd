import { IAspect } from "cdktf";
import { IConstruct } from "constructs";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";

/**
 * Puts the environment's permissions boundary on every IAM role of a stack. The deploy role may only create roles
 * that carry it (an `iam:PermissionsBoundary` condition), so a role without it would fail to deploy; the aspect makes
 * that impossible to forget in any construct, present or future.
 */
export class PermissionsBoundaryAspect implements IAspect {
  constructor(private readonly boundaryArn: string) {}

  visit(node: IConstruct): void {
    if (node instanceof IamRole && node.permissionsBoundaryInput === undefined) {
      node.permissionsBoundary = this.boundaryArn;
    }
  }
}
