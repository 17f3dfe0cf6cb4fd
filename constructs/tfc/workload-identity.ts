import { Construct } from "constructs";
import { IamOpenidConnectProvider } from "@cdktf/provider-aws/lib/iam-openid-connect-provider";
import { formatArn } from "../core/aws-scope";
import { policyDocument } from "../iam/policy-document";

/** The audience Terraform Cloud puts in its AWS workload identity tokens (unless TFC_AWS_WORKLOAD_IDENTITY_AUDIENCE says otherwise). */
export const WORKLOAD_IDENTITY_AUDIENCE = "aws.workload.identity";

/** The phase of a run a token was issued for: plans get the read-only role, applies the deploy role. */
export type RunPhase = "plan" | "apply";

/** One Terraform Cloud workspace, as its workload identity tokens name it. */
export interface WorkspaceIdentity {
  readonly organization: string;
  readonly project: string;
  readonly workspace: string;
}

/** The `sub` claim of a run's token: `organization:<org>:project:<project>:workspace:<workspace>:run_phase:<phase>`. */
export function workloadIdentitySubject(identity: WorkspaceIdentity, phase: RunPhase): string {
  return `organization:${identity.organization}:project:${identity.project}:workspace:${identity.workspace}:run_phase:${phase}`;
}

export interface TerraformCloudOidcProviderProps {
  /** The Terraform Cloud or Enterprise host that issues the tokens, e.g. `app.terraform.io`. */
  readonly hostname: string;
  /** Reference the provider the account already has instead of creating one (IAM keeps one provider per URL). */
  readonly existing: boolean;
}

/**
 * The account's IAM OIDC provider for Terraform Cloud's workload identity tokens, created or referenced. AWS checks
 * the host's certificate against its own trusted CA library, so no thumbprint is pinned.
 */
export class TerraformCloudOidcProvider extends Construct {
  /** The provider this stack creates; undefined when it references the account's existing one. */
  readonly provider?: IamOpenidConnectProvider;
  readonly arn: string;
  readonly hostname: string;

  constructor(scope: Construct, id: string, props: TerraformCloudOidcProviderProps) {
    super(scope, id);
    this.hostname = props.hostname;
    if (props.existing) {
      this.arn = formatArn(this, { service: "iam", region: "", resource: `oidc-provider/${props.hostname}` });
      return;
    }
    this.provider = new IamOpenidConnectProvider(this, "Provider", { url: `https://${props.hostname}`, clientIdList: [WORKLOAD_IDENTITY_AUDIENCE] });
    this.arn = this.provider.arn;
  }
}

/**
 * Trust of a role that Terraform Cloud runs assume: tokens of the host for the AWS audience whose `sub` is exactly one
 * of `subjects` (organization, project, workspace and run phase all pinned; no wildcard).
 */
export function terraformCloudTrustPolicy(provider: TerraformCloudOidcProvider, subjects: readonly string[]): string {
  return policyDocument([
    {
      Effect: "Allow",
      Principal: { Federated: provider.arn },
      Action: "sts:AssumeRoleWithWebIdentity",
      Condition: {
        StringEquals: {
          [`${provider.hostname}:aud`]: WORKLOAD_IDENTITY_AUDIENCE,
          [`${provider.hostname}:sub`]: subjects.length === 1 ? subjects[0]! : [...subjects],
        },
      },
    },
  ]);
}
