import { Testing } from "cdktf";
import { IamOpenidConnectProvider } from "@cdktf/provider-aws/lib/iam-openid-connect-provider";
import { TerraformCloudOidcProvider, terraformCloudTrustPolicy, workloadIdentitySubject } from "../../../constructs/tfc/workload-identity";
import { testStack } from "../../support/environments";

describe("Terraform Cloud workload identity", () => {
  it("names a run by organization, project, workspace and phase, as Terraform Cloud's tokens do", () => {
    expect(workloadIdentitySubject({ organization: "acme", project: "shop-prod", workspace: "prod-platform" }, "apply")).toBe(
      "organization:acme:project:shop-prod:workspace:prod-platform:run_phase:apply",
    );
  });

  it("creates the host's OIDC provider for the AWS audience, or references the account's existing one by its ARN", () => {
    const stack = testStack();
    const created = new TerraformCloudOidcProvider(stack, "Created", { hostname: "tfe.example.com", existing: false });
    const existing = new TerraformCloudOidcProvider(stack, "Existing", { hostname: "app.terraform.io", existing: true });
    expect(Testing.synth(stack)).toHaveResourceWithProperties(IamOpenidConnectProvider, {
      url: "https://tfe.example.com",
      client_id_list: ["aws.workload.identity"],
    });
    expect(existing.provider).toBeUndefined();
    expect(existing.arn).toBe("arn:aws:iam::123456789012:oidc-provider/app.terraform.io");
    expect(created.provider).toBeDefined();
  });

  it("trusts tokens of its host whose sub is exactly one of the given runs", () => {
    const provider = new TerraformCloudOidcProvider(testStack(), "Oidc", { hostname: "app.terraform.io", existing: true });
    const subject = workloadIdentitySubject({ organization: "acme", project: "p", workspace: "w" }, "plan");
    expect(JSON.parse(terraformCloudTrustPolicy(provider, [subject]))).toEqual({
      Version: "2012-10-17",
      Statement: [
        {
          Effect: "Allow",
          Principal: { Federated: "arn:aws:iam::123456789012:oidc-provider/app.terraform.io" },
          Action: "sts:AssumeRoleWithWebIdentity",
          Condition: { StringEquals: { "app.terraform.io:aud": "aws.workload.identity", "app.terraform.io:sub": subject } },
        },
      ],
    });
  });
});
