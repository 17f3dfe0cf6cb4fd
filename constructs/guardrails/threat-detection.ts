import { Construct } from "constructs";
import { CloudwatchEventRule } from "@cdktf/provider-aws/lib/cloudwatch-event-rule";
import { CloudwatchEventTarget } from "@cdktf/provider-aws/lib/cloudwatch-event-target";
import { GuarddutyDetector } from "@cdktf/provider-aws/lib/guardduty-detector";
import { GuarddutyDetectorFeature } from "@cdktf/provider-aws/lib/guardduty-detector-feature";
import { AlertTopic } from "./alert-topic";

/**
 * GuardDuty's protection plans as the detector-feature API names them, and whether the platform turns each on.
 * RUNTIME_MONITORING is the current form of EKS Runtime Monitoring (AWS: the two cannot be on together, and
 * RUNTIME_MONITORING includes EKS); its EKS add-on is managed by GuardDuty. Malware scans of EBS volumes and Lambda
 * network logs are off: the platform runs no Lambda, and scans are priced per GB the estimate cannot know.
 */
export const GUARDDUTY_FEATURES: Readonly<Record<string, "ENABLED" | "DISABLED">> = {
  EKS_AUDIT_LOGS: "ENABLED",
  RUNTIME_MONITORING: "ENABLED",
  RDS_LOGIN_EVENTS: "ENABLED",
  S3_DATA_EVENTS: "ENABLED",
  EBS_MALWARE_PROTECTION: "DISABLED",
  LAMBDA_NETWORK_LOGS: "DISABLED",
};

/**
 * Runtime Monitoring's agents: GuardDuty installs and updates the EKS add-on (aws-guardduty-agent) on every cluster,
 * and creates in each cluster's VPC an interface endpoint (guardduty-data) with a security group of its own; the
 * ECS-Fargate and EC2 agents stay off (the platform runs neither outside EKS).
 */
export const RUNTIME_AGENT_MANAGEMENT: Readonly<Record<string, "ENABLED" | "DISABLED">> = {
  EKS_ADDON_MANAGEMENT: "ENABLED",
  ECS_FARGATE_AGENT_MANAGEMENT: "DISABLED",
  EC2_AGENT_MANAGEMENT: "DISABLED",
};

export interface ThreatDetectionProps {
  /** Names the findings rule. */
  readonly name: string;
  /** Where findings at or above `minimumSeverity` go. */
  readonly alerts: AlertTopic;
  /** GuardDuty's severity score (1-8.9) from which findings are sent. */
  readonly minimumSeverity: number;
}

/** A GuardDuty detector with the platform's protection plans, its findings routed to the alert topic by EventBridge. */
export class ThreatDetection extends Construct {
  readonly detector: GuarddutyDetector;
  readonly findingsRule: CloudwatchEventRule;

  constructor(scope: Construct, id: string, props: ThreatDetectionProps) {
    super(scope, id);
    this.detector = new GuarddutyDetector(this, "Detector", { enable: true, findingPublishingFrequency: "FIFTEEN_MINUTES" });
    for (const [feature, status] of Object.entries(GUARDDUTY_FEATURES)) {
      new GuarddutyDetectorFeature(this, feature, {
        detectorId: this.detector.id,
        name: feature,
        status,
        additionalConfiguration:
          feature === "RUNTIME_MONITORING" ? Object.entries(RUNTIME_AGENT_MANAGEMENT).map(([name, agent]) => ({ name, status: agent })) : undefined,
      });
    }
    this.findingsRule = new CloudwatchEventRule(this, "Findings", {
      name: props.name,
      description: `GuardDuty findings of severity ${props.minimumSeverity} and above, to the alert receivers`,
      eventPattern: JSON.stringify({
        source: ["aws.guardduty"],
        "detail-type": ["GuardDuty Finding"],
        detail: { severity: [{ numeric: [">=", props.minimumSeverity] }] },
      }),
    });
    props.alerts.allowEventsFrom(this.findingsRule, props.name);
    new CloudwatchEventTarget(this, "ToAlerts", { rule: this.findingsRule.name, targetId: "alert-receivers", arn: props.alerts.topic.arn });
  }
}
