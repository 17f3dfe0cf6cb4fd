import { Construct } from "constructs";
import { Cloudtrail } from "@cdktf/provider-aws/lib/cloudtrail";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy";
import { AwsScope, formatArn } from "../core/aws-scope";
import { EncryptedLogGroup } from "../logging/log-group";
import { policyDocument } from "../iam/policy-document";
import { AuditBucket } from "./audit-bucket";

export interface AccountTrailProps {
  /** Trail name; also names its log group and CloudWatch Logs role. */
  readonly name: string;
  /** Where the log files go, encrypted with the bucket's key. */
  readonly auditBucket: AuditBucket;
  /** Retention of the CloudWatch Logs copy. */
  readonly logRetentionDays: number;
  /** Record S3 object-level (data) events of every bucket but the audit bucket itself. */
  readonly s3DataEvents: boolean;
}

/**
 * The account's CloudTrail trail: every region (and global services), log-file integrity validation (a signed digest
 * every hour, so a removed or edited log file is detected), SSE-KMS with the audit bucket's CMK, the files in the
 * Object Lock bucket and a copy in an encrypted CloudWatch Logs group delivered by a role of its own.
 */
export class AccountTrail extends Construct {
  readonly trail: Cloudtrail;
  readonly arn: string;
  readonly logGroup: EncryptedLogGroup;
  readonly logsRole: IamRole;

  constructor(scope: Construct, id: string, props: AccountTrailProps) {
    super(scope, id);
    const { accountId } = AwsScope.of(this);
    const { bucket, key } = props.auditBucket;
    // The trail's ARN is known before it exists; the key and bucket policies name it (confused-deputy conditions).
    this.arn = formatArn(this, { service: "cloudtrail", resource: `trail/${props.name}` });
    const onlyThisTrail = { StringEquals: { "aws:SourceArn": this.arn } };
    key.grantService("cloudtrail.amazonaws.com", "CloudTrailEncryptLogs", ["kms:GenerateDataKey*"], {
      ...onlyThisTrail,
      StringLike: { "kms:EncryptionContext:aws:cloudtrail:arn": formatArn(this, { service: "cloudtrail", region: "*", resource: "trail/*" }) },
    });
    key.grantService("cloudtrail.amazonaws.com", "CloudTrailDescribeKey", ["kms:DescribeKey"], onlyThisTrail);
    bucket.addToPolicy({
      Sid: "CloudTrailAclCheck",
      Effect: "Allow",
      Principal: { Service: "cloudtrail.amazonaws.com" },
      Action: "s3:GetBucketAcl",
      Resource: bucket.arn,
      Condition: onlyThisTrail,
    });
    bucket.addToPolicy({
      Sid: "CloudTrailWrite",
      Effect: "Allow",
      Principal: { Service: "cloudtrail.amazonaws.com" },
      Action: "s3:PutObject",
      Resource: `${bucket.arn}/AWSLogs/${accountId}/*`,
      Condition: { StringEquals: { "aws:SourceArn": this.arn, "s3:x-amz-acl": "bucket-owner-full-control" } },
    });

    this.logGroup = new EncryptedLogGroup(this, "Logs", { name: `/aws/cloudtrail/${props.name}`, retentionDays: props.logRetentionDays, key });
    this.logsRole = new IamRole(this, "LogsRole", {
      name: `${props.name}-logs`,
      description: `Lets CloudTrail deliver the trail ${props.name} to CloudWatch Logs`,
      assumeRolePolicy: policyDocument([
        {
          Effect: "Allow",
          Principal: { Service: "cloudtrail.amazonaws.com" },
          Action: "sts:AssumeRole",
          Condition: { StringEquals: { "aws:SourceAccount": accountId, "aws:SourceArn": this.arn } },
        },
      ]),
    });
    new IamRolePolicy(this, "LogsPolicy", {
      name: "deliver-to-log-group",
      role: this.logsRole.id,
      policy: policyDocument([
        {
          Sid: "WriteTheTrailsLogStreams",
          Effect: "Allow",
          Action: ["logs:CreateLogStream", "logs:PutLogEvents"],
          Resource: formatArn(this, { service: "logs", resource: `log-group:${this.logGroup.name}:log-stream:*` }),
        },
      ]),
    });
    this.trail = new Cloudtrail(this, "Trail", {
      name: props.name,
      s3BucketName: bucket.name,
      kmsKeyId: key.arn,
      isMultiRegionTrail: true,
      includeGlobalServiceEvents: true,
      enableLogFileValidation: true,
      enableLogging: true,
      cloudWatchLogsGroupArn: `${this.logGroup.arn}:*`,
      cloudWatchLogsRoleArn: this.logsRole.arn,
      advancedEventSelector: [
        { name: "Every management event", fieldSelector: [{ field: "eventCategory", equalTo: ["Management"] }] },
        ...(props.s3DataEvents
          ? [
              {
                name: "S3 object-level events of every bucket but the audit bucket",
                fieldSelector: [
                  { field: "eventCategory", equalTo: ["Data"] },
                  { field: "resources.type", equalTo: ["AWS::S3::Object"] },
                  // CloudTrail's own writes to the audit bucket would otherwise log themselves in a loop.
                  { field: "resources.ARN", notStartsWith: [`${bucket.arn}/`] },
                ],
              },
            ]
          : []),
      ],
      dependsOn: [bucket.policy],
    });
  }
}
