import { Construct } from "constructs";
import { CloudwatchLogGroup } from "@cdktf/provider-aws/lib/cloudwatch-log-group";
import { AwsScope, formatArn } from "../core/aws-scope";
import { KmsKey } from "../security/kms-key";

export interface EncryptedLogGroupProps {
  /** Full log group name, e.g. `/aws/vpc/webapp-prod/flow-logs`. */
  readonly name: string;
  /** Days the group keeps its events. */
  readonly retentionDays: number;
  /** The key that encrypts the group; it is granted to CloudWatch Logs for this group only. */
  readonly key: KmsKey;
}

/** A CloudWatch log group that is always KMS-encrypted and always expires its events. */
export class EncryptedLogGroup extends Construct {
  readonly logGroup: CloudwatchLogGroup;
  readonly arn: string;
  readonly name: string;

  constructor(scope: Construct, id: string, props: EncryptedLogGroupProps) {
    super(scope, id);
    const groupArn = formatArn(this, { service: "logs", resource: `log-group:${props.name}` });
    props.key.grantService(
      `logs.${AwsScope.of(this).region}.amazonaws.com`,
      `CloudWatchLogs${id.replace(/[^A-Za-z0-9]/g, "")}`,
      ["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"],
      { ArnEquals: { "kms:EncryptionContext:aws:logs:arn": groupArn } },
    );
    this.logGroup = new CloudwatchLogGroup(this, "LogGroup", {
      name: props.name,
      retentionInDays: props.retentionDays,
      kmsKeyId: props.key.arn,
    });
    this.arn = this.logGroup.arn;
    this.name = props.name;
  }
}
