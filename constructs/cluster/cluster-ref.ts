import { OidcProviderRef } from "../iam/irsa-role";

/** A security group as rules name it: a `SecurityGroup` of this project, or one another service created. */
export interface SecurityGroupRef {
  readonly id: string;
}

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
  /**
   * The security group of the worker nodes: the cluster security group EKS creates and every node carries. EKS owns
   * it, so it is known by its id alone; it is passed as a group, like any other, to whatever admits or reaches the nodes.
   */
  readonly nodeSecurityGroup: SecurityGroupRef;
  /** Kubernetes minor version, e.g. "1.33". */
  readonly kubernetesVersion: string;
  readonly region: string;
  readonly vpcId: string;
}
