import { Construct } from "constructs";
import { formatArn, roleArn } from "../core/aws-scope";
import { guardrailProtections } from "../guardrails/protected-actions";
import { DeployStateAccess, environmentBucketArns, GithubDeployRoleProps, regionsOf } from "./deploy-role-props";
import { ACCOUNT_WIDE_CREDENTIAL_ACTIONS, ROUTE53_ZONE_CHANGES, SERVICE_LINKED_ROLE_SERVICES, WORKLOAD_SERVICES } from "./pipeline-policy-data";
import { PolicyStatement } from "./policy-document";

/** What the guards need to know of an environment: GitHub's roles pass their props, Terraform Cloud's theirs. */
export type EnvironmentGuardProps = Pick<GithubDeployRoleProps, "prefix" | "environmentName" | "hostedZoneIds" | "accountNeighbours"> & {
  /** The state bucket and key in the account. @default none (Terraform Cloud keeps the state) */
  readonly state?: DeployStateAccess;
};

/**
 * Statements every role of the environment carries (deploy, plan, and through the boundary every role they create):
 * they keep it out of other environments' resources and away from the state's key, whatever the Allow statements say.
 */
export function environmentGuards(scope: Construct, props: EnvironmentGuardProps): PolicyStatement[] {
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
    ...(state ? stateGuards(state) : []),
    { Sid: "NeverAccountWideSourceCredentialsOrConnections", Effect: "Deny", Action: ACCOUNT_WIDE_CREDENTIAL_ACTIONS, Resource: "*" },
    // The account's guardrails (stacks/guardrails-stack.ts) are applied with the bootstrap credentials, never by an environment.
    ...guardrailProtections(scope),
    ...nodeGroupGuards(props),
    podIdentityGuard(scope, prefix),
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

/** Refuses synth when the environment shares its account but its zones are unknown: its roles could change any zone. */
export function requireZonesWhenShared(scope: Construct, props: EnvironmentGuardProps): void {
  const neighbours = props.accountNeighbours ?? [];
  if (props.hostedZoneIds !== undefined || neighbours.length === 0) return;
  scope.node.addValidation({
    validate: () => [
      `environment ${props.environmentName}: edge.hostedZoneId is required when environments share an account (with ${neighbours.join(", ")}): Route 53 has no tag conditions, so each environment's roles are limited to its zones by id`,
    ],
  });
}

/** The state bucket and its key stay as the bootstrap made them: never deleted, re-keyed, re-policied or re-aliased. */
function stateGuards(state: DeployStateAccess): PolicyStatement[] {
  return [
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
      Resource: [state.bucket.key.arn, state.bucket.bucket.arn],
    },
    {
      // Backends name the key by ARN; an alias repointed at another key would re-key every later state write.
      Sid: "NeverMoveTheStateKeyAlias",
      Effect: "Deny",
      Action: ["kms:CreateAlias", "kms:DeleteAlias", "kms:UpdateAlias"],
      Resource: [state.bucket.key.arn, ...(state.bucket.key.aliasArn ? [state.bucket.key.aliasArn] : [])],
    },
  ];
}

/**
 * EKS does not copy a node group's tags to its Auto Scaling group, but tags the group with its cluster
 * (`eks:cluster-name`, and `k8s.io/cluster-autoscaler/<cluster>` for the autoscaler): the environment's roles may
 * change the groups of its own cluster (named `<prefix>`) and no other, nor groups of a neighbour's cluster.
 */
function nodeGroupGuards(props: EnvironmentGuardProps): PolicyStatement[] {
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

/** The EKS Pod Identity actions; what the environment's roles may do with them is bounded by `podIdentityGuard`. */
export const POD_IDENTITY_ACTIONS = [
  "eks:CreatePodIdentityAssociation",
  "eks:DescribePodIdentityAssociation",
  "eks:UpdatePodIdentityAssociation",
  "eks:DeletePodIdentityAssociation",
  "eks:ListPodIdentityAssociations",
];

/**
 * Pod Identity associations of the environment's own cluster (named `<prefix>`) only, in any region: an association
 * on a neighbour's cluster would hand that cluster's pods a role of this environment (or, with iam:PassRole of the
 * neighbour's roles refused anyway, read and delete the neighbour's associations). EKS tags neither the associations
 * nor their requests with the environment, so they are told apart by ARN (`cluster/<name>`,
 * `podidentityassociation/<cluster>/<id>`).
 */
function podIdentityGuard(scope: Construct, prefix: string): PolicyStatement {
  return {
    Sid: "PodIdentityOnlyOnItsCluster",
    Effect: "Deny",
    Action: POD_IDENTITY_ACTIONS,
    NotResource: [`cluster/${prefix}`, `podidentityassociation/${prefix}/*`].map((resource) => formatArn(scope, { service: "eks", region: "*", resource })),
  };
}

/**
 * The most any role the environment's stacks create may do: the workload services (never IAM beyond reads and
 * service-linked roles, never STS role chaining beyond web identity), S3 on the environment's own buckets, and the
 * environment guards. A role under it that tries to escalate is capped here, whatever its own policy says.
 */
export function boundaryStatements(scope: Construct, props: GithubDeployRoleProps, guards: PolicyStatement[]): PolicyStatement[] {
  return environmentBoundaryStatements(scope, { prefix: props.prefix, regions: regionsOf(props) }, guards);
}

/** What an environment's boundary allows beyond the shared workload services, for a pipeline with more (Terraform Cloud's agents). */
export interface EnvironmentBoundaryProps {
  /** `<project>-<environment>`: the environment's buckets and node roles are named after it. */
  readonly prefix: string;
  /** The environment's regions: workload services act there only. */
  readonly regions: readonly string[];
  /** Services beyond the shared workload services (Terraform Cloud's agents: ECS). @default none */
  readonly extraServices?: readonly string[];
  /** Service-linked roles beyond the shared ones. @default none */
  readonly extraServiceLinkedRoles?: readonly string[];
}

/**
 * The one builder of an environment's permissions boundary (GitHub's and Terraform Cloud's pipelines both): the most a
 * role the environment's stacks create may do, then the environment's guards.
 */
export function environmentBoundaryStatements(scope: Construct, props: EnvironmentBoundaryProps, guards: PolicyStatement[]): PolicyStatement[] {
  return [
    {
      // The deploy policy's region condition, here too: a role passed to EC2 or CodeBuild acts in the environment's regions only.
      Sid: "WorkloadServices",
      Effect: "Allow",
      Action: [...WORKLOAD_SERVICES.filter((service) => service !== "s3" && service !== "sts"), ...(props.extraServices ?? [])].map(
        (service) => `${service}:*`,
      ),
      Resource: "*",
      Condition: { StringEquals: { "aws:RequestedRegion": [...props.regions] } },
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
      Resource: props.regions.map((region) => formatArn(scope, { service: "rds-db", region, resource: "dbuser:*/*" })),
    },
    { Sid: "IdentityReads", Effect: "Allow", Action: ["iam:Get*", "iam:List*", "sts:GetCallerIdentity", "sts:AssumeRoleWithWebIdentity"], Resource: "*" },
    {
      // Karpenter's controller launches nodes with the environment's node role (constructs/cluster/karpenter.ts): only
      // `<prefix>-nodes-*` roles, and only to EC2.
      Sid: "PassNodeRolesToEc2",
      Effect: "Allow",
      Action: "iam:PassRole",
      Resource: roleArn(scope, `${props.prefix}-nodes-*`),
      Condition: { StringEquals: { "iam:PassedToService": ["ec2.amazonaws.com", "ec2.amazonaws.com.cn"] } },
    },
    // Karpenter prices instance types; the Price List API answers from us-east-1, eu-central-1 or ap-south-1 only, so
    // the region condition of WorkloadServices cannot cover it. It reads public prices, nothing of the account.
    { Sid: "PriceListReads", Effect: "Allow", Action: "pricing:GetProducts", Resource: "*" },
    serviceLinkedRoles(props.extraServiceLinkedRoles),
    ...guards,
  ];
}

/** Service-linked roles of the services the environment uses, and no other (iam:AWSServiceName). */
export function serviceLinkedRoles(extraServices: readonly string[] = []): PolicyStatement {
  return {
    Sid: "ServiceLinkedRolesOfItsServices",
    Effect: "Allow",
    Action: "iam:CreateServiceLinkedRole",
    Resource: "*",
    Condition: { StringEquals: { "iam:AWSServiceName": [...SERVICE_LINKED_ROLE_SERVICES, ...extraServices] } },
  };
}
