import { Construct } from "constructs";
import { CloudwatchMetricAlarm } from "@cdktf/provider-aws/lib/cloudwatch-metric-alarm";
import { SnsTopic } from "@cdktf/provider-aws/lib/sns-topic";
import { SnsTopicSubscription } from "@cdktf/provider-aws/lib/sns-topic-subscription";
import { AccountContext, arn } from "../iam/policy-document";
import { KmsKey } from "../security/kms-key";
import { AuroraPostgres } from "./aurora-postgres";

export interface DatabaseAlarmThresholds {
  /** @default 80 */
  readonly cpuPercent?: number;
  /** @default 512 */
  readonly freeableMemoryMiB?: number;
  /** @default 1000 */
  readonly connections?: number;
  /** @default 2000 */
  readonly replicaLagMilliseconds?: number;
  /** @default 5120 */
  readonly freeLocalStorageMiB?: number;
}

export interface DatabaseAlarmsProps extends DatabaseAlarmThresholds {
  readonly account: AccountContext;
  readonly namePrefix: string;
  readonly database: AuroraPostgres;
  /** Key of the SNS topic; CloudWatch is granted its use for this account's alarms only. */
  readonly key: KmsKey;
  /** Email addresses subscribed to the topic. @default none (subscribe other endpoints to `topic`) */
  readonly emails?: readonly string[];
}

interface AlarmSpec {
  readonly metric: string;
  readonly role: "WRITER" | "READER";
  readonly statistic: "Average" | "Maximum" | "Minimum";
  readonly above: boolean;
  readonly threshold: number;
  readonly what: string;
}

const MEBIBYTE = 1024 * 1024;

/**
 * CloudWatch alarms on the writer and the readers (CPU, freeable memory, connections, replica lag, local storage),
 * alarm and recovery notifications to a KMS-encrypted SNS topic.
 */
export class DatabaseAlarms extends Construct {
  readonly topic: SnsTopic;
  readonly alarms: CloudwatchMetricAlarm[];

  constructor(scope: Construct, id: string, props: DatabaseAlarmsProps) {
    super(scope, id);
    const { account, namePrefix, database } = props;
    props.key.grantToService("CloudWatchAlarmsPublishToEncryptedTopic", "cloudwatch.amazonaws.com", ["kms:Decrypt", "kms:GenerateDataKey*"], {
      ArnLike: { "aws:SourceArn": arn(account, "cloudwatch", `alarm:${namePrefix}-database-*`) },
    });
    this.topic = new SnsTopic(this, "Topic", { name: `${namePrefix}-database-alarms`, kmsMasterKeyId: props.key.arn });
    for (const email of props.emails ?? []) {
      new SnsTopicSubscription(this, `Email-${email}`, { topicArn: this.topic.arn, protocol: "email", endpoint: email });
    }

    const hasReaders = database.readers.length > 0 || database.autoscalingPolicy !== undefined;
    const specs: Record<string, AlarmSpec> = {
      "writer-cpu": { metric: "CPUUtilization", role: "WRITER", statistic: "Average", above: true, threshold: props.cpuPercent ?? 80, what: "writer CPU (%)" },
      "writer-freeable-memory": {
        metric: "FreeableMemory",
        role: "WRITER",
        statistic: "Minimum",
        above: false,
        threshold: (props.freeableMemoryMiB ?? 512) * MEBIBYTE,
        what: "writer freeable memory (bytes)",
      },
      "writer-connections": {
        metric: "DatabaseConnections",
        role: "WRITER",
        statistic: "Maximum",
        above: true,
        threshold: props.connections ?? 1000,
        what: "connections to the writer",
      },
      "writer-free-local-storage": {
        metric: "FreeLocalStorage",
        role: "WRITER",
        statistic: "Minimum",
        above: false,
        threshold: (props.freeLocalStorageMiB ?? 5120) * MEBIBYTE,
        what: "writer free local (temporary) storage (bytes)",
      },
      ...(hasReaders
        ? {
            "reader-cpu": {
              metric: "CPUUtilization",
              role: "READER",
              statistic: "Average",
              above: true,
              threshold: props.cpuPercent ?? 80,
              what: "reader CPU (%)",
            },
            "reader-replica-lag": {
              metric: "AuroraReplicaLag",
              role: "READER",
              statistic: "Maximum",
              above: true,
              threshold: props.replicaLagMilliseconds ?? 2000,
              what: "reader replica lag (ms)",
            },
          }
        : {}),
    } satisfies Record<string, AlarmSpec>;

    this.alarms = Object.entries(specs).map(
      ([name, spec]) =>
        new CloudwatchMetricAlarm(this, name, {
          alarmName: `${namePrefix}-database-${name}`,
          alarmDescription: `${namePrefix} Aurora ${spec.what}: ${spec.statistic} ${spec.above ? ">" : "<"} ${spec.threshold} for two 5-minute periods`,
          namespace: "AWS/RDS",
          metricName: spec.metric,
          dimensions: { DBClusterIdentifier: database.cluster.clusterIdentifier, Role: spec.role },
          statistic: spec.statistic,
          period: 300,
          evaluationPeriods: 2,
          comparisonOperator: spec.above ? "GreaterThanThreshold" : "LessThanThreshold",
          threshold: spec.threshold,
          treatMissingData: "missing",
          alarmActions: [this.topic.arn],
          okActions: [this.topic.arn],
        }),
    );
  }
}
