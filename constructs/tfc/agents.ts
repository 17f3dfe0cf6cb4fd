import { Construct } from "constructs";
import { EcsCluster } from "@cdktf/provider-aws/lib/ecs-cluster";
import { EcsService } from "@cdktf/provider-aws/lib/ecs-service";
import { EcsTaskDefinition } from "@cdktf/provider-aws/lib/ecs-task-definition";
import { EcrRepository } from "@cdktf/provider-aws/lib/ecr-repository";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy";
import { SecretsmanagerSecret } from "@cdktf/provider-aws/lib/secretsmanager-secret";
import { SecurityGroup } from "@cdktf/provider-aws/lib/security-group";
import { AwsScope } from "../core/aws-scope";
import { EcrRepositories } from "../edge/ecr-repositories";
import { policyDocument, serviceTrustPolicy } from "../iam/policy-document";
import { EncryptedLogGroup } from "../logging/log-group";
import { Network } from "../network/network";
import { KmsKey } from "../security/kms-key";
import { runnerSecurityGroup } from "../runner/runner-security-group";

/** The agent image: hashicorp/tfc-agent with the AWS CLI that the helm and kubernetes providers' exec credentials run. */
export const AGENT_IMAGE_NAME = "tfc-agent";

/** The tag `tfc-agent/Dockerfile` builds: `<tfc-agent version>-awscli<AWS CLI version>`, both pinned there. */
export const AGENT_IMAGE_TAG = "1.28.11-awscli2.36.9";

export interface TerraformCloudAgentsProps {
  /** `<project>-<environment>-tfc-agent`: the name of the service, its role, log group, secret and security group. */
  readonly name: string;
  /** Repositories are `<repositoryPrefix>/tfc-agent` (as the application's are `<prefix>/<image>`). */
  readonly repositoryPrefix: string;
  /** The agents run in its private subnets, so they reach the private cluster endpoint; they leave through its NAT. */
  readonly network: Network;
  /** The Terraform Cloud or Enterprise address the agents register with, e.g. `https://app.terraform.io`. */
  readonly address: string;
  /** Agents that run at once; each takes one run and exits (a fresh container for every run). */
  readonly count: number;
  /** Fargate CPU units of one agent. */
  readonly cpu: number;
  /** Memory of one agent in MiB. */
  readonly memoryMiB: number;
  /** Tag of the agent image in the repository (pushed from tfc-agent/Dockerfile). */
  readonly imageTag: string;
  /** Days the agents' log group keeps their logs. */
  readonly logRetentionDays: number;
  /** Below production the repository may be destroyed with its images and the token secret without a recovery window. */
  readonly production: boolean;
}

/**
 * Terraform Cloud agents inside the environment's VPC: an ECS Fargate service in the private subnets, without a public
 * address, whose tasks read the agent token from Secrets Manager at start and have no AWS role of their own (the runs
 * get theirs from Terraform Cloud's dynamic provider credentials). Their security group allows HTTPS out only; the
 * cluster's control plane admits it by reference.
 */
export class TerraformCloudAgents extends Construct {
  readonly securityGroup: SecurityGroup;
  readonly repository: EcrRepository;
  /** Holds the agent token of the pool; filled once by hand (docs/terraform-cloud.md). */
  readonly tokenSecret: SecretsmanagerSecret;
  readonly executionRole: IamRole;
  readonly cluster: EcsCluster;
  readonly service: EcsService;
  readonly logGroup: EncryptedLogGroup;

  constructor(scope: Construct, id: string, props: TerraformCloudAgentsProps) {
    super(scope, id);
    const { name, network } = props;
    const key = new KmsKey(this, "Key", { description: `${name}: agent token and logs`, alias: name });
    this.repository = new EcrRepositories(this, "Images", {
      namePrefix: props.repositoryPrefix,
      names: [AGENT_IMAGE_NAME],
      keepImages: 5,
      forceDelete: !props.production,
      key,
    }).repositories[AGENT_IMAGE_NAME]!;
    this.tokenSecret = new SecretsmanagerSecret(this, "Token", {
      name: `${name}-token`,
      description: "Agent token of the environment's Terraform Cloud agent pool (set by hand, docs/terraform-cloud.md)",
      kmsKeyId: key.arn,
      recoveryWindowInDays: props.production ? 7 : 0,
    });
    this.logGroup = new EncryptedLogGroup(this, "Logs", { name: `/ecs/${name}`, retentionDays: props.logRetentionDays, key });

    // HTTPS only: Terraform Cloud, the Terraform registry and provider downloads, the AWS APIs and the cluster API.
    this.securityGroup = runnerSecurityGroup(this, {
      name,
      description: `Terraform Cloud agents ${name}`,
      vpcId: network.vpc.id,
      httpsTo: "HTTPS to Terraform Cloud, provider registries, AWS APIs and the cluster API",
    });

    // What ECS needs to start a task: pull the agent image, read the token, write the logs. The tasks get no role.
    this.executionRole = new IamRole(this, "ExecutionRole", {
      name: `${name}-exec`,
      description: `Starts the Terraform Cloud agent tasks of ${name}`,
      assumeRolePolicy: serviceTrustPolicy("ecs-tasks.amazonaws.com", AwsScope.of(this).accountId),
    });
    new IamRolePolicy(this, "ExecutionPolicy", {
      name: "start-agents",
      role: this.executionRole.id,
      policy: policyDocument([
        { Sid: "RegistryLogin", Effect: "Allow", Action: "ecr:GetAuthorizationToken", Resource: "*" },
        {
          Sid: "PullTheAgentImage",
          Effect: "Allow",
          Action: ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer", "ecr:BatchCheckLayerAvailability"],
          Resource: this.repository.arn,
        },
        { Sid: "ReadTheAgentToken", Effect: "Allow", Action: "secretsmanager:GetSecretValue", Resource: this.tokenSecret.arn },
        {
          Sid: "DecryptTheAgentTokenThroughSecretsManager",
          Effect: "Allow",
          Action: "kms:Decrypt",
          Resource: key.arn,
          Condition: { StringEquals: { "kms:ViaService": `secretsmanager.${AwsScope.of(this).region}.amazonaws.com` } },
        },
        { Sid: "WriteTheAgentLogs", Effect: "Allow", Action: ["logs:CreateLogStream", "logs:PutLogEvents"], Resource: `${this.logGroup.arn}:*` },
      ]),
    });

    this.cluster = new EcsCluster(this, "Cluster", { name, setting: [{ name: "containerInsights", value: "enabled" }] });
    const task = new EcsTaskDefinition(this, "Task", {
      family: name,
      requiresCompatibilities: ["FARGATE"],
      networkMode: "awsvpc",
      cpu: String(props.cpu),
      memory: String(props.memoryMiB),
      executionRoleArn: this.executionRole.arn,
      runtimePlatform: { operatingSystemFamily: "LINUX", cpuArchitecture: "X86_64" },
      containerDefinitions: JSON.stringify([
        {
          name: AGENT_IMAGE_NAME,
          image: `${this.repository.repositoryUrl}:${props.imageTag}`,
          essential: true,
          environment: [
            { name: "TFC_ADDRESS", value: props.address },
            // One run per container: nothing a run leaves on disk (providers, plans, credentials files) reaches the next.
            { name: "TFC_AGENT_SINGLE", value: "true" },
          ],
          secrets: [{ name: "TFC_AGENT_TOKEN", valueFrom: this.tokenSecret.arn }],
          logConfiguration: {
            logDriver: "awslogs",
            options: { "awslogs-group": this.logGroup.name, "awslogs-region": AwsScope.of(this).region, "awslogs-stream-prefix": "agent" },
          },
        },
      ]),
    });
    this.service = new EcsService(this, "Service", {
      name,
      cluster: this.cluster.arn,
      taskDefinition: task.arn,
      desiredCount: props.count,
      launchType: "FARGATE",
      platformVersion: "1.4.0",
      networkConfiguration: {
        subnets: network.privateSubnets.map(({ subnet }) => subnet.id),
        securityGroups: [this.securityGroup.id],
        assignPublicIp: false,
      },
      deploymentCircuitBreaker: { enable: true, rollback: true },
      propagateTags: "SERVICE",
      enableExecuteCommand: false,
    });
  }
}
