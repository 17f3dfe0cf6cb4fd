import { Construct } from "constructs";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy";
import { IamRolePolicyAttachment } from "@cdktf/provider-aws/lib/iam-role-policy-attachment";
import { IRoleGrantee } from "../core/grants";
import { policyDocument, PolicyStatement } from "./policy-document";

/** The cluster's IAM OIDC provider as IRSA needs it. */
export interface OidcProviderRef {
  /** ARN of the `aws_iam_openid_connect_provider`. */
  readonly arn: string;
  /** Issuer without the scheme (`oidc.eks.<region>.amazonaws.com/id/<id>`): the prefix of the trust condition keys. */
  readonly issuer: string;
}

export interface IrsaRoleProps {
  /** The cluster's OIDC provider: the role trusts the service account through it. */
  readonly oidcProvider: OidcProviderRef;
  /** Role name (≤ 64 characters). */
  readonly roleName: string;
  /** Namespace of the service account the role trusts. */
  readonly namespace: string;
  /** Name of the service account the role trusts. */
  readonly serviceAccount: string;
  /** The role's inline policy: least privilege for what the workload does. @default none */
  readonly statements?: PolicyStatement[];
  /** AWS managed policies, for add-ons whose published policy is the documented least privilege. @default none */
  readonly managedPolicyArns?: string[];
  /** The role's description. @default "IRSA role of <namespace>/<serviceAccount>" */
  readonly description?: string;
}

/**
 * An IAM role for exactly one Kubernetes service account (IRSA): the trust policy pins both the `:sub`
 * (system:serviceaccount:<namespace>:<name>) and the `:aud` (sts.amazonaws.com) claims of the cluster's OIDC tokens,
 * so no other pod, service account or audience can assume it.
 */
export class IrsaRole extends Construct implements IRoleGrantee {
  readonly role: IamRole;
  readonly arn: string;
  readonly namespace: string;
  readonly serviceAccount: string;
  /** The role's ARN, as a grantee. */
  readonly grantPrincipalArn: string;
  /** The role's name: grants attach their inline policies to it. */
  readonly grantRoleName: string;
  /** Grants create the role's policies under this construct, beside the role. */
  readonly grantScope: Construct = this;
  /** This construct holds only the role's own parts: a grant's policy id needs no prefix. */
  readonly grantIdPrefix = "";

  constructor(scope: Construct, id: string, props: IrsaRoleProps) {
    super(scope, id);
    if (props.roleName.length > 64) {
      throw new Error(`IRSA role name "${props.roleName}" is longer than IAM's 64 characters`);
    }
    this.namespace = props.namespace;
    this.serviceAccount = props.serviceAccount;
    this.role = new IamRole(this, "Role", {
      name: props.roleName,
      description: props.description ?? `IRSA role of ${props.namespace}/${props.serviceAccount}`,
      assumeRolePolicy: irsaTrustPolicy(props.oidcProvider, props.namespace, props.serviceAccount),
    });
    this.arn = this.role.arn;
    this.grantPrincipalArn = this.role.arn;
    this.grantRoleName = this.role.name;
    if (props.statements && props.statements.length > 0) {
      new IamRolePolicy(this, "Policy", { name: "least-privilege", role: this.role.id, policy: policyDocument(props.statements) });
    }
    for (const policyArn of props.managedPolicyArns ?? []) {
      new IamRolePolicyAttachment(this, `Managed-${policyArn.split("/").pop()}`, { role: this.role.name, policyArn });
    }
  }
}

export function irsaTrustPolicy(provider: OidcProviderRef, namespace: string, serviceAccount: string): string {
  return policyDocument([
    {
      Effect: "Allow",
      Principal: { Federated: provider.arn },
      Action: "sts:AssumeRoleWithWebIdentity",
      Condition: {
        StringEquals: {
          [`${provider.issuer}:sub`]: `system:serviceaccount:${namespace}:${serviceAccount}`,
          [`${provider.issuer}:aud`]: "sts.amazonaws.com",
        },
      },
    },
  ]);
}
