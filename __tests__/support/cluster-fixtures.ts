import { Construct } from "constructs";
import { Subnet } from "@cdktf/provider-aws/lib/subnet";
import { AccountContext } from "../../constructs/iam/policy-document";
import { NetworkSubnet } from "../../constructs/network/network";

export const ACCOUNT: AccountContext = { accountId: "123456789012", region: "eu-central-1", partition: "aws" };

/** Private subnets in the given AZs, standing in for a Network's. */
export function privateSubnets(scope: Construct, zones: readonly string[] = ["eu-central-1a", "eu-central-1b", "eu-central-1c"]): NetworkSubnet[] {
  return zones.map((availabilityZone, index) => {
    const cidr = `10.0.${index * 32}.0/19`;
    return { availabilityZone, cidr, subnet: new Subnet(scope, `Subnet-${availabilityZone}`, { vpcId: "vpc-1", cidrBlock: cidr, availabilityZone }) };
  });
}
