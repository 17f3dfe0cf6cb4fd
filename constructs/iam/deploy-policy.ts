import { Construct } from "constructs";
import { awsManagedPolicyArn, formatArn, policyArn, roleArn } from "../core/aws-scope";
import { environmentBucketArns, GithubDeployRoleProps, regionsOf, stateArns } from "./deploy-role-props";
import { serviceLinkedRoles } from "./environment-guards";
import { ATTACHABLE_AWS_MANAGED_POLICIES, MANAGED_SERVICES, PASS_ROLE_SERVICES } from "./pipeline-policy-data";
import { deployRoleName, enhancedMonitoringRoleName, permissionsBoundaryName, planRoleName, pullRequestPlanRoleName } from "./pipeline-roles";
import { savedPlanObjects } from "./plan-policy";
import { PolicyStatement } from "./policy-document";

/** What a role that applies an environment's stacks may do; the GitHub deploy role and Terraform Cloud's apply role share it. */
export interface EnvironmentManagerOptions {
  /** `<project>-<environment>`: the role manages `<prefix>-*` names only. */
  readonly prefix: string;
  readonly regions: readonly string[];
  readonly production: boolean;
  /** Services beyond the pipeline's managed set (Terraform Cloud's agents run on ECS). @default none */
  readonly extraServices?: readonly string[];
  /** Services beyond the pipeline's the environment's roles may be passed to. @default none */
  readonly extraPassRoleServices?: readonly string[];
  /** Service-linked roles beyond the pipeline's the role may create. @default none */
  readonly extraServiceLinkedRoles?: readonly string[];
  /** The roles whose names match `<prefix>-*` that it must never change: itself and its siblings. */
  readonly protectedRoles: readonly string[];
  /** Where the role keeps its Terraform state, granted beside its IAM reads. @default none (Terraform Cloud keeps it) */
  readonly stateStatements?: readonly PolicyStatement[];
}

/** The deploy role's own statements (the environment guards are added beside them). */
export function deployStatements(scope: Construct, props: GithubDeployRoleProps): PolicyStatement[] {
  const { prefix, state } = props;
  const { bucket, ownObjects } = stateArns(props);
  return environmentManagerStatements(scope, {
    prefix,
    regions: regionsOf(props),
    production: props.production,
    protectedRoles: [deployRoleName(prefix), planRoleName(prefix), pullRequestPlanRoleName(prefix)],
    stateStatements: [
      { Sid: "ListOwnState", Effect: "Allow", Action: "s3:ListBucket", Resource: bucket, Condition: { StringLike: { "s3:prefix": [`${state.keyPrefix}*`] } } },
      { Sid: "ReadWriteOwnState", Effect: "Allow", Action: ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"], Resource: ownObjects },
      // The apply reads the plan the main branch's plan role saved, and deletes it once applied (plan-policy.ts).
      { Sid: "ApplyAndDeleteSavedPlans", Effect: "Allow", Action: ["s3:GetObject", "s3:DeleteObject"], Resource: savedPlanObjects(props) },
      ...state.bucket.key.grantIdentity("UseStateKey", ["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey", "kms:DescribeKey"]).statements,
    ],
  });
}

/** Manage the environment's services in its regions, its buckets and its bounded roles; never itself or the boundary. */
export function environmentManagerStatements(scope: Construct, options: EnvironmentManagerOptions): PolicyStatement[] {
  const { prefix } = options;
  const iam = (resource: string) => formatArn(scope, { service: "iam", region: "", resource });
  const boundaryArn = policyArn(scope, permissionsBoundaryName(prefix));
  const awsManaged = ATTACHABLE_AWS_MANAGED_POLICIES.map((policy) => awsManagedPolicyArn(scope, policy));
  return [
    {
      Sid: "ManageEnvironmentServicesInItsRegions",
      Effect: "Allow",
      Action: [...MANAGED_SERVICES, ...(options.extraServices ?? [])].map((service) => `${service}:*`),
      Resource: "*",
      Condition: { StringEquals: { "aws:RequestedRegion": [...options.regions] } },
    },
    {
      Sid: "ManageEnvironmentBuckets",
      Effect: "Allow",
      Action: "s3:*",
      Resource: environmentBucketArns(scope, prefix),
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
      Condition: { StringEquals: { "iam:PassedToService": [...PASS_ROLE_SERVICES, ...(options.extraPassRoleServices ?? [])] } },
    },
    {
      // An EKS Pod Identity association (its own, or an EKS add-on's pod_identity_association) passes its role to
      // pods.eks.amazonaws.com. The guards keep the associations on the environment's own cluster, and the deny below
      // keeps the pipeline roles (the only <prefix>-* roles without the boundary) out of them.
      Sid: "PassBoundedEnvironmentRolesToPodIdentity",
      Effect: "Allow",
      Action: "iam:PassRole",
      Resource: roleArn(scope, `${prefix}-*`),
      Condition: { StringEquals: { "iam:PassedToService": "pods.eks.amazonaws.com" } },
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
    serviceLinkedRoles(options.extraServiceLinkedRoles),
    ...(options.stateStatements ?? []),
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
      Resource: [...options.protectedRoles.map((role) => roleArn(scope, role)), boundaryArn],
    },
    ...(options.production
      ? [{ Sid: "NeverDeleteProductionKeys", Effect: "Deny" as const, Action: ["kms:ScheduleKeyDeletion", "kms:DisableKey"], Resource: "*" }]
      : []),
  ];
}
