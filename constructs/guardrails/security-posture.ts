import { Construct } from "constructs";
import { ITerraformDependable } from "cdktf";
import { AccessanalyzerAnalyzer } from "@cdktf/provider-aws/lib/accessanalyzer-analyzer";
import { SecurityhubAccount } from "@cdktf/provider-aws/lib/securityhub-account";
import { SecurityhubStandardsSubscription } from "@cdktf/provider-aws/lib/securityhub-standards-subscription";
import { formatArn } from "../core/aws-scope";

/**
 * Security Hub in one region with exactly one standard, AWS Foundational Security Best Practices (the defaults AWS
 * would add, CIS among them, stay off so the checks priced are the checks run), controls reported once each
 * (consolidated findings).
 */
export class SecurityHub extends Construct {
  readonly account: SecurityhubAccount;
  readonly foundationalBestPractices: SecurityhubStandardsSubscription;

  constructor(scope: Construct, id: string, props: { readonly after?: readonly ITerraformDependable[] } = {}) {
    super(scope, id);
    this.account = new SecurityhubAccount(this, "Account", {
      enableDefaultStandards: false,
      controlFindingGenerator: "SECURITY_CONTROL",
      autoEnableControls: true,
    });
    this.foundationalBestPractices = new SecurityhubStandardsSubscription(this, "FoundationalBestPractices", {
      standardsArn: formatArn(this, { service: "securityhub", account: "", resource: "standards/aws-foundational-security-best-practices/v/1.0.0" }),
      // Most of the standard's controls are AWS Config rules Security Hub creates: `after` is the recorder, when there is one.
      dependsOn: [this.account, ...(props.after ?? [])],
    });
  }
}

/** An IAM Access Analyzer account analyzer (free): findings for resources this region shares outside the account. */
export class AccountAccessAnalyzer extends Construct {
  readonly analyzer: AccessanalyzerAnalyzer;

  constructor(scope: Construct, id: string, props: { readonly name: string }) {
    super(scope, id);
    this.analyzer = new AccessanalyzerAnalyzer(this, "Analyzer", { analyzerName: props.name, type: "ACCOUNT" });
  }
}
