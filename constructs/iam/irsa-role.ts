import { Construct } from "constructs";
import { policyDocument, PolicyStatement } from "./policy-document";
import { WorkloadRole, WorkloadRoleProps } from "./workload-role";

/** The cluster's IAM OIDC provider as IRSA needs it. */
export interface OidcProviderRef {
  /** ARN of the `aws_iam_openid_connect_provider`. */
  readonly arn: string;
  /** Issuer without the scheme (`oidc.eks.<region>.amazonaws.com/id/<id>`): the prefix of the trust condition keys. */
  readonly issuer: string;
}

export interface IrsaRoleProps extends WorkloadRoleProps {
  /** The cluster's OIDC provider: the role trusts the service account through it. */
  readonly oidcProvider: OidcProviderRef;
}

/**
 * An IAM role for exactly one Kubernetes service account (IRSA): the trust policy pins both the `:sub`
 * (system:serviceaccount:<namespace>:<name>) and the `:aud` (sts.amazonaws.com) claims of the cluster's OIDC tokens,
 * so no other pod, service account or audience can assume it.
 */
export class IrsaRole extends WorkloadRole {
  readonly identity = "irsa";

  constructor(scope: Construct, id: string, props: IrsaRoleProps) {
    super(
      scope,
      id,
      props,
      policyDocument([irsaTrustStatement(props.oidcProvider, props.namespace, props.serviceAccount)]),
      `IRSA role of ${props.namespace}/${props.serviceAccount}`,
    );
  }
}

/** The trust statement of an IRSA role: web identity of one service account's token, audience sts.amazonaws.com. */
export function irsaTrustStatement(provider: OidcProviderRef, namespace: string, serviceAccount: string): PolicyStatement {
  return {
    Effect: "Allow",
    Principal: { Federated: provider.arn },
    Action: "sts:AssumeRoleWithWebIdentity",
    Condition: {
      StringEquals: {
        [`${provider.issuer}:sub`]: `system:serviceaccount:${namespace}:${serviceAccount}`,
        [`${provider.issuer}:aud`]: "sts.amazonaws.com",
      },
    },
  };
}

export function irsaTrustPolicy(provider: OidcProviderRef, namespace: string, serviceAccount: string): string {
  return policyDocument([irsaTrustStatement(provider, namespace, serviceAccount)]);
}
