import { ClusterRef } from "../../constructs/cluster/cluster-ref";

/** A ClusterRef of plain values, for stacks under test that only need the cluster's outputs. */
export function fakeCluster(overrides: Partial<ClusterRef> = {}): ClusterRef {
  return {
    name: "webapp-test",
    endpoint: "https://ABCDEF0123456789.gr7.eu-west-1.eks.amazonaws.com",
    certificateAuthorityData: "LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0t",
    oidcProvider: {
      arn: "arn:aws:iam::111122223333:oidc-provider/oidc.eks.eu-west-1.amazonaws.com/id/ABCDEF0123456789",
      issuer: "oidc.eks.eu-west-1.amazonaws.com/id/ABCDEF0123456789",
    },
    nodeSecurityGroup: { id: "sg-0123456789abcdef0" },
    kubernetesVersion: "1.33",
    region: "eu-west-1",
    vpcId: "vpc-0123456789abcdef0",
    ...overrides,
  };
}
