import { CloudBackend, NamedCloudWorkspace, TerraformStack, Testing } from "cdktf";
import { clusterProviders } from "../../../constructs/cluster/kube-auth";
import { ClusterRef } from "../../../constructs/cluster/cluster-ref";
import { testApp } from "../../support/environments";

const cluster: ClusterRef = {
  name: "shop-qa",
  endpoint: "https://example.eks.amazonaws.com",
  certificateAuthorityData: "Q0E=",
  oidcProvider: { arn: "arn", issuer: "issuer" },
  nodeSecurityGroup: { id: "sg-1" },
  kubernetesVersion: "1.33",
  region: "eu-central-1",
  vpcId: "vpc-1",
};

type Exec = { command: string; args: string[] };
function execOf(stack: TerraformStack): { kubernetes: Exec; helm: Exec; variables: Record<string, { type: string }> } {
  clusterProviders(stack, cluster);
  const synthesized = JSON.parse(Testing.synth(stack)) as {
    provider: { kubernetes: { exec: Exec[] }[]; helm: { kubernetes: { exec: Exec } }[] };
    variable?: Record<string, { type: string }>;
  };
  return {
    kubernetes: synthesized.provider.kubernetes[0].exec[0],
    helm: synthesized.provider.helm[0].kubernetes.exec,
    variables: synthesized.variable ?? {},
  };
}

describe("exec credentials of the helm and kubernetes providers", () => {
  const getToken = ["eks", "get-token", "--cluster-name", "shop-qa", "--region", "eu-central-1", "--output", "json"];

  it("in a stack that Terraform Cloud runs, give the AWS CLI the run's dynamic credentials file", () => {
    const stack = new TerraformStack(testApp(), "qa-platform");
    new CloudBackend(stack, { organization: "acme", workspaces: new NamedCloudWorkspace("qa-platform") });
    const { kubernetes, helm, variables } = execOf(stack);
    for (const exec of [kubernetes, helm]) {
      expect(exec).toMatchObject({
        command: "env",
        args: ["AWS_CONFIG_FILE=${var.tfc_aws_dynamic_credentials.default.shared_config_file}", "aws", ...getToken],
      });
    }
    expect(variables.tfc_aws_dynamic_credentials.type).toBe(
      "object({ default = object({ shared_config_file = string }), aliases = map(object({ shared_config_file = string })) })",
    );
  });

  it("elsewhere, run `aws` in the provider's own environment and declare no variable", () => {
    const { kubernetes, helm, variables } = execOf(new TerraformStack(testApp(), "qa-platform"));
    for (const exec of [kubernetes, helm]) expect(exec).toMatchObject({ command: "aws", args: getToken });
    expect(variables).toEqual({});
  });
});
