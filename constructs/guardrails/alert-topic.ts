import { Construct } from "constructs";
import { Lazy } from "cdktf";
import { CloudwatchEventRule } from "@cdktf/provider-aws/lib/cloudwatch-event-rule";
import { SnsTopic } from "@cdktf/provider-aws/lib/sns-topic";
import { SnsTopicPolicy } from "@cdktf/provider-aws/lib/sns-topic-policy";
import { SnsTopicSubscription } from "@cdktf/provider-aws/lib/sns-topic-subscription";
import { formatArn } from "../core/aws-scope";
import { policyDocument, PolicyStatement } from "../iam/policy-document";
import { KmsKey } from "../security/kms-key";

export interface AlertTopicProps {
  /** Name of the SNS topic the findings are published to. */
  readonly name: string;
  /** Addresses subscribed to the topic (each confirms by e-mail). */
  readonly emails: readonly string[];
}

/**
 * A KMS-encrypted SNS topic with e-mail subscriptions, which EventBridge rules publish to once allowed
 * (`allowEventsFrom`): the account-level twin of the database alarm topic, for the same receivers.
 */
export class AlertTopic extends Construct {
  readonly key: KmsKey;
  readonly topic: SnsTopic;
  private readonly statements: PolicyStatement[] = [];

  constructor(scope: Construct, id: string, props: AlertTopicProps) {
    super(scope, id);
    this.key = new KmsKey(this, "Key", { description: `Encrypts the alert topic ${props.name}` });
    this.topic = new SnsTopic(this, "Topic", { name: props.name, kmsMasterKeyId: this.key.arn });
    for (const email of props.emails) {
      new SnsTopicSubscription(this, `Email-${email}`, { topicArn: this.topic.arn, protocol: "email", endpoint: email });
    }
    new SnsTopicPolicy(this, "Policy", { arn: this.topic.arn, policy: Lazy.stringValue({ produce: () => policyDocument(this.statements) }) });
  }

  /** Lets one EventBridge rule (by its name, so the ARN is known at synth) publish to the topic through its key. */
  allowEventsFrom(rule: CloudwatchEventRule, ruleName: string): void {
    const onlyThisRule = { ArnEquals: { "aws:SourceArn": formatArn(this, { service: "events", resource: `rule/${ruleName}` }) } };
    this.key.grantService("events.amazonaws.com", `EventBridge${rule.node.id}`, ["kms:Decrypt", "kms:GenerateDataKey*"], onlyThisRule);
    this.statements.push({
      Sid: `EventBridge${rule.node.id}`,
      Effect: "Allow",
      Principal: { Service: "events.amazonaws.com" },
      Action: "sns:Publish",
      Resource: this.topic.arn,
      Condition: onlyThisRule,
    });
  }
}
