import { OidcProviderRef } from "../iam/irsa-role";

/**
 * What later layers (platform, edge, data) need of an EKS cluster. The cluster stack exposes one; values are
 * cdktf tokens, so passing this object between stacks creates cross-stack references, never copied ids.
 */
export interface ClusterRef {
  readonly name: string;
  readonly endpoint: string;
  /** Base64 PEM of the cluster CA, as EKS returns it. */
  readonly certificateAuthorityData: string;
  readonly oidcProvider: OidcProviderRef;
  /** The security group of the worker nodes (the EKS cluster security group they carry). */
  readonly nodeSecurityGroupId: string;
  /** Kubernetes minor version, e.g. "1.33". */
  readonly kubernetesVersion: string;
  readonly region: string;
  readonly vpcId: string;
}
