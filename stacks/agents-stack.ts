import { Construct } from "constructs";
import { TerraformOutput } from "cdktf";
import { EnvironmentConfig } from "../config";
import { Network } from "../constructs/network/network";
import { AGENT_IMAGE_TAG, TerraformCloudAgents } from "../constructs/tfc/agents";
import { terraformCloudOf } from "../constructs/tfc/environment";
import { EnvironmentStack } from "./environment-stack";

export interface TerraformCloudAgentsStackProps {
  /** The environment's network, from its NetworkStack: the agents run in its private subnets. */
  readonly network: Network;
}

/**
 * `<env>-runner` of an environment that Terraform Cloud runs: its agents inside the VPC, which run the workspaces that
 * talk to the private cluster API (platform, delivery). Like the CodeBuild runner of S3-backed environments it comes
 * after the network and before the cluster, whose control plane admits exactly its security group.
 */
export class TerraformCloudAgentsStack extends EnvironmentStack {
  readonly agents: TerraformCloudAgents;

  constructor(scope: Construct, environment: EnvironmentConfig, props: TerraformCloudAgentsStackProps) {
    super(scope, environment, "runner");
    const cloud = terraformCloudOf(environment);
    if (!cloud) {
      throw new Error(`${environment.file}: state: Terraform Cloud agents need state.backend cloud`);
    }
    const { agents } = cloud.state;
    this.agents = new TerraformCloudAgents(this, "Agents", {
      name: `${environment.prefix}-tfc-agent`,
      repositoryPrefix: environment.prefix,
      network: props.network,
      address: cloud.address,
      count: agents.count,
      cpu: agents.cpu,
      memoryMiB: agents.memoryMiB,
      imageTag: agents.imageTag ?? AGENT_IMAGE_TAG,
      logRetentionDays: environment.cluster.logRetentionDays,
      production: environment.isProduction,
    });
    new TerraformOutput(this, "agent_repository_url", {
      value: this.agents.repository.repositoryUrl,
      description: "Push the agent image (tfc-agent/Dockerfile) here",
    });
    new TerraformOutput(this, "agent_token_secret", { value: this.agents.tokenSecret.name, description: "Put the agent pool's token into this secret" });
    new TerraformOutput(this, "agent_security_group_id", { value: this.agents.securityGroup.id, description: "Security group the cluster API admits" });
  }
}
