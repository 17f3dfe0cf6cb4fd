import { Construct } from "constructs";
import { TerraformOutput } from "cdktf";
import { EnvironmentConfig } from "../config";
import { POSTGRES_PORT } from "../constructs/database/aurora-postgres";
import { Network } from "../constructs/network/network";
import { EnvironmentStack } from "./environment-stack";

/** `<env>-network`: the VPC every other layer of the environment lives in. */
export class NetworkStack extends EnvironmentStack {
  readonly network: Network;

  constructor(scope: Construct, environment: EnvironmentConfig) {
    super(scope, environment, "network");
    const { network } = environment;
    this.network = new Network(this, "Network", {
      namePrefix: environment.prefix,
      cidr: network.cidr,
      subnetPlan: network.subnetPlan,
      oneNatGatewayPerAz: network.oneNatGatewayPerAz,
      clusterNames: [environment.prefix],
      // Karpenter's EC2NodeClasses find the private subnets by this tag (cluster.autoscaler: karpenter).
      privateSubnetTags: environment.cluster.autoscaler === "karpenter" ? { "karpenter.sh/discovery": environment.prefix } : {},
      flowLogs: network.flowLogs,
      s3GatewayEndpoint: network.endpoints.s3Gateway,
      interfaceEndpoints: network.endpoints.interface,
      databasePort: POSTGRES_PORT,
      // An internet-facing ALB sits in the public subnets; an internal one (the default) needs no inbound port there.
      publicIngressPorts: environment.edge?.loadBalancer.scheme === "internet-facing" ? [443] : [],
    });
    new TerraformOutput(this, "vpc_id", { value: this.network.vpc.id, description: "VPC id" });
    new TerraformOutput(this, "private_subnet_ids", {
      value: this.network.privateSubnets.map(({ subnet }) => subnet.id),
      description: "Private (workload) subnet ids, one per AZ",
    });
  }
}
