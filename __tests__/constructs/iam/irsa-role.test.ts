import { TerraformStack } from "cdktf";
import { IrsaRole } from "../../../constructs/iam/irsa-role";
import { testStack } from "../../support/environments";
import { onlyResource, policyOf, synthStack } from "../../support/synth";

function stack(): TerraformStack {
  return testStack();
}

describe("IrsaRole", () => {
  it("trusts exactly one service account of the cluster's OIDC provider, by :sub and :aud", () => {
    const scope = stack();
    new IrsaRole(scope, "Role", {
      oidcProvider: {
        arn: "arn:aws:iam::123456789012:oidc-provider/oidc.eks.eu-central-1.amazonaws.com/id/ABC",
        issuer: "oidc.eks.eu-central-1.amazonaws.com/id/ABC",
      },
      roleName: "test-external-dns",
      namespace: "external-dns",
      serviceAccount: "external-dns",
      statements: [{ Effect: "Allow", Action: "route53:ChangeResourceRecordSets", Resource: "arn:aws:route53:::hostedzone/Z1" }],
    });
    const synthesized = synthStack(scope);
    const trust = policyOf(onlyResource(synthesized, "aws_iam_role"), "assume_role_policy").Statement;
    expect(trust).toEqual([
      {
        Effect: "Allow",
        Principal: { Federated: "arn:aws:iam::123456789012:oidc-provider/oidc.eks.eu-central-1.amazonaws.com/id/ABC" },
        Action: "sts:AssumeRoleWithWebIdentity",
        Condition: {
          StringEquals: {
            "oidc.eks.eu-central-1.amazonaws.com/id/ABC:sub": "system:serviceaccount:external-dns:external-dns",
            "oidc.eks.eu-central-1.amazonaws.com/id/ABC:aud": "sts.amazonaws.com",
          },
        },
      },
    ]);
    expect(policyOf(onlyResource(synthesized, "aws_iam_role_policy")).Statement).toHaveLength(1);
  });

  it("refuses a role name IAM would reject", () => {
    expect(
      () =>
        new IrsaRole(stack(), "Role", {
          oidcProvider: { arn: "arn", issuer: "issuer" },
          roleName: "x".repeat(65),
          namespace: "ns",
          serviceAccount: "sa",
        }),
    ).toThrow("longer than IAM's 64 characters");
  });
});
