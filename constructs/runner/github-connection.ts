import { Construct } from "constructs";
import { CodebuildSourceCredential } from "@cdktf/provider-aws/lib/codebuild-source-credential";
import { CodeconnectionsConnection } from "@cdktf/provider-aws/lib/codeconnections-connection";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";

export interface GithubConnectionProps {
  /** Connection name (at most 32 characters). */
  readonly name: string;
  /** The provider of the region the runners run in. @default the stack's default provider */
  readonly provider?: AwsProvider;
}

/**
 * The account's link to GitHub for CodeBuild-hosted runners in one region: a CodeConnections connection (created
 * PENDING; someone with admin rights on the GitHub organization approves it once in the console, installing the AWS
 * Connector app on the repository) and the region's CodeBuild source credential that uses it, so every runner project
 * of the region receives GitHub's workflow-job webhooks without a personal access token.
 */
export class GithubConnection extends Construct {
  readonly connection: CodeconnectionsConnection;
  readonly arn: string;

  constructor(scope: Construct, id: string, props: GithubConnectionProps) {
    super(scope, id);
    this.connection = new CodeconnectionsConnection(this, "Connection", { name: props.name, providerType: "GitHub", provider: props.provider });
    this.arn = this.connection.arn;
    new CodebuildSourceCredential(this, "SourceCredential", {
      authType: "CODECONNECTIONS",
      serverType: "GITHUB",
      token: this.connection.arn,
      provider: props.provider,
    });
  }
}
