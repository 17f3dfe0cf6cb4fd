import type { EnvironmentConfig } from "../../config";
import type { IamRequest } from "./evaluation";
import { arnsOf, inRegion, Layout } from "./layouts";

/**
 * Every escalation and cross-environment path the reviews found, as IAM requests. Each is tried as every principal
 * of the attacking environment (deploy role, plan role, pull-request plan role, any role under its boundary) and
 * must be refused. Paths name their review: issue 18 (escalation of the deploy role), issue 22 (one account shared
 * by environments, pull requests, the scanner's findings).
 */
export type Path = readonly [attack: string, request: IamRequest];

/** The bootstrap stack's state key and bucket, as the pipeline policies name them. */
export interface StateFacts {
  readonly key: string;
  readonly keyAlias: string;
  readonly bucket: string;
  /** The bucket's region: S3 uses the key there on a caller's behalf (kms:ViaService). */
  readonly region: string;
}

export function stateOf(layout: Layout, environment: EnvironmentConfig): StateFacts {
  if (environment.state.backend !== "s3") throw new Error("pipeline roles exist for S3 state only");
  const { bucket, region } = environment.state;
  const deploy = Object.entries(layout.stacks).find(([, json]) =>
    Object.values((json.resource as Record<string, Record<string, { name?: string }>>)?.aws_iam_role ?? {}).some(
      (role) => role.name === `${environment.prefix}-deploy`,
    ),
  );
  const resources = (deploy?.[1].resource ?? {}) as Record<string, Record<string, Record<string, unknown>>>;
  const [keyName] = Object.entries(resources.aws_kms_key ?? {}).find(([, key]) => String(key.description).includes(`s3://${bucket}`)) ?? [];
  const [aliasName] = Object.entries(resources.aws_kms_alias ?? {}).find(([, alias]) => String(alias.target_key_id).includes(`aws_kms_key.${keyName}.`)) ?? [];
  if (!keyName || !aliasName) throw new Error(`no state key of ${environment.name}`);
  return { key: `\${aws_kms_key.${keyName}.arn}`, keyAlias: `\${aws_kms_alias.${aliasName}.arn}`, bucket, region };
}

/**
 * An object of the environment's saved plans (deploy-environment.yml: `saved-plans/<environment>/<stack>/<commit>/`),
 * which hold the prior state; the path is spelled out, not taken from the code under test.
 */
export function savedPlan(environment: EnvironmentConfig, state: StateFacts, file = "tfplan"): string {
  return `arn:${environment.partition}:s3:::${state.bucket}/saved-plans/${environment.name}/${environment.name}-data/0123456789abcdef0123456789abcdef01234567/${file}`;
}

/** The roles that run an environment's Terraform: the one that applies and those that plan. */
export interface RoleNames {
  readonly apply: string;
  readonly plans: readonly string[];
  /** Services whose service-linked roles these environments create beyond the pipeline's: Terraform Cloud's agents run on ECS. */
  readonly ownServiceLinkedRoles: readonly string[];
}

/** GitHub Actions' roles (the pull-request plan role's name is protected in every environment, created or not). */
export function githubRoleNames(environment: EnvironmentConfig): RoleNames {
  const { prefix } = environment;
  return { apply: `${prefix}-deploy`, plans: [`${prefix}-plan`, `${prefix}-pr-plan`], ownServiceLinkedRoles: [] };
}

/** Terraform Cloud's roles (dynamic provider credentials). */
export function terraformCloudRoleNames(environment: EnvironmentConfig): RoleNames {
  const { prefix } = environment;
  return { apply: `${prefix}-tfc-apply`, plans: [`${prefix}-tfc-plan`], ownServiceLinkedRoles: ["ecs.amazonaws.com"] };
}

/**
 * Issue 18: what the applying role must never do to escalate beyond its boundary (its own account). `state` is the
 * account's S3 state (undefined where Terraform Cloud keeps it): its paths are tried where it exists.
 */
export function escalations(environment: EnvironmentConfig, state: StateFacts | undefined, roles: RoleNames = githubRoleNames(environment)): Path[] {
  const { iam, prefix } = arnsOf(environment);
  const boundary = iam(`policy/${prefix}-boundary`);
  const partition = environment.partition;
  return [
    ["create a role without the boundary", { action: "iam:CreateRole", resource: iam(`role/${prefix}-escalate`) }],
    [
      "create a role under a boundary of its own",
      { action: "iam:CreateRole", resource: iam(`role/${prefix}-escalate`), context: { "iam:PermissionsBoundary": iam(`policy/${prefix}-lenient`) } },
    ],
    ["put an inline policy on a role without the boundary", { action: "iam:PutRolePolicy", resource: iam(`role/${prefix}-nodes-system`) }],
    [
      "attach AdministratorAccess to a bounded role",
      {
        action: "iam:AttachRolePolicy",
        resource: iam(`role/${prefix}-nodes-system`),
        context: { "iam:PermissionsBoundary": boundary, "iam:PolicyARN": `arn:${partition}:iam::aws:policy/AdministratorAccess` },
      },
    ],
    [
      "pass a role outside the environment to EC2",
      { action: "iam:PassRole", resource: iam("role/platform-admins"), context: { "iam:PassedToService": "ec2.amazonaws.com" } },
    ],
    [
      "pass the applying role to EC2",
      { action: "iam:PassRole", resource: iam(`role/${roles.apply}`), context: { "iam:PassedToService": "ec2.amazonaws.com" } },
    ],
    [
      "pass a bounded role to a service it does not deploy",
      { action: "iam:PassRole", resource: iam(`role/${prefix}-nodes-system`), context: { "iam:PassedToService": "lambda.amazonaws.com" } },
    ],
    [
      "pass a node role to RDS (only the Enhanced Monitoring role goes there)",
      { action: "iam:PassRole", resource: iam(`role/${prefix}-nodes-system`), context: { "iam:PassedToService": "rds.amazonaws.com" } },
    ],
    [
      "put a role policy on the applying role",
      { action: "iam:PutRolePolicy", resource: iam(`role/${roles.apply}`), context: { "iam:PermissionsBoundary": boundary } },
    ],
    ["widen the applying role's trust", { action: "iam:UpdateAssumeRolePolicy", resource: iam(`role/${roles.apply}`) }],
    ...roles.plans.flatMap((plan): Path[] => [
      [`widen ${plan}`, { action: "iam:PutRolePolicy", resource: iam(`role/${plan}`), context: { "iam:PermissionsBoundary": boundary } }],
      [`widen ${plan}'s trust`, { action: "iam:UpdateAssumeRolePolicy", resource: iam(`role/${plan}`) }],
    ]),
    ["delete the boundary", { action: "iam:DeletePolicy", resource: boundary }],
    ["rewrite the boundary", { action: "iam:CreatePolicyVersion", resource: boundary }],
    ["remove the boundary from a role", { action: "iam:DeleteRolePermissionsBoundary", resource: iam(`role/${prefix}-nodes-system`) }],
    ["create an IAM user with keys", { action: "iam:CreateUser", resource: iam(`user/${prefix}-backdoor`) }],
    ["create an access key", { action: "iam:CreateAccessKey", resource: iam(`user/${prefix}-backdoor`) }],
    ...["ecs.amazonaws.com", "opensearchservice.amazonaws.com"]
      .filter((service) => !roles.ownServiceLinkedRoles.includes(service))
      .map((service): Path => [
        `create a service-linked role of a service the environment does not use, ${service} (issue 22, scanner)`,
        { action: "iam:CreateServiceLinkedRole", resource: iam("role/aws-service-role/*"), context: { "iam:AWSServiceName": service } },
      ]),
    ...(state ? stateEscalations(environment, state) : []),
  ];
}

function stateEscalations(environment: EnvironmentConfig, state: StateFacts): Path[] {
  const partition = environment.partition;
  return [
    ["schedule the state key for deletion", inRegion(environment, "kms:ScheduleKeyDeletion", state.key)],
    ["replace the state key's policy", inRegion(environment, "kms:PutKeyPolicy", state.key)],
    ["grant itself the state key", inRegion(environment, "kms:CreateGrant", state.key)],
    ["delete the state bucket's policy", { action: "s3:DeleteBucketPolicy", resource: `arn:${partition}:s3:::${state.bucket}` }],
    ["turn off the state bucket's versioning", { action: "s3:PutBucketVersioning", resource: `arn:${partition}:s3:::${state.bucket}` }],
    // Issue 22: backends named the alias; an alias repointed at a key of the attacker's would re-key the state.
    ["repoint the state key's alias", inRegion(environment, "kms:UpdateAlias", state.keyAlias)],
    ["delete the state key's alias", inRegion(environment, "kms:DeleteAlias", state.keyAlias)],
    ["point a new alias at the state key", inRegion(environment, "kms:CreateAlias", state.key)],
  ];
}

/** What the applying role must still be able to do: attacks refused by a role that can do nothing prove nothing. */
export function deployments(environment: EnvironmentConfig, state: StateFacts | undefined): Path[] {
  const { iam, regional, global, prefix } = arnsOf(environment);
  const boundary = iam(`policy/${prefix}-boundary`);
  const own = { "aws:RequestTag/environment": environment.name };
  const zone = environment.edge?.hostedZoneId;
  return [
    [
      "create a node role under the boundary",
      { action: "iam:CreateRole", resource: iam(`role/${prefix}-nodes-system`), context: { "iam:PermissionsBoundary": boundary } },
    ],
    [
      "attach the EKS worker policy to it",
      {
        action: "iam:AttachRolePolicy",
        resource: iam(`role/${prefix}-nodes-system`),
        context: { "iam:PermissionsBoundary": boundary, "iam:PolicyARN": `arn:${environment.partition}:iam::aws:policy/AmazonEKSWorkerNodePolicy` },
      },
    ],
    ["pass it to EC2", { action: "iam:PassRole", resource: iam(`role/${prefix}-nodes-system`), context: { "iam:PassedToService": "ec2.amazonaws.com" } }],
    // Issue 20: RDS checks the Enhanced Monitoring role's pass with rds.amazonaws.com.
    [
      "pass the Enhanced Monitoring role to RDS",
      { action: "iam:PassRole", resource: iam(`role/${prefix}-rds-monitoring`), context: { "iam:PassedToService": "rds.amazonaws.com" } },
    ],
    [
      "pass the Enhanced Monitoring role to RDS monitoring",
      { action: "iam:PassRole", resource: iam(`role/${prefix}-rds-monitoring`), context: { "iam:PassedToService": "monitoring.rds.amazonaws.com" } },
    ],
    [
      "create the EKS node groups' service-linked role",
      { action: "iam:CreateServiceLinkedRole", resource: iam("role/aws-service-role/*"), context: { "iam:AWSServiceName": "eks-nodegroup.amazonaws.com" } },
    ],
    ["create its cluster", inRegion(environment, "eks:CreateCluster", regional("eks", `cluster/${prefix}`), own)],
    [
      "scale its own node group's Auto Scaling group",
      inRegion(environment, "autoscaling:UpdateAutoScalingGroup", regional("autoscaling", "autoScalingGroup:0a1b:autoScalingGroupName/eks-own"), {
        "aws:ResourceTag/eks:cluster-name": prefix,
        [`aws:ResourceTag/k8s.io/cluster-autoscaler/${prefix}`]: "owned",
      }),
    ],
    ...(zone
      ? [["change its own zone's records", inRegion(environment, "route53:ChangeResourceRecordSets", global("route53", `hostedzone/${zone}`))] as const]
      : []),
    ...(state
      ? ([
          [
            "read its state",
            { action: "s3:GetObject", resource: `arn:${environment.partition}:s3:::${state.bucket}/${environment.name}/${environment.name}-network.tfstate` },
          ],
          ["decrypt its state", inRegion(environment, "kms:Decrypt", state.key)],
          // Issue 22: the plans the main branch saves wait beside the state; the apply reads and then deletes them.
          ["read its saved plan", { action: "s3:GetObject", resource: savedPlan(environment, state) }],
          ["delete its saved plan once applied", { action: "s3:DeleteObject", resource: savedPlan(environment, state) }],
        ] satisfies Path[])
      : []),
  ];
}

/** Issues 18 and 22: `from`'s principals against `to`'s resources; in a shared account only the guards stand between them. */
export function crossEnvironment(from: EnvironmentConfig, to: EnvironmentConfig, state: StateFacts | undefined): Path[] {
  const target = arnsOf(to);
  const tagged = { "aws:ResourceTag/environment": to.name };
  const boundary = arnsOf(from).iam(`policy/${from.prefix}-boundary`);
  const zone = to.edge?.hostedZoneId;
  const asg = target.regional("autoscaling", "autoScalingGroup:0a1b:autoScalingGroupName/eks-other");
  return [
    ["grant itself access to the other cluster", inRegion(from, "eks:CreateAccessEntry", target.regional("eks", `cluster/${to.prefix}`), tagged)],
    ["disable the other database's deletion protection", inRegion(from, "rds:ModifyDBCluster", target.regional("rds", `cluster:${to.prefix}`), tagged)],
    [
      "read the other database's RDS-managed master secret",
      inRegion(from, "secretsmanager:GetSecretValue", target.regional("secretsmanager", "secret:rds!cluster-0a1b2c3d-AbCdEf"), {
        "aws:ResourceTag/aws:rds:primaryDBClusterArn": target.regional("rds", `cluster:${to.prefix}`),
      }),
    ],
    [
      "read the other environment's application secret",
      inRegion(from, "secretsmanager:GetSecretValue", target.regional("secretsmanager", `secret:${to.prefix}/web/database-AbCdEf`), tagged),
    ],
    ["schedule the other environment's key for deletion", inRegion(from, "kms:ScheduleKeyDeletion", target.regional("kms", "key/0a1b2c3d"), tagged)],
    ...(state ? otherState(to, state) : []),
    [
      "change the other environment's roles",
      { action: "iam:PutRolePolicy", resource: target.iam(`role/${to.prefix}-nodes-system`), context: { "iam:PermissionsBoundary": boundary, ...tagged } },
    ],
    [
      "tag its own resource as the other environment's",
      inRegion(from, "ec2:CreateTags", arnsOf(from).regional("ec2", "instance/i-0123"), { "aws:RequestTag/environment": to.name }),
    ],
    // Issue 22: Route 53 has no tag conditions; a dev role validated a certificate for prod's host, then repointed it.
    ...(zone
      ? ([
          ["change the other environment's DNS records", inRegion(from, "route53:ChangeResourceRecordSets", target.global("route53", `hostedzone/${zone}`))],
          ["delete the other environment's zone", inRegion(from, "route53:DeleteHostedZone", target.global("route53", `hostedzone/${zone}`))],
        ] as const)
      : []),
    // Issue 22: EKS does not copy node-group tags to the Auto Scaling groups; dev scaled prod's groups to zero.
    [
      "scale the other cluster's Auto Scaling group to zero",
      inRegion(from, "autoscaling:UpdateAutoScalingGroup", asg, {
        "aws:ResourceTag/eks:cluster-name": to.prefix,
        [`aws:ResourceTag/k8s.io/cluster-autoscaler/${to.prefix}`]: "owned",
      }),
    ],
    [
      "set the other cluster's desired capacity (only the autoscaler's tag on the group)",
      inRegion(from, "autoscaling:SetDesiredCapacity", asg, { [`aws:ResourceTag/k8s.io/cluster-autoscaler/${to.prefix}`]: "owned" }),
    ],
    ["suspend the other cluster's scaling processes", inRegion(from, "autoscaling:SuspendProcesses", asg, { "aws:ResourceTag/eks:cluster-name": to.prefix })],
  ];
}

/** Issues 18 and 22: the other environment's state and saved plans (where its state is in S3). */
function otherState(to: EnvironmentConfig, state: StateFacts): Path[] {
  return [
    ["read the other environment's state", { action: "s3:GetObject", resource: `arn:${to.partition}:s3:::${state.bucket}/${to.name}/${to.name}-data.tfstate` }],
    // Issue 22: a saved plan holds the prior state; one planted there would be applied by the other's deploy.
    ["read the other environment's saved plan", { action: "s3:GetObject", resource: savedPlan(to, state) }],
    ["read the other environment's saved plan record", { action: "s3:GetObject", resource: savedPlan(to, state, "plan-meta.json") }],
    ["plant a plan among the other environment's saved plans", { action: "s3:PutObject", resource: savedPlan(to, state) }],
    [
      "overwrite the other environment's state",
      { action: "s3:PutObject", resource: `arn:${to.partition}:s3:::${state.bucket}/${to.name}/${to.name}-data.tfstate` },
    ],
  ];
}

/** Issue 22: account-wide objects the bootstrap owns, which break every environment's runner when replaced. */
export function accountWide(environment: EnvironmentConfig): Path[] {
  const { regional } = arnsOf(environment);
  const bootstrapTag = { "aws:ResourceTag/environment": "account" };
  return [
    ["replace the account's CodeBuild source credential", inRegion(environment, "codebuild:ImportSourceCredentials", "*")],
    ["delete the account's CodeBuild source credential", inRegion(environment, "codebuild:DeleteSourceCredentials", regional("codebuild", "token/github"))],
    [
      "delete the GitHub connection",
      inRegion(environment, "codeconnections:DeleteConnection", regional("codeconnections", "connection/0a1b2c3d"), bootstrapTag),
    ],
    [
      "move the GitHub connection to another installation",
      inRegion(environment, "codeconnections:UpdateConnectionInstallation", regional("codeconnections", "connection/0a1b2c3d"), bootstrapTag),
    ],
    ["create a connection of its own", inRegion(environment, "codeconnections:CreateConnection", regional("codeconnections", "connection/*"))],
    [
      "delete the connection through the old service prefix",
      inRegion(environment, "codestar-connections:DeleteConnection", regional("codestar-connections", "connection/0a1b2c3d"), bootstrapTag),
    ],
  ];
}

/** Issue 22, scanner: a role under the boundary (passed to EC2 or CodeBuild) may not act in any region. */
export function outOfRegion(environment: EnvironmentConfig): Path[] {
  const region = ["ap-southeast-2", "sa-east-1"].find((candidate) => candidate !== environment.account.region)!;
  const { regional } = arnsOf(environment);
  return [
    [
      "run instances in a region the environment does not use",
      inRegion(environment, "ec2:RunInstances", regional("ec2", "instance/*", region), { "aws:RequestedRegion": region }),
    ],
    [
      "read secrets in a region the environment does not use",
      inRegion(environment, "secretsmanager:GetSecretValue", regional("secretsmanager", "secret:x", region), { "aws:RequestedRegion": region }),
    ],
  ];
}
