import { TerraformStack } from "cdktf";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { AccountContext } from "../../../constructs/iam/policy-document";
import { TEST_LOCATION, testStack } from "../../support/environments";

export const ACCOUNT: AccountContext = { accountId: "123456789012", region: "eu-central-1", partition: "aws" };

/** A bare stack with the regional provider and a us-east-1 alias, for one construct at a time. */
export function constructStack(region = ACCOUNT.region): { stack: TerraformStack; global: AwsProvider } {
  const stack = testStack({ ...TEST_LOCATION, region });
  new AwsProvider(stack, "aws", { region });
  const global = new AwsProvider(stack, "global", { region: "us-east-1", alias: "us_east_1" });
  return { stack, global };
}
