import { Construct } from "constructs";
import { IamOpenidConnectProvider } from "@cdktf/provider-aws/lib/iam-openid-connect-provider";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { IamPolicy } from "@cdktf/provider-aws/lib/iam-policy";
import { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy";
import type { EnvironmentConfig } from "../../config";
import { ArnContext, awsManagedPolicyArn, formatArn, policyArn, roleArn } from "../core/aws-scope";
import { StateBucket } from "../state/state-bucket";
import { policyDocument, PolicyStatement } from "./policy-document";

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

/** The deploy role of an environment: the deploy workflow assumes it and the cluster's access entry names it. */
export function deployRoleName(prefix: string): string {
  return `${prefix}-deploy`;
}

/** The read-only role pull requests and the post-merge plan assume: plans without the power to apply them. */
export function planRoleName(prefix: string): string {
  return `${prefix}-plan`;
}

/** The Enhanced Monitoring role of an environment's Aurora cluster (the data stack names it `<prefix>-rds-monitoring`). */
export function enhancedMonitoringRoleName(prefix: string): string {
  return `${prefix}-rds-monitoring`;
}

/**
 * The role pull requests plan a development environment with: the plan role's reads, and cluster access that cannot
 * read Kubernetes Secrets.
 */
export function pullRequestPlanRoleName(prefix: string): string {
  return `${prefix}-pr-plan`;
}

/** The managed policy every role the deploy role creates must carry as its permissions boundary. */
export function permissionsBoundaryName(prefix: string): string {
  return `${prefix}-boundary`;
}

/** The pipeline's IAM names of an environment, as the bootstrap stack creates them. */
export interface PipelineRoles {
  readonly deployRoleArn: string;
  readonly planRoleArn: string;
  /** The role pull requests plan with; undefined where pull requests do not plan (staging and production tiers). */
  readonly pullRequestPlanRoleArn: string | undefined;
  readonly permissionsBoundaryArn: string;
  /** The GitHub environment whose jobs may assume the deploy role. */
  readonly githubEnvironment: string;
  readonly repository: string;
  /**
   * Whether pull requests plan the environment (`repo:<repository>:pull_request` may assume the pull-request plan
   * role): development tiers only. Staging and production are planned from the main branch alone, so no pull request
   * reads their state.
   */
  readonly pullRequestPlans: boolean;
  /**
   * The Route 53 zones the environment's stacks and controllers change, when every one is named in the config;
   * undefined when a stack creates its own zone (its id is unknown before it exists).
   */
  readonly hostedZoneIds: readonly string[] | undefined;
}

/**
 * The deploy and plan roles of an environment, or undefined when no stack creates them: the bootstrap stack makes
 * them for environments that name a GitHub repository and keep their state in S3 (Terraform Cloud runs its own
 * workers, so those environments get no role, no access entry and no pipeline job).
 */
export function pipelineRolesOf(environment: EnvironmentConfig): PipelineRoles | undefined {
  if (!environment.github || environment.state.backend !== "s3") return undefined;
  // Read from the config, not a scope: the pipeline generator and the workflows need these names outside any stack.
  const account: ArnContext = { accountId: environment.account.id, partition: environment.partition, region: environment.account.region };
  const pullRequestPlans = environment.tier === "development";
  return {
    deployRoleArn: roleArn(account, deployRoleName(environment.prefix)),
    planRoleArn: roleArn(account, planRoleName(environment.prefix)),
    pullRequestPlanRoleArn: pullRequestPlans ? roleArn(account, pullRequestPlanRoleName(environment.prefix)) : undefined,
    permissionsBoundaryArn: policyArn(account, permissionsBoundaryName(environment.prefix)),
    githubEnvironment: environment.github.environment ?? environment.name,
    repository: environment.github.repository,
    pullRequestPlans,
    hostedZoneIds: hostedZonesOf(environment),
  };
}

/** Every Route 53 zone the environment's config names (edge, cert-manager, external-dns, Argo CD); undefined when the edge creates its zone. */
function hostedZonesOf(environment: EnvironmentConfig): string[] | undefined {
  const { edge, platform } = environment;
  if (edge && !edge.hostedZoneId) return undefined;
  const zones = [edge?.hostedZoneId, ...platform.certManager.hostedZoneIds, ...platform.externalDns.hostedZoneIds, platform.argoCd.hostedZoneId];
  return [...new Set(zones.filter((zone): zone is string => !!zone))].sort();
}

/** Where an environment's Terraform state lives: its roles may touch its own keys and nothing else. */
export interface DeployStateAccess {
  /** The account's state bucket and its CMK. */
  readonly bucket: StateBucket;
  /** Key prefix of the environment's state objects, e.g. `prod/`. */
  readonly keyPrefix: string;
}

export interface GithubDeployRoleProps {
  readonly oidcProvider: GithubOidcProvider;
  /** The environment's region (the bootstrap stack's may differ): its stacks manage resources there and in us-east-1. */
  readonly region: string;
  /** `<project>-<environment>`: the roles are `<prefix>-deploy` / `<prefix>-plan` and manage `<prefix>-*` names only. */
  readonly prefix: string;
  /** The environment's name: the value of the `environment` tag every resource of its stacks carries. */
  readonly environmentName: string;
  /** `<owner>/<repository>` whose workflows may assume the roles. */
  readonly repository: string;
  /** The GitHub environment whose jobs may assume the deploy role (required reviewers are set on it in GitHub). */
  readonly githubEnvironment: string;
  readonly state: DeployStateAccess;
  /** Regions besides the environment's and us-east-1 the stacks manage resources in (disaster recovery). */
  readonly additionalRegions: readonly string[];
  /** Production: the deploy role may not schedule any KMS key for deletion (teardown of prod is an admin's act). */
  readonly production: boolean;
  /** Session length. @default 7200 (a first deploy of a whole environment takes about an hour) */
  readonly maxSessionDurationSeconds?: number;
  /** Pull requests plan the environment with a role of their own (development tiers). @default false (only the main branch plans) */
  readonly pullRequestPlans?: boolean;
  /**
   * The Route 53 zones the environment may change; every other zone of the account is denied to its roles.
   * @default undefined: the stacks create their own zone, so no zone restriction (refused when the account is shared)
   */
  readonly hostedZoneIds?: readonly string[];
  /**
   * Prefixes of the other environments of the same account: their node groups' Auto Scaling groups are denied.
   * @default [] (one environment per account)
   */
  readonly accountNeighbours?: readonly string[];
}

/** Services the environment stacks manage. CloudFront's certificate, WAF and logs live in us-east-1. */
export const MANAGED_SERVICES = [
  "acm",
  "application-autoscaling",
  "autoscaling",
  "backup",
  "backup-storage",
  "cloudfront",
  "cloudwatch",
  "codebuild",
  "codeconnections",
  "ec2",
  "ecr",
  "eks",
  "elasticloadbalancing",
  "events",
  "kms",
  "logs",
  "rds",
  "route53",
  "secretsmanager",
  "sns",
  "sqs",
  "ssm",
  "wafv2",
];

/** AWS services the deploy role may hand an environment role to (iam:PassedToService). */
export const PASS_ROLE_SERVICES = ["backup.amazonaws.com", "codebuild.amazonaws.com", "ec2.amazonaws.com", "eks.amazonaws.com", "vpc-flow-logs.amazonaws.com"];

/**
 * The services whose service-linked roles an environment's stacks and controllers may create (iam:AWSServiceName):
 * EC2 Auto Scaling and Spot for node groups, EKS and its node groups, load balancers, RDS and its reader
 * autoscaling, AWS Backup, CloudFront's VPC origins and WAF logging.
 */
export const SERVICE_LINKED_ROLE_SERVICES = [
  "autoscaling.amazonaws.com",
  "backup.amazonaws.com",
  "eks.amazonaws.com",
  "eks-nodegroup.amazonaws.com",
  "elasticloadbalancing.amazonaws.com",
  "rds.amazonaws.com",
  "rds.application-autoscaling.amazonaws.com",
  "spot.amazonaws.com",
  "vpcorigin.cloudfront.amazonaws.com",
  "wafv2.amazonaws.com",
];

/** Account-wide CodeBuild source credentials and CodeConnections connections: the bootstrap's, never an environment's to change. */
const ACCOUNT_WIDE_CREDENTIAL_ACTIONS = [
  "codebuild:ImportSourceCredentials",
  "codebuild:DeleteSourceCredentials",
  ...["codeconnections", "codestar-connections"].flatMap((service) =>
    [
      "CreateConnection",
      "DeleteConnection",
      "UpdateConnectionInstallation",
      "CreateHost",
      "DeleteHost",
      "UpdateHost",
      "TagResource",
      "UntagResource",
      "CreateRepositoryLink",
      "UpdateRepositoryLink",
      "DeleteRepositoryLink",
      "CreateSyncConfiguration",
      "UpdateSyncConfiguration",
      "DeleteSyncConfiguration",
    ].map((action) => `${service}:${action}`),
  ),
];

/** Route 53 actions that change a zone or its records (reads and GetChange stay open). */
const ROUTE53_ZONE_CHANGES = [
  "route53:ChangeResourceRecordSets",
  "route53:ChangeTagsForResource",
  "route53:CreateHostedZone",
  "route53:DeleteHostedZone",
  "route53:UpdateHostedZoneComment",
  "route53:AssociateVPCWithHostedZone",
  "route53:DisassociateVPCFromHostedZone",
  "route53:CreateVPCAssociationAuthorization",
  "route53:DeleteVPCAssociationAuthorization",
  "route53:CreateKeySigningKey",
  "route53:DeleteKeySigningKey",
  "route53:ActivateKeySigningKey",
  "route53:DeactivateKeySigningKey",
  "route53:EnableHostedZoneDNSSEC",
  "route53:DisableHostedZoneDNSSEC",
  "route53:CreateQueryLoggingConfig",
  "route53:DeleteQueryLoggingConfig",
];

/** The AWS managed policies environment roles use; no other AWS managed policy may be attached (never AdministratorAccess). */
export const ATTACHABLE_AWS_MANAGED_POLICIES = [
  "AmazonEKSClusterPolicy",
  "AmazonEKS_CNI_Policy",
  "AmazonEKSWorkerNodePolicy",
  "AmazonEC2ContainerRegistryPullOnly",
  "AmazonSSMManagedInstanceCore",
  "service-role/AmazonEBSCSIDriverPolicy",
  "service-role/AmazonRDSEnhancedMonitoringRole",
  "service-role/AWSBackupServiceRolePolicyForBackup",
  "service-role/AWSBackupServiceRolePolicyForRestores",
];

/** Actions no environment role (under the boundary) needs: workloads read and write data, they never administer IAM. */
const WORKLOAD_SERVICES = [
  "acm",
  "autoscaling",
  "backup",
  "backup-storage",
  "cloudwatch",
  "codebuild",
  "codeconnections",
  "cognito-idp",
  "ec2",
  "ecr",
  "eks",
  "elasticloadbalancing",
  "kms",
  "logs",
  "rds",
  "route53",
  "s3",
  "secretsmanager",
  "shield",
  "sns",
  "sqs",
  "ssm",
  "ssmmessages",
  "ec2messages",
  "sts",
  "tag",
  "waf-regional",
  "wafv2",
  "xray",
];

/**
 * The GitHub Actions roles of one environment, their permissions boundary, and the statements that keep them inside
 * the environment. The deploy role's trust pins the token's `sub` to `repo:<owner>/<repo>:environment:<env>` (the
 * GitHub environment with the required reviewers); the plan role's to the repository's pull requests and main branch.
 *
 * What the deploy role cannot do, whatever it writes: create, change or attach policies to a role without the
 * environment's boundary; attach an AWS managed policy outside {@link ATTACHABLE_AWS_MANAGED_POLICIES}; pass a role
 * outside `<prefix>-*` or to a service outside {@link PASS_ROLE_SERVICES}; change itself, the plan role or the boundary;
 * touch a resource tagged with another environment, or tag one as another environment; read a database secret of
 * another environment's cluster; read or write another environment's state; delete or re-key the state's CMK.
 */
export class GithubDeployRole extends Construct {
  readonly role: IamRole;
  readonly planRole: IamRole;
  /** The pull requests' plan role; undefined unless pullRequestPlans. */
  readonly pullRequestPlanRole?: IamRole;
  readonly boundary: IamPolicy;
  readonly arn: string;
  readonly name: string;

  constructor(scope: Construct, id: string, props: GithubDeployRoleProps) {
    super(scope, id);
    const { prefix } = props;
    this.name = deployRoleName(prefix);
    const guards = environmentGuards(this, props);
    this.boundary = new IamPolicy(this, "Boundary", {
      name: permissionsBoundaryName(prefix),
      description: `Permissions boundary of every role the ${prefix} stacks create`,
      policy: policyDocument(boundaryStatements(this, props, guards)),
    });
    this.role = new IamRole(this, "Role", {
      name: this.name,
      description: `GitHub Actions deploys of ${prefix} from ${props.repository} (environment ${props.githubEnvironment})`,
      maxSessionDuration: props.maxSessionDurationSeconds ?? 7200,
      assumeRolePolicy: githubTrustPolicy(props.oidcProvider.arn, props.repository, [`environment:${props.githubEnvironment}`]),
    });
    this.arn = this.role.arn;
    new IamRolePolicy(this, "Policy", { name: "deploy", role: this.role.id, policy: policyDocument([...deployStatements(this, props), ...guards]) });
    this.planRole = new IamRole(this, "PlanRole", {
      name: planRoleName(prefix),
      description: `Read-only plans of ${prefix} for pull requests and main of ${props.repository}`,
      maxSessionDuration: 3600,
      assumeRolePolicy: githubTrustPolicy(props.oidcProvider.arn, props.repository, [MAIN_BRANCH_SUBJECT]),
    });
    const planPolicy = policyDocument([...planStatements(this, props), ...guards]);
    new IamRolePolicy(this, "PlanPolicy", { name: "plan", role: this.planRole.id, policy: planPolicy });
    if (props.pullRequestPlans) {
      this.pullRequestPlanRole = new IamRole(this, "PullRequestPlanRole", {
        name: pullRequestPlanRoleName(prefix),
        description: `Read-only plans of ${prefix} for pull requests of ${props.repository}; its cluster access reads no Secrets`,
        maxSessionDuration: 3600,
        assumeRolePolicy: githubTrustPolicy(props.oidcProvider.arn, props.repository, [PULL_REQUEST_SUBJECT]),
      });
      new IamRolePolicy(this, "PullRequestPlanPolicy", { name: "plan", role: this.pullRequestPlanRole.id, policy: planPolicy });
    }
    if (props.hostedZoneIds === undefined && (props.accountNeighbours ?? []).length > 0) {
      this.node.addValidation({
        validate: () => [
          `environment ${props.environmentName}: edge.hostedZoneId is required when environments share an account (with ${props.accountNeighbours!.join(", ")}): Route 53 has no tag conditions, so each environment's roles are limited to its zones by id`,
        ],
      });
    }
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

function regionsOf(props: GithubDeployRoleProps): string[] {
  return [...new Set([props.region, "us-east-1", ...props.additionalRegions])];
}

function stateArns(props: GithubDeployRoleProps): { bucket: string; ownObjects: string } {
  const { arn } = props.state.bucket.bucket;
  return { bucket: arn, ownObjects: `${arn}/${props.state.keyPrefix}*` };
}

/** The environment's buckets, `<prefix>-*`, and their objects (S3 ARNs carry no account or region). */
function environmentBucketArns(scope: Construct, prefix: string): string[] {
  const buckets = formatArn(scope, { service: "s3", region: "", account: "", resource: `${prefix}-*` });
  return [buckets, `${buckets}/*`];
}

/**
 * Statements every role of the environment carries (deploy, plan, and through the boundary every role they create):
 * they keep it out of other environments' resources and away from the state's key, whatever the Allow statements say.
 */
function environmentGuards(scope: Construct, props: GithubDeployRoleProps): PolicyStatement[] {
  const { prefix, state } = props;
  // Bootstrap resources carry environment=account; the statements below protect the state bucket and key by name.
  const ownEnvironmentTags = [props.environmentName, "account"];
  return [
    {
      Sid: "NeverOtherEnvironmentsResources",
      Effect: "Deny",
      Action: "*",
      Resource: "*",
      Condition: { Null: { "aws:ResourceTag/environment": "false" }, StringNotEquals: { "aws:ResourceTag/environment": ownEnvironmentTags } },
    },
    {
      Sid: "NeverTagAsAnotherEnvironment",
      Effect: "Deny",
      Action: "*",
      Resource: "*",
      Condition: { Null: { "aws:RequestTag/environment": "false" }, StringNotEquals: { "aws:RequestTag/environment": [props.environmentName] } },
    },
    {
      // RDS creates the managed master password secret and tags it with its cluster, not with the environment.
      Sid: "NeverOtherEnvironmentsDatabaseSecrets",
      Effect: "Deny",
      Action: "secretsmanager:*",
      Resource: "*",
      Condition: {
        Null: { "aws:ResourceTag/aws:rds:primaryDBClusterArn": "false" },
        // The environment's cluster is named <prefix> (the data stack's); <prefix>-* covers any further cluster of it.
        ArnNotLike: {
          "aws:ResourceTag/aws:rds:primaryDBClusterArn": [`cluster:${prefix}`, `cluster:${prefix}-*`].map((resource) =>
            formatArn(scope, { service: "rds", region: "*", resource }),
          ),
        },
      },
    },
    {
      Sid: "NeverDeleteOrReKeyTheState",
      Effect: "Deny",
      Action: [
        "kms:ScheduleKeyDeletion",
        "kms:DisableKey",
        "kms:PutKeyPolicy",
        "kms:CreateGrant",
        "kms:DisableKeyRotation",
        "s3:DeleteBucket",
        "s3:PutBucketPolicy",
        "s3:DeleteBucketPolicy",
        "s3:PutBucketVersioning",
        "s3:PutLifecycleConfiguration",
        "s3:PutEncryptionConfiguration",
        "s3:PutBucketOwnershipControls",
      ],
      Resource: [state.bucket.key.arn, stateArns(props).bucket],
    },
    {
      // Backends name the key by ARN; an alias repointed at another key would re-key every later state write.
      Sid: "NeverMoveTheStateKeyAlias",
      Effect: "Deny",
      Action: ["kms:CreateAlias", "kms:DeleteAlias", "kms:UpdateAlias"],
      Resource: [state.bucket.key.arn, ...(state.bucket.key.aliasArn ? [state.bucket.key.aliasArn] : [])],
    },
    { Sid: "NeverAccountWideSourceCredentialsOrConnections", Effect: "Deny", Action: ACCOUNT_WIDE_CREDENTIAL_ACTIONS, Resource: "*" },
    ...nodeGroupGuards(props),
    ...(props.hostedZoneIds
      ? [
          {
            // Route 53 supports no resource tags in conditions: zones are told apart by id.
            Sid: "OnlyTheEnvironmentsZones",
            Effect: "Deny" as const,
            Action: ROUTE53_ZONE_CHANGES,
            NotResource: props.hostedZoneIds.map((id) => formatArn(scope, { service: "route53", region: "", account: "", resource: `hostedzone/${id}` })),
          },
        ]
      : []),
  ];
}

/**
 * EKS does not copy a node group's tags to its Auto Scaling group, but tags the group with its cluster
 * (`eks:cluster-name`, and `k8s.io/cluster-autoscaler/<cluster>` for the autoscaler): the environment's roles may
 * change the groups of its own cluster (named `<prefix>`) and no other, nor groups of a neighbour's cluster.
 */
function nodeGroupGuards(props: GithubDeployRoleProps): PolicyStatement[] {
  return [
    {
      Sid: "NeverOtherClustersAutoScalingGroups",
      Effect: "Deny",
      Action: "autoscaling:*",
      Resource: "*",
      Condition: { Null: { "aws:ResourceTag/eks:cluster-name": "false" }, StringNotEquals: { "aws:ResourceTag/eks:cluster-name": props.prefix } },
    },
    ...(props.accountNeighbours ?? []).map((neighbour, index) => ({
      Sid: `NeverNeighbourAutoScalingGroups${index}`,
      Effect: "Deny" as const,
      Action: "autoscaling:*",
      Resource: "*",
      Condition: { Null: { [`aws:ResourceTag/k8s.io/cluster-autoscaler/${neighbour}`]: "false" } },
    })),
  ];
}

/**
 * The most any role the environment's stacks create may do: the workload services (never IAM beyond reads and
 * service-linked roles, never STS role chaining beyond web identity), S3 on the environment's own buckets, and the
 * environment guards. A role under it that tries to escalate is capped here, whatever its own policy says.
 */
function boundaryStatements(scope: Construct, props: GithubDeployRoleProps, guards: PolicyStatement[]): PolicyStatement[] {
  return [
    {
      // The deploy policy's region condition, here too: a role passed to EC2 or CodeBuild acts in the environment's regions only.
      Sid: "WorkloadServices",
      Effect: "Allow",
      Action: WORKLOAD_SERVICES.filter((service) => service !== "s3" && service !== "sts").map((service) => `${service}:*`),
      Resource: "*",
      Condition: { StringEquals: { "aws:RequestedRegion": regionsOf(props) } },
    },
    {
      Sid: "EnvironmentBuckets",
      Effect: "Allow",
      Action: "s3:*",
      Resource: environmentBucketArns(scope, props.prefix),
    },
    {
      // IAM database authentication is its own service prefix (rds-db), not part of rds:*. Cluster resource ids are
      // random, so the user ARN is scoped by account and the environment's regions only.
      Sid: "ConnectToDatabasesWithIam",
      Effect: "Allow",
      Action: "rds-db:connect",
      Resource: regionsOf(props).map((region) => formatArn(scope, { service: "rds-db", region, resource: "dbuser:*/*" })),
    },
    { Sid: "IdentityReads", Effect: "Allow", Action: ["iam:Get*", "iam:List*", "sts:GetCallerIdentity", "sts:AssumeRoleWithWebIdentity"], Resource: "*" },
    serviceLinkedRoles(),
    ...guards,
  ];
}

/** Service-linked roles of the services the environment uses, and no other (iam:AWSServiceName). */
function serviceLinkedRoles(): PolicyStatement {
  return {
    Sid: "ServiceLinkedRolesOfItsServices",
    Effect: "Allow",
    Action: "iam:CreateServiceLinkedRole",
    Resource: "*",
    Condition: { StringEquals: { "iam:AWSServiceName": SERVICE_LINKED_ROLE_SERVICES } },
  };
}

function deployStatements(scope: Construct, props: GithubDeployRoleProps): PolicyStatement[] {
  const { prefix, state } = props;
  const iam = (resource: string) => formatArn(scope, { service: "iam", region: "", resource });
  const boundaryArn = policyArn(scope, permissionsBoundaryName(prefix));
  const awsManaged = ATTACHABLE_AWS_MANAGED_POLICIES.map((policy) => awsManagedPolicyArn(scope, policy));
  const { bucket, ownObjects } = stateArns(props);
  return [
    {
      Sid: "ManageEnvironmentServicesInItsRegions",
      Effect: "Allow",
      Action: MANAGED_SERVICES.map((service) => `${service}:*`),
      Resource: "*",
      Condition: { StringEquals: { "aws:RequestedRegion": regionsOf(props) } },
    },
    {
      Sid: "ManageEnvironmentBuckets",
      Effect: "Allow",
      Action: "s3:*",
      Resource: environmentBucketArns(scope, props.prefix),
    },
    {
      Sid: "CreateRolesOnlyUnderTheBoundary",
      Effect: "Allow",
      Action: ["iam:CreateRole", "iam:PutRolePolicy", "iam:AttachRolePolicy", "iam:PutRolePermissionsBoundary"],
      Resource: roleArn(scope, `${prefix}-*`),
      Condition: { StringEquals: { "iam:PermissionsBoundary": boundaryArn } },
    },
    {
      Sid: "ManageEnvironmentRolesAndPolicies",
      Effect: "Allow",
      Action: [
        "iam:DeleteRole",
        "iam:TagRole",
        "iam:UntagRole",
        "iam:UpdateRole",
        "iam:UpdateRoleDescription",
        "iam:UpdateAssumeRolePolicy",
        "iam:DetachRolePolicy",
        "iam:DeleteRolePolicy",
        "iam:CreateInstanceProfile",
        "iam:DeleteInstanceProfile",
        "iam:AddRoleToInstanceProfile",
        "iam:RemoveRoleFromInstanceProfile",
        "iam:TagInstanceProfile",
        "iam:UntagInstanceProfile",
        "iam:CreatePolicy",
        "iam:CreatePolicyVersion",
        "iam:DeletePolicy",
        "iam:DeletePolicyVersion",
        "iam:SetDefaultPolicyVersion",
        "iam:TagPolicy",
        "iam:UntagPolicy",
      ],
      Resource: [roleArn(scope, `${prefix}-*`), policyArn(scope, `${prefix}-*`), iam(`instance-profile/${prefix}-*`)],
    },
    {
      Sid: "ManageClusterOidcProviders",
      Effect: "Allow",
      Action: [
        "iam:CreateOpenIDConnectProvider",
        "iam:DeleteOpenIDConnectProvider",
        "iam:TagOpenIDConnectProvider",
        "iam:UntagOpenIDConnectProvider",
        "iam:UpdateOpenIDConnectProviderThumbprint",
        "iam:AddClientIDToOpenIDConnectProvider",
      ],
      Resource: iam("oidc-provider/oidc.eks.*"),
    },
    {
      Sid: "PassOnlyBoundedEnvironmentRolesToItsServices",
      Effect: "Allow",
      Action: "iam:PassRole",
      Resource: roleArn(scope, `${prefix}-*`),
      Condition: { StringEquals: { "iam:PassedToService": PASS_ROLE_SERVICES } },
    },
    {
      // RDS checks iam:PassRole for an instance's MonitoringRoleArn with iam:PassedToService rds.amazonaws.com (AWS does
      // not document the value; RDS API calls such as CreateBlueGreenDeployment were seen refused with only
      // monitoring.rds.amazonaws.com admitted, mitodl/ol-infrastructure#5874), the service that assumes it is
      // monitoring.rds. Both are admitted, for the Enhanced Monitoring role only.
      Sid: "PassTheEnhancedMonitoringRoleToRds",
      Effect: "Allow",
      Action: "iam:PassRole",
      Resource: roleArn(scope, enhancedMonitoringRoleName(prefix)),
      Condition: { StringEquals: { "iam:PassedToService": ["rds.amazonaws.com", "monitoring.rds.amazonaws.com"] } },
    },
    { Sid: "IamReads", Effect: "Allow", Action: ["iam:Get*", "iam:List*", "sts:GetCallerIdentity"], Resource: "*" },
    serviceLinkedRoles(),
    { Sid: "ListOwnState", Effect: "Allow", Action: "s3:ListBucket", Resource: bucket, Condition: { StringLike: { "s3:prefix": [`${state.keyPrefix}*`] } } },
    { Sid: "ReadWriteOwnState", Effect: "Allow", Action: ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"], Resource: ownObjects },
    state.bucket.key.grantUse("UseStateKey", ["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey", "kms:DescribeKey"]),
    {
      Sid: "OnlyTheEnvironmentsAwsManagedPolicies",
      Effect: "Deny",
      Action: ["iam:AttachRolePolicy", "iam:DetachRolePolicy"],
      Resource: "*",
      Condition: { ArnNotLike: { "iam:PolicyARN": [...awsManaged, policyArn(scope, `${prefix}-*`)] } },
    },
    {
      Sid: "NeverLongLivedCredentialsOrAccountChanges",
      Effect: "Deny",
      Action: [
        "iam:CreateUser",
        "iam:CreateAccessKey",
        "iam:CreateLoginProfile",
        "iam:UpdateLoginProfile",
        "iam:AttachUserPolicy",
        "iam:PutUserPolicy",
        "iam:DeleteRolePermissionsBoundary",
        "organizations:*",
        "account:*",
      ],
      Resource: "*",
    },
    // Their names match <prefix>-*: without this the role could widen its own trust, permissions or boundary.
    {
      Sid: "NeverChangeItselfThePlanRoleOrTheBoundary",
      Effect: "Deny",
      Action: "iam:*",
      Resource: [roleArn(scope, deployRoleName(prefix)), roleArn(scope, planRoleName(prefix)), roleArn(scope, pullRequestPlanRoleName(prefix)), boundaryArn],
    },
    ...(props.production
      ? [{ Sid: "NeverDeleteProductionKeys", Effect: "Deny" as const, Action: ["kms:ScheduleKeyDeletion", "kms:DisableKey"], Resource: "*" }]
      : []),
  ];
}

/**
 * Plans of pull requests and main: reads of the managed services (Terraform refreshes every resource, so secret
 * values of the environment's own secrets included), the environment's own state without writing it (plans run
 * with -lock=false), and nothing else.
 */
function planStatements(scope: Construct, props: GithubDeployRoleProps): PolicyStatement[] {
  const { state } = props;
  const { bucket, ownObjects } = stateArns(props);
  return [
    {
      Sid: "ReadEnvironmentServicesInItsRegions",
      Effect: "Allow",
      Action: MANAGED_SERVICES.flatMap((service) => [`${service}:Describe*`, `${service}:Get*`, `${service}:List*`]),
      Resource: "*",
      Condition: { StringEquals: { "aws:RequestedRegion": regionsOf(props) } },
    },
    {
      Sid: "ReadEnvironmentBuckets",
      Effect: "Allow",
      Action: ["s3:Get*", "s3:List*"],
      Resource: environmentBucketArns(scope, props.prefix),
    },
    {
      // The provider refreshes a CodeBuild project and its webhook with BatchGetProjects, not a Describe/Get/List call.
      Sid: "ReadEnvironmentCodeBuildProjects",
      Effect: "Allow",
      Action: "codebuild:BatchGetProjects",
      Resource: regionsOf(props).map((region) => formatArn(scope, { service: "codebuild", region, resource: `project/${props.prefix}-*` })),
    },
    {
      // Refreshing a secret version reads its value; Secrets Manager decrypts it with the secret's key for the caller.
      Sid: "DecryptSecretsThroughSecretsManager",
      Effect: "Allow",
      Action: "kms:Decrypt",
      Resource: regionsOf(props).map((region) => formatArn(scope, { service: "kms", region, resource: "key/*" })),
      Condition: { StringEquals: { "kms:ViaService": regionsOf(props).map((region) => `secretsmanager.${region}.amazonaws.com`) } },
    },
    { Sid: "IamReads", Effect: "Allow", Action: ["iam:Get*", "iam:List*", "sts:GetCallerIdentity"], Resource: "*" },
    { Sid: "ListOwnState", Effect: "Allow", Action: "s3:ListBucket", Resource: bucket, Condition: { StringLike: { "s3:prefix": [`${state.keyPrefix}*`] } } },
    { Sid: "ReadOwnState", Effect: "Allow", Action: "s3:GetObject", Resource: ownObjects },
    state.bucket.key.grantUse("DecryptState", ["kms:Decrypt", "kms:DescribeKey"]),
  ];
}
