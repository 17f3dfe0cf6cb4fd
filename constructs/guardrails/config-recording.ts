import { Construct } from "constructs";
import { ConfigConfigurationRecorder } from "@cdktf/provider-aws/lib/config-configuration-recorder";
import { ConfigConfigurationRecorderStatus } from "@cdktf/provider-aws/lib/config-configuration-recorder-status";
import { ConfigConformancePack } from "@cdktf/provider-aws/lib/config-conformance-pack";
import { ConfigDeliveryChannel } from "@cdktf/provider-aws/lib/config-delivery-channel";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy";
import { IamRolePolicyAttachment } from "@cdktf/provider-aws/lib/iam-role-policy-attachment";
import { AwsScope, awsManagedPolicyArn } from "../core/aws-scope";
import { policyDocument, serviceTrustPolicy } from "../iam/policy-document";
import { AuditBucket } from "./audit-bucket";
import { eksConformancePackTemplate } from "./eks-conformance-pack";

/** The S3 prefix AWS Config writes snapshots and histories under. */
function configPrefix(scope: Construct): string {
  return `AWSLogs/${AwsScope.of(scope).accountId}/Config`;
}

export interface ConfigRecorderRoleProps {
  /** Name of the IAM role AWS Config records with. */
  readonly name: string;
  /** Where every region's delivery channel writes. */
  readonly auditBucket: AuditBucket;
}

/**
 * The role AWS Config records with (AWS_ConfigRole: read the configuration of every supported resource type) and
 * delivers with (write its prefix of the audit bucket with the bucket's key). IAM is global: one role for every region.
 */
export class ConfigRecorderRole extends Construct {
  readonly role: IamRole;
  readonly auditBucket: AuditBucket;

  constructor(scope: Construct, id: string, props: ConfigRecorderRoleProps) {
    super(scope, id);
    this.auditBucket = props.auditBucket;
    const { bucket, key } = props.auditBucket;
    this.role = new IamRole(this, "Role", {
      name: props.name,
      description: "AWS Config recorder and delivery channel of the account's guardrails",
      assumeRolePolicy: serviceTrustPolicy("config.amazonaws.com", AwsScope.of(this).accountId),
    });
    new IamRolePolicyAttachment(this, "Recording", { role: this.role.name, policyArn: awsManagedPolicyArn(this, "service-role/AWS_ConfigRole") });
    new IamRolePolicy(this, "Delivery", {
      name: "deliver-to-audit-bucket",
      role: this.role.id,
      policy: policyDocument([
        { Sid: "CheckTheBucket", Effect: "Allow", Action: "s3:GetBucketAcl", Resource: bucket.arn },
        { Sid: "WriteItsPrefix", Effect: "Allow", Action: "s3:PutObject", Resource: `${bucket.arn}/${configPrefix(this)}/*` },
        ...key.grantIdentity("EncryptWithTheAuditKey", ["kms:GenerateDataKey", "kms:Decrypt"]).statements,
      ]),
    });
  }
}

export interface ConfigRecordingProps {
  /** Name of the recorder, delivery channel and conformance pack. */
  readonly name: string;
  /** The role the recorder records with (one per account, shared by its regions). */
  readonly role: ConfigRecorderRole;
  /** Record IAM and other global resource types here (in one region only, or every region records them again). */
  readonly recordGlobalResources: boolean;
  /** The oldest Kubernetes version the account's environments run, the EKS pack's supported-version parameter. */
  readonly oldestKubernetesVersion: string;
}

/**
 * AWS Config in one region: a recorder of every supported resource type, its delivery channel to the audit bucket
 * (daily snapshots), the recorder switched on, and the EKS operational best-practices conformance pack.
 */
export class ConfigRecording extends Construct {
  readonly recorder: ConfigConfigurationRecorder;
  readonly status: ConfigConfigurationRecorderStatus;
  readonly conformancePack: ConfigConformancePack;

  constructor(scope: Construct, id: string, props: ConfigRecordingProps) {
    super(scope, id);
    const { bucket, key } = props.role.auditBucket;
    this.recorder = new ConfigConfigurationRecorder(this, "Recorder", {
      name: props.name,
      roleArn: props.role.role.arn,
      recordingGroup: { allSupported: true, includeGlobalResourceTypes: props.recordGlobalResources },
      recordingMode: { recordingFrequency: "CONTINUOUS" },
    });
    const channel = new ConfigDeliveryChannel(this, "Delivery", {
      name: props.name,
      s3BucketName: bucket.name,
      s3KmsKeyArn: key.arn,
      snapshotDeliveryProperties: { deliveryFrequency: "TwentyFour_Hours" },
      dependsOn: [this.recorder],
    });
    this.status = new ConfigConfigurationRecorderStatus(this, "Status", { name: this.recorder.name, isEnabled: true, dependsOn: [channel] });
    this.conformancePack = new ConfigConformancePack(this, "EksBestPractices", {
      name: `${props.name}-eks-best-practices`,
      templateBody: eksConformancePackTemplate({ oldestKubernetesVersion: props.oldestKubernetesVersion }),
      // A pack's rules evaluate what the recorder records: it must be on first.
      dependsOn: [this.status],
    });
  }
}
