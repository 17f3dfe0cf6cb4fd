import { Construct, IConstruct } from "constructs";
import type { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import type { PolicyStatement } from "../iam/policy-document";

/**
 * The one shape of every grant in constructs/: a grant names its grantee (an `IGrantee`, or an `IRoleGrantee` when it
 * adds to the grantee's own policies) and returns a `Grant`: the statements it granted and where it attached them.
 * `KmsKey.grantPrincipal`/`grantService`/`grantIdentity`/`grantDecryptThrough`, `AuroraPostgres.grantConnect` and
 * `EksControlPlane.grantAccess` follow it.
 */

/** An IAM principal a construct grants access to. */
export interface IGrantee {
  /** ARN of the IAM role or user that receives the grant. */
  readonly grantPrincipalArn: string;
}

/** An IAM role whose identity policies a grant may add to: the grant creates its policy next to the role. */
export interface IRoleGrantee extends IGrantee {
  /** Name of the role, which the grant's inline policy attaches to. */
  readonly grantRoleName: string;
  /** The construct under which a grant creates the role's policy (next to the role, so in the role's stack). */
  readonly grantScope: Construct;
  /** Start of the construct id of a policy a grant creates under `grantScope`, keeping ids unique there. */
  readonly grantIdPrefix: string;
}

/** What a grant granted, and where. */
export interface Grant {
  /** The IAM policy statements granted; none when the grant is not a policy statement (an EKS access entry). */
  readonly statements: readonly PolicyStatement[];
  /**
   * Where the grant was attached: the resource that holds it (the key whose key policy has the statements, the role
   * policy created for the grantee, the access entry); undefined when the caller attaches `statements` to the
   * grantee's own identity policy.
   */
  readonly attachedTo?: IConstruct;
}

/** An IAM principal by its ARN, as a grantee (a role of another stack or account, a deploy role by name). */
export function principalGrantee(principalArn: string): IGrantee {
  return { grantPrincipalArn: principalArn };
}

/** A role created directly with the provider's `IamRole`, as a grantee: grants create its policies beside it, named after it. */
export function iamRoleGrantee(role: IamRole): IRoleGrantee {
  return { grantPrincipalArn: role.arn, grantRoleName: role.name, grantScope: role.node.scope!, grantIdPrefix: `${role.node.id}-` };
}
