import { Construct } from "constructs";
import { Subnet } from "@cdktf/provider-aws/lib/subnet";
import { Vpc } from "@cdktf/provider-aws/lib/vpc";
import { EksControlPlane, EksControlPlaneProps } from "../../constructs/cluster/eks-cluster";
import { AwsLocation } from "../../constructs/core/aws-scope";
import { Network, NetworkSubnet } from "../../constructs/network/network";
import { KmsKey } from "../../constructs/security/kms-key";

export const ACCOUNT: AwsLocation = { accountId: "123456789012", region: "eu-central-1", partition: "aws" };

/** Private subnets in the given AZs, standing in for a Network's. */
export function privateSubnets(scope: Construct, zones: readonly string[] = ["eu-central-1a", "eu-central-1b", "eu-central-1c"]): NetworkSubnet[] {
  return zones.map((availabilityZone, index) => {
    const cidr = `10.0.${index * 32}.0/19`;
    return { availabilityZone, cidr, subnet: new Subnet(scope, `Subnet-${availabilityZone}`, { vpcId: "vpc-1", cidrBlock: cidr, availabilityZone }) };
  });
}

/** The part of a Network a cluster uses: a VPC and its private subnets. */
export function clusterNetwork(scope: Construct, zones?: readonly string[]): Pick<Network, "vpc" | "privateSubnets"> {
  return { vpc: new Vpc(scope, "Vpc", { cidrBlock: "10.0.0.0/16" }), privateSubnets: privateSubnets(scope, zones) };
}

/** A private control plane named shop-test with no extra access, its node volume key in `VolumeKey`. */
export function testControlPlane(scope: Construct, props: Partial<EksControlPlaneProps> = {}): EksControlPlane {
  return new EksControlPlane(scope, "Eks", {
    name: "shop-test",
    version: "1.35",
    publicAccess: false,
    publicAccessCidrs: [],
    privateAccessCidrs: [],
    logRetentionDays: 90,
    nodeTags: { project: "shop" },
    workloadIdentity: "irsa",
    ...props,
    network: props.network ?? clusterNetwork(scope),
    nodeVolumeKey: props.nodeVolumeKey ?? new KmsKey(scope, "VolumeKey", { description: "volumes" }),
  });
}
