import { kubeConnection } from "../../../constructs/cluster/kube-auth";

describe("kubeConnection", () => {
  it("authenticates with a fresh `aws eks get-token` at every use, never a stored token", () => {
    const connection = kubeConnection({
      name: "shop-prod",
      endpoint: "https://example.eks.amazonaws.com",
      certificateAuthorityData: "Q0E=",
      oidcProvider: { arn: "arn", issuer: "issuer" },
      nodeSecurityGroup: { id: "sg-1" },
      kubernetesVersion: "1.33",
      region: "eu-central-1",
      vpcId: "vpc-1",
    });
    expect(connection.exec).toEqual({
      apiVersion: "client.authentication.k8s.io/v1beta1",
      command: "aws",
      args: ["eks", "get-token", "--cluster-name", "shop-prod", "--region", "eu-central-1", "--output", "json"],
    });
    expect(connection.host).toBe("https://example.eks.amazonaws.com");
  });
});
