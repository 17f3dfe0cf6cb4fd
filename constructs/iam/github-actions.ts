import { Construct } from "constructs";
import { IamOpenidConnectProvider } from "@cdktf/provider-aws/lib/iam-openid-connect-provider";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy";
import { AccountContext, policyDocument, PolicyStatement } from "./policy-document";

export const GITHUB_OIDC_HOST = "token.actions.githubusercontent.com";
export const GITHUB_OIDC_AUDIENCE = "sts.amazonaws.com";

export interface GithubOidcProviderProps {
  readonly account: AccountContext;
  /**
   * Reference the provider the account already has instead of creating one: IAM keeps one provider per URL and
   * rejects a second with EntityAlreadyExists. @default false (a new account has none)
   */
  readonly existing?: boolean;
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
      this.arn = `arn:${props.account.partition}:iam::${props.account.accountId}:oidc-provider/${GITHUB_OIDC_HOST}`;
      return;
    }
    this.provider = new IamOpenidConnectProvider(this, "Provider", {
      url: `https://${GITHUB_OIDC_HOST}`,
      clientIdList: [GITHUB_OIDC_AUDIENCE],
    });
    this.arn = this.provider.arn;
  }
}

/** The deploy role of an environment; the deploy workflow and the cluster's EKS access entry name it. */
export function deployRoleName(prefix: string): string {
  return `${prefix}-deploy`;
}

/** Where an environment's Terraform state lives: the deploy role may touch its own keys and nothing else. */
export interface DeployStateAccess {
  readonly bucket: string;
  /** Key prefix of the environment's state objects, e.g. `prod/`. */
  readonly keyPrefix: string;
  readonly keyArn: string;
}

export interface GithubDeployRoleProps {
  readonly account: AccountContext;
  readonly oidcProvider: GithubOidcProvider;
  /** `<project>-<environment>`: the role is `<prefix>-deploy` and may manage resources named `<prefix>-*` only. */
  readonly prefix: string;
  /** `<owner>/<repository>` whose workflows may assume the role. */
  readonly repository: string;
  /** The GitHub environment whose jobs may assume the role (required reviewers are set on it in GitHub). */
  readonly githubEnvironment: string;
  readonly state: DeployStateAccess;
  /** Regions besides the environment's and us-east-1 the stacks manage resources in (disaster recovery). @default none */
  readonly additionalRegions?: readonly string[];
  /** Session length. @default 7200 (a first deploy of a whole environment takes about an hour) */
  readonly maxSessionDurationSeconds?: number;
}

/** Services the environment stacks manage. CloudFront's certificate, WAF and logs live in us-east-1. */
export const MANAGED_SERVICES = [
  "acm", "application-autoscaling", "autoscaling", "backup", "backup-storage", "cloudfront", "cloudwatch", "ec2", "ecr", "eks", "elasticloadbalancing",
  "events", "kms", "logs", "rds", "route53", "secretsmanager", "sns", "sqs", "ssm", "wafv2",
];

/**
 * The role a GitHub Actions deploy job of one environment assumes through OIDC. Its trust pins the token's `sub` to
 * `repo:<owner>/<repo>:environment:<env>` and its `aud` to STS, so no other repository, branch job or environment can
 * use it. Its permissions are what `cdktf deploy` of the environment's stacks needs, bounded: the managed services in
 * the environment's region, us-east-1 and its disaster-recovery region only, IAM and S3 on `<prefix>-*` names only, the environment's own state
 * objects, and never IAM users, access keys or account-level changes.
 */
export class GithubDeployRole extends Construct {
  readonly role: IamRole;
  readonly arn: string;
  readonly name: string;

  constructor(scope: Construct, id: string, props: GithubDeployRoleProps) {
    super(scope, id);
    this.name = deployRoleName(props.prefix);
    this.role = new IamRole(this, "Role", {
      name: this.name,
      description: `GitHub Actions deploys of ${props.prefix} from ${props.repository} (environment ${props.githubEnvironment})`,
      maxSessionDuration: props.maxSessionDurationSeconds ?? 7200,
      assumeRolePolicy: githubTrustPolicy(props.oidcProvider.arn, props.repository, props.githubEnvironment),
    });
    this.arn = this.role.arn;
    new IamRolePolicy(this, "Policy", {
      name: "deploy",
      role: this.role.id,
      policy: policyDocument(deployStatements(props)),
    });
  }
}

export function githubTrustPolicy(providerArn: string, repository: string, githubEnvironment: string): string {
  return policyDocument([
    {
      Effect: "Allow",
      Principal: { Federated: providerArn },
      Action: "sts:AssumeRoleWithWebIdentity",
      Condition: {
        StringEquals: {
          [`${GITHUB_OIDC_HOST}:aud`]: GITHUB_OIDC_AUDIENCE,
          [`${GITHUB_OIDC_HOST}:sub`]: `repo:${repository}:environment:${githubEnvironment}`,
        },
      },
    },
  ]);
}

function deployStatements(props: GithubDeployRoleProps): PolicyStatement[] {
  const { account, prefix, state } = props;
  const iam = (resource: string) => `arn:${account.partition}:iam::${account.accountId}:${resource}`;
  const stateBucketArn = `arn:${account.partition}:s3:::${state.bucket}`;
  return [
    {
      Sid: "ManageEnvironmentServicesInItsRegions",
      Effect: "Allow",
      Action: MANAGED_SERVICES.map((service) => `${service}:*`),
      Resource: "*",
      Condition: { StringEquals: { "aws:RequestedRegion": [...new Set([account.region, "us-east-1", ...(props.additionalRegions ?? [])])] } },
    },
    {
      Sid: "ManageEnvironmentBuckets",
      Effect: "Allow",
      Action: "s3:*",
      Resource: [`arn:${account.partition}:s3:::${prefix}-*`, `arn:${account.partition}:s3:::${prefix}-*/*`],
    },
    {
      Sid: "ManageEnvironmentIamRoles",
      Effect: "Allow",
      Action: "iam:*",
      Resource: [iam(`role/${prefix}-*`), iam(`policy/${prefix}-*`), iam(`instance-profile/${prefix}-*`), iam("oidc-provider/oidc.eks.*")],
    },
    {
      Sid: "ServiceLinkedRolesAndIamReads",
      Effect: "Allow",
      Action: ["iam:CreateServiceLinkedRole", "iam:Get*", "iam:List*", "sts:GetCallerIdentity"],
      Resource: "*",
    },
    { Sid: "ListOwnState", Effect: "Allow", Action: "s3:ListBucket", Resource: stateBucketArn, Condition: { StringLike: { "s3:prefix": [`${state.keyPrefix}*`] } } },
    {
      Sid: "ReadWriteOwnState",
      Effect: "Allow",
      Action: ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"],
      Resource: `${stateBucketArn}/${state.keyPrefix}*`,
    },
    { Sid: "UseStateKey", Effect: "Allow", Action: ["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey", "kms:DescribeKey"], Resource: state.keyArn },
    {
      Sid: "NeverLongLivedCredentialsOrAccountChanges",
      Effect: "Deny",
      Action: [
        "iam:CreateUser", "iam:CreateAccessKey", "iam:CreateLoginProfile", "iam:UpdateLoginProfile", "iam:AttachUserPolicy",
        "iam:PutUserPolicy", "organizations:*", "account:*",
      ],
      Resource: "*",
    },
    // The role's own name matches <prefix>-*: without this it could widen its own trust or permissions.
    { Sid: "NeverChangeItself", Effect: "Deny", Action: "iam:*", Resource: iam(`role/${prefix}-deploy`) },
  ];
}
