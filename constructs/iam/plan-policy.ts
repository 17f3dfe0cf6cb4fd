import { Construct } from "constructs";
import { AwsScope, formatArn } from "../core/aws-scope";
import { SAVED_PLANS_PREFIX } from "../state/state-bucket";
import { environmentBucketArns, GithubDeployRoleProps, regionsOf, stateArns } from "./deploy-role-props";
import { MANAGED_SERVICES } from "./pipeline-policy-data";
import { PolicyStatement } from "./policy-document";

/**
 * Where the main branch's plans wait for their apply: `saved-plans/<environment>/` in the state bucket. A saved plan
 * holds the prior state, so it lives where the state lives, encrypted with the state key, under a prefix of its own:
 * the main branch's plan role may only write it and the deploy role read and delete it; no pull-request role and no
 * other environment's role reaches it (docs/delivery-pipelines.md: saved plans).
 */
export function savedPlansKeyPrefix(environmentName: string): string {
  return `${SAVED_PLANS_PREFIX}${environmentName}/`;
}

/** The objects of an environment's saved plans in its state bucket. */
export function savedPlanObjects(props: GithubDeployRoleProps): string {
  return `${stateArns(props).bucket}/${savedPlansKeyPrefix(props.environmentName)}*`;
}

/**
 * The main branch's plan role saves the plan its deploy applies: it writes (never reads or deletes) the environment's
 * saved plans, which S3 encrypts with the state key (a data key S3 asks KMS for on the caller's behalf, so the grant
 * holds only through S3). Pull requests' plan roles never get this: a plan they could write, the deploy would apply.
 */
export function savePlanStatements(props: GithubDeployRoleProps): PolicyStatement[] {
  const { key } = props.state.bucket;
  return [
    { Sid: "SavePlansToApply", Effect: "Allow", Action: "s3:PutObject", Resource: savedPlanObjects(props) },
    ...key.grantIdentity("EncryptSavedPlansThroughS3", "kms:GenerateDataKey", {
      StringEquals: { "kms:ViaService": `s3.${AwsScope.of(key).region}.amazonaws.com` },
    }).statements,
  ];
}

/**
 * Plans of pull requests and main: reads of the managed services (Terraform refreshes every resource, so secret
 * values of the environment's own secrets included), the environment's own state without writing it (plans run
 * with -lock=false), and nothing else.
 */
export function planStatements(scope: Construct, props: GithubDeployRoleProps): PolicyStatement[] {
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
    ...state.bucket.key.grantIdentity("DecryptState", ["kms:Decrypt", "kms:DescribeKey"]).statements,
  ];
}
