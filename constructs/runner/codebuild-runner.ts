import { Construct } from "constructs";
import { CodebuildProject } from "@cdktf/provider-aws/lib/codebuild-project";
import { CodebuildWebhook } from "@cdktf/provider-aws/lib/codebuild-webhook";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy";
import { SecurityGroup } from "@cdktf/provider-aws/lib/security-group";
import { runnerSecurityGroup } from "./runner-security-group";
import { AwsScope, formatArn } from "../core/aws-scope";
import { policyDocument, serviceTrustPolicy } from "../iam/policy-document";
import { EncryptedLogGroup } from "../logging/log-group";
import { Network } from "../network/network";
import { KmsKey } from "../security/kms-key";

/** The CodeBuild image of the runner jobs: Node, Docker CLI and the AWS CLI preinstalled; setup-terraform adds Terraform. */
export const RUNNER_IMAGE = "aws/codebuild/amazonlinux-x86_64-standard:5.0";

/**
 * The `runs-on` label of a GitHub Actions job that runs on the CodeBuild runner project `projectName`. CodeBuild
 * starts one build per queued job whose label names its project; run id and attempt make each label unique.
 */
export function codebuildRunnerLabel(projectName: string): string {
  return `codebuild-${projectName}-\${{ github.run_id }}-\${{ github.run_attempt }}`;
}

/** The webhook's WORKFLOW_NAME pattern: exactly one of the names (CodeBuild matches a regular expression). */
export function workflowNamePattern(workflows: readonly string[]): string {
  return `^(${workflows.map((name) => name.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")).join("|")})$`;
}

export interface CodeBuildRunnerProps {
  /** CodeBuild project name; also the runner label's middle part and the prefix of its role, group and logs. */
  readonly name: string;
  /** `https://github.com/<owner>/<repository>`: the repository whose queued workflow jobs start builds. */
  readonly repositoryUrl: string;
  /** The builds get network interfaces in its private subnets, so they reach the private cluster endpoint. */
  readonly network: Network;
  /** Days the builds' log group keeps their logs. */
  readonly logRetentionDays: number;
  /**
   * Names of the workflows whose queued jobs start builds (the webhook's WORKFLOW_NAME filter); no other workflow of
   * the repository gets a job into the VPC, whatever label it asks for.
   */
  readonly workflows: readonly string[];
  /** CodeBuild compute size. @default BUILD_GENERAL1_MEDIUM (4 GiB, 2 vCPUs: one cdktf synth and a Terraform apply) */
  readonly computeType?: string;
  /** Build timeout in minutes. @default 120 (the deploy role's session length) */
  readonly timeoutMinutes?: number;
}

/**
 * A GitHub Actions runner hosted by CodeBuild inside the VPC: a webhook starts one ephemeral build per queued job of
 * the named workflows that asks for this project's label, in the private subnets and with {@link securityGroup}, and the
 * build ends with the job. No instance lives between jobs, nothing holds a registration token, and the runner has
 * no AWS power of its own beyond logs and its network interfaces: jobs assume the environment's roles through OIDC.
 * GitHub reaches CodeBuild through the account's CodeConnections source credential (bootstrap stack).
 */
export class CodeBuildRunner extends Construct {
  readonly project: CodebuildProject;
  /** The group of the builds' network interfaces: the cluster's control plane admits exactly this group on 443. */
  readonly securityGroup: SecurityGroup;
  readonly role: IamRole;
  readonly label: string;

  constructor(scope: Construct, id: string, props: CodeBuildRunnerProps) {
    super(scope, id);
    const { name, network } = props;
    // HTTPS only: GitHub, the AWS APIs, the npm and Terraform registries, and the private EKS endpoint.
    this.securityGroup = runnerSecurityGroup(this, {
      name,
      description: `GitHub Actions jobs of ${name} (CodeBuild)`,
      vpcId: network.vpc.id,
      httpsTo: "HTTPS to GitHub, AWS APIs, package registries and the cluster API",
    });

    const key = new KmsKey(this, "LogKey", { description: `${name} build logs`, alias: `${name}-logs` });
    const logs = new EncryptedLogGroup(this, "Logs", { name: `/aws/codebuild/${name}`, retentionDays: props.logRetentionDays, key });

    this.role = new IamRole(this, "Role", {
      name,
      description: `CodeBuild-hosted GitHub Actions runner ${name}`,
      assumeRolePolicy: serviceTrustPolicy("codebuild.amazonaws.com", AwsScope.of(this).accountId),
    });
    const subnetArns = network.privateSubnets.map(({ subnet }) => formatArn(this, { service: "ec2", resource: `subnet/${subnet.id}` }));
    new IamRolePolicy(this, "Policy", {
      name: "runner",
      role: this.role.id,
      policy: policyDocument([
        { Sid: "BuildLogs", Effect: "Allow", Action: ["logs:CreateLogStream", "logs:PutLogEvents"], Resource: [logs.arn, `${logs.arn}:*`] },
        {
          // CodeBuild's documented VPC permissions; describe calls take no resource.
          Sid: "VpcNetworkInterfaces",
          Effect: "Allow",
          Action: [
            "ec2:CreateNetworkInterface",
            "ec2:DescribeDhcpOptions",
            "ec2:DescribeNetworkInterfaces",
            "ec2:DeleteNetworkInterface",
            "ec2:DescribeSubnets",
            "ec2:DescribeSecurityGroups",
            "ec2:DescribeVpcs",
          ],
          Resource: "*",
        },
        {
          Sid: "InterfacesInThePrivateSubnetsOnly",
          Effect: "Allow",
          Action: "ec2:CreateNetworkInterfacePermission",
          Resource: formatArn(this, { service: "ec2", resource: "network-interface/*" }),
          Condition: { StringEquals: { "ec2:AuthorizedService": "codebuild.amazonaws.com" }, ArnEquals: { "ec2:Subnet": subnetArns } },
        },
        {
          Sid: "GithubThroughTheAccountsConnection",
          Effect: "Allow",
          Action: ["codeconnections:GetConnectionToken", "codeconnections:GetConnection", "codeconnections:UseConnection"],
          Resource: formatArn(this, { service: "codeconnections", resource: "connection/*" }),
        },
      ]),
    });

    this.project = new CodebuildProject(this, "Project", {
      name,
      description: `GitHub Actions runner of ${name} inside its VPC`,
      serviceRole: this.role.arn,
      buildTimeout: props.timeoutMinutes ?? 120,
      artifacts: { type: "NO_ARTIFACTS" },
      environment: {
        type: "LINUX_CONTAINER",
        computeType: props.computeType ?? "BUILD_GENERAL1_MEDIUM",
        image: RUNNER_IMAGE,
        imagePullCredentialsType: "CODEBUILD",
        privilegedMode: false,
      },
      // The runner image fetches the job from GitHub itself; the source only names the repository the webhook is on.
      source: { type: "GITHUB", location: props.repositoryUrl, gitCloneDepth: 1 },
      vpcConfig: {
        vpcId: network.vpc.id,
        subnets: network.privateSubnets.map(({ subnet }) => subnet.id),
        securityGroupIds: [this.securityGroup.id],
      },
      logsConfig: { cloudwatchLogs: { groupName: logs.name, status: "ENABLED" } },
      dependsOn: [logs.logGroup],
    });
    if (props.workflows.length === 0) throw new Error(`${name}: a runner needs at least one workflow whose jobs it runs`);
    new CodebuildWebhook(this, "Webhook", {
      projectName: this.project.name,
      buildType: "BUILD",
      filterGroup: [
        {
          filter: [
            { type: "EVENT", pattern: "WORKFLOW_JOB_QUEUED" },
            { type: "WORKFLOW_NAME", pattern: workflowNamePattern(props.workflows) },
          ],
        },
      ],
    });
    this.label = codebuildRunnerLabel(name);
  }
}
