import { Construct } from "constructs";
import { formatArn } from "../core/aws-scope";
import { environmentBucketArns, GithubDeployRoleProps, regionsOf, stateArns } from "./deploy-role-props";
import { MANAGED_SERVICES } from "./pipeline-policy-data";
import { PolicyStatement } from "./policy-document";

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
    state.bucket.key.grantUse("DecryptState", ["kms:Decrypt", "kms:DescribeKey"]),
  ];
}
