import { Construct } from "constructs";
import { Fn } from "cdktf";
import { IamOpenidConnectProvider } from "@cdktf/provider-aws/lib/iam-openid-connect-provider";
import { OidcProviderRef } from "../iam/irsa-role";

export interface ClusterOidcProviderProps {
  /** The cluster's OIDC issuer URL (`https://oidc.eks.<region>.amazonaws.com/id/<id>`), usually a token. */
  readonly issuerUrl: string;
}

/**
 * The IAM OIDC identity provider of an EKS cluster, the trust anchor of IRSA. No thumbprint: IAM verifies the EKS
 * issuer's JWKS endpoint against its own library of trusted root CAs, so a thumbprint is not used for validation, and
 * fetching one would need a data source that calls the network at plan time (thumbprint_list is optional in the
 * pinned AWS provider 5.100).
 */
export class ClusterOidcProvider extends Construct implements OidcProviderRef {
  readonly provider: IamOpenidConnectProvider;
  readonly arn: string;
  readonly issuer: string;

  constructor(scope: Construct, id: string, props: ClusterOidcProviderProps) {
    super(scope, id);
    this.provider = new IamOpenidConnectProvider(this, "Provider", {
      url: props.issuerUrl,
      clientIdList: ["sts.amazonaws.com"],
    });
    this.arn = this.provider.arn;
    this.issuer = Fn.replace(props.issuerUrl, "https://", "");
  }
}
