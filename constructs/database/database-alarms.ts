import { Construct } from "constructs";
import { CloudwatchMetricAlarm } from "@cdktf/provider-aws/lib/cloudwatch-metric-alarm";
import { SnsTopic } from "@cdktf/provider-aws/lib/sns-topic";
import { SnsTopicSubscription } from "@cdktf/provider-aws/lib/sns-topic-subscription";
import { formatArn } from "../core/aws-scope";
import { KmsKey } from "../security/kms-key";
import { AuroraPostgres } from "./aurora-postgres";

/** When each alarm fires: above the CPU, connection and lag thresholds, below the memory and storage ones. */
export interface DatabaseAlarmThresholds {
  readonly cpuPercent: number;
  readonly freeableMemoryMiB: number;
  readonly connections: number;
  readonly replicaLagMilliseconds: number;
  readonly freeLocalStorageMiB: number;
}

export interface DatabaseAlarmsProps extends DatabaseAlarmThresholds {
  /** `<project>-<environment>`: the prefix of the topic and of every alarm's name. */
  readonly namePrefix: string;
  /** The cluster whose metrics (and instances' metrics) the alarms watch. */
  readonly database: AuroraPostgres;
  /** Key of the SNS topic; CloudWatch is granted its use for this account's alarms only. */
  readonly key: KmsKey;
  /** Email addresses subscribed to the topic (other endpoints subscribe to `topic`). */
  readonly emails: readonly string[];
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
    const { namePrefix, database } = props;
    props.key.grantService("cloudwatch.amazonaws.com", "CloudWatchAlarmsPublishToEncryptedTopic", ["kms:Decrypt", "kms:GenerateDataKey*"], {
      ArnLike: { "aws:SourceArn": formatArn(this, { service: "cloudwatch", resource: `alarm:${namePrefix}-database-*` }) },
    });
    this.topic = new SnsTopic(this, "Topic", { name: `${namePrefix}-database-alarms`, kmsMasterKeyId: props.key.arn });
    for (const email of props.emails) {
      new SnsTopicSubscription(this, `Email-${email}`, { topicArn: this.topic.arn, protocol: "email", endpoint: email });
    }

    const hasReaders = database.readers.length > 0 || database.autoscalingPolicy !== undefined;
    const specs: Record<string, AlarmSpec> = {
      "writer-cpu": { metric: "CPUUtilization", role: "WRITER", statistic: "Average", above: true, threshold: props.cpuPercent, what: "writer CPU (%)" },
      "writer-freeable-memory": {
        metric: "FreeableMemory",
        role: "WRITER",
        statistic: "Minimum",
        above: false,
        threshold: props.freeableMemoryMiB * MEBIBYTE,
        what: "writer freeable memory (bytes)",
      },
      "writer-connections": {
        metric: "DatabaseConnections",
        role: "WRITER",
        statistic: "Maximum",
        above: true,
        threshold: props.connections,
        what: "connections to the writer",
      },
      "writer-free-local-storage": {
        metric: "FreeLocalStorage",
        role: "WRITER",
        statistic: "Minimum",
        above: false,
        threshold: props.freeLocalStorageMiB * MEBIBYTE,
        what: "writer free local (temporary) storage (bytes)",
      },
      ...(hasReaders
        ? {
            "reader-cpu": {
              metric: "CPUUtilization",
              role: "READER",
              statistic: "Average",
              above: true,
              threshold: props.cpuPercent,
              what: "reader CPU (%)",
            },
            "reader-replica-lag": {
              metric: "AuroraReplicaLag",
              role: "READER",
              statistic: "Maximum",
              above: true,
              threshold: props.replicaLagMilliseconds,
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
