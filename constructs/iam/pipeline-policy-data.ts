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
export const PASS_ROLE_SERVICES = [
  "backup.amazonaws.com",
  "codebuild.amazonaws.com",
  "ec2.amazonaws.com",
  "eks.amazonaws.com",
  // S3 replication of the cluster backups to the recovery region (PutBucketReplication passes its role).
  "s3.amazonaws.com",
  "vpc-flow-logs.amazonaws.com",
];

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

/**
 * Account-wide CodeBuild source credentials and CodeConnections connections: the bootstrap's, never an environment's to
 * change. Every changing action of the connection services is a Create, Update, Delete, Tag or Untag one (connections,
 * hosts, repository links, sync configurations): written as wildcards, since every character counts against the
 * permissions boundary's 6,144 (the attack suite tries each action by name).
 */
export const ACCOUNT_WIDE_CREDENTIAL_ACTIONS = [
  "codebuild:ImportSourceCredentials",
  "codebuild:DeleteSourceCredentials",
  ...["codeconnections", "codestar-connections"].flatMap((service) =>
    ["Create*", "Update*", "Delete*", "TagResource", "UntagResource"].map((action) => `${service}:${action}`),
  ),
];

/** Route 53 actions that change a zone or its records (reads and GetChange stay open). */
export const ROUTE53_ZONE_CHANGES = [
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
export const WORKLOAD_SERVICES = [
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
