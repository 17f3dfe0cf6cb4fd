import { Construct } from "constructs";
import { IamOpenidConnectProvider } from "@cdktf/provider-aws/lib/iam-openid-connect-provider";
import { formatArn } from "../core/aws-scope";
import { policyDocument } from "./policy-document";

export const GITHUB_OIDC_HOST = "token.actions.githubusercontent.com";
export const GITHUB_OIDC_AUDIENCE = "sts.amazonaws.com";

export interface GithubOidcProviderProps {
  /**
   * Reference the provider the account already has instead of creating one: IAM keeps one provider per URL and
   * rejects a second with EntityAlreadyExists.
   */
  readonly existing: boolean;
}

/**
 * The account's IAM OIDC provider for GitHub Actions, created or referenced. AWS validates GitHub's tokens against
 * its own trusted CA library, so no thumbprint is pinned (and none is looked up).
 */
export class GithubOidcProvider extends Construct {
  /** The provider this stack creates; undefined when it references the account's existing one. */
  readonly provider?: IamOpenidConnectProvider;
  readonly arn: string;

  constructor(scope: Construct, id: string, props: GithubOidcProviderProps) {
    super(scope, id);
    if (props.existing) {
      // An IAM provider's ARN is its URL without the scheme: known without asking AWS.
      this.arn = formatArn(this, { service: "iam", region: "", resource: `oidc-provider/${GITHUB_OIDC_HOST}` });
      return;
    }
    this.provider = new IamOpenidConnectProvider(this, "Provider", {
      url: `https://${GITHUB_OIDC_HOST}`,
      clientIdList: [GITHUB_OIDC_AUDIENCE],
    });
    this.arn = this.provider.arn;
  }
}

/**
 * The `sub` claims (after `repo:<owner>/<repository>:`) the roles trust: the deploy role `environment:<GitHub
 * environment>`, the plan role pushes to the main branch (a protected ref), the pull-request plan role pull requests.
 */
export const MAIN_BRANCH_SUBJECT = "ref:refs/heads/main";
export const PULL_REQUEST_SUBJECT = "pull_request";

/** Trust of a GitHub Actions role: GitHub's OIDC tokens for STS whose `sub` is one of `repo:<repository>:<subject>`. */
export function githubTrustPolicy(providerArn: string, repository: string, subjects: readonly string[]): string {
  const sub = subjects.map((subject) => `repo:${repository}:${subject}`);
  return policyDocument([
    {
      Effect: "Allow",
      Principal: { Federated: providerArn },
      Action: "sts:AssumeRoleWithWebIdentity",
      Condition: {
        StringEquals: {
          [`${GITHUB_OIDC_HOST}:aud`]: GITHUB_OIDC_AUDIENCE,
          [`${GITHUB_OIDC_HOST}:sub`]: sub.length === 1 ? sub[0]! : sub,
        },
      },
    },
  ]);
}
