import * as fs from "fs";
import * as path from "path";
import { App, TerraformOutput, TerraformStack, Testing, Token } from "cdktf";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { SnsTopic } from "@cdktf/provider-aws/lib/sns-topic";
import { SqsQueue } from "@cdktf/provider-aws/lib/sqs-queue";
import {
  CROSS_STACK_INPUT_PREFIX,
  crossStackReadAt,
  crossStackReadsIn,
  originOfRemoteState,
  prepareCrossStackReferences,
} from "../../../constructs/core/cdktf-internals";

/**
 * The guard of the two cdktf internals the project depends on. If one of these tests fails after a cdktf upgrade,
 * cdktf changed how it writes cross-stack references or how it prepares them: fix constructs/core/cdktf-internals.ts
 * (the policy engine and the contract checks read references only through it), not these expectations.
 */
function producerAndConsumer(): { app: App; producer: TerraformStack; consumer: TerraformStack; queue: SqsQueue } {
  const app = Testing.app();
  const producer = new TerraformStack(app, "producer-stack");
  new AwsProvider(producer, "aws", { region: "eu-west-1" });
  const topic = new SnsTopic(producer, "Topic", { name: "orders" });
  const consumer = new TerraformStack(app, "consumer-stack");
  new AwsProvider(consumer, "aws", { region: "eu-west-1" });
  const queue = new SqsQueue(consumer, "Queue", { name: "orders", tags: { topic: topic.arn } });
  return { app, producer, consumer, queue };
}

function synthesizedJson(app: App, stack: string): Record<string, Record<string, Record<string, unknown>>> {
  return JSON.parse(fs.readFileSync(path.join(app.outdir, "stacks", stack, "cdk.tf.json"), "utf8"));
}

describe("cdktf's cross-stack references, as `cdktf synth` writes them", () => {
  const { app } = producerAndConsumer();
  app.synth();
  const consumer = synthesizedJson(app, "consumer-stack");
  const producer = synthesizedJson(app, "producer-stack");
  const expression = (Object.values(consumer.resource.aws_sqs_queue)[0] as { tags: { topic: string } }).tags.topic;

  it("are one remote-state read of the origin stack, recognised by crossStackReadsIn", () => {
    const reads = crossStackReadsIn(expression);
    expect(reads).toHaveLength(1);
    expect(reads[0].originStack).toBe("producer-stack");
  });

  it("name the remote-state data source with the prefix the adapter strips", () => {
    const names = Object.keys(consumer.data.terraform_remote_state);
    expect(names).toEqual([`${CROSS_STACK_INPUT_PREFIX}producer-stack`]);
    expect(names.map(originOfRemoteState)).toEqual(["producer-stack"]);
  });

  it("read an output the origin stack now has, holding the referenced attribute", () => {
    const [read] = crossStackReadsIn(expression);
    expect(producer.output[read.outputId]).toEqual(expect.objectContaining({ value: expect.stringMatching(/^\$\{aws_sns_topic\.Topic\.arn\}$/) }));
    expect(crossStackReadAt(`data.terraform_remote_state.${CROSS_STACK_INPUT_PREFIX}producer-stack.outputs.${read.outputId}`)).toEqual(read);
  });

  it("leave same-stack references and plain strings alone", () => {
    expect(crossStackReadsIn("${aws_sns_topic.Topic.arn}")).toEqual([]);
    expect(crossStackReadAt("data.terraform_remote_state.shared.outputs.vpc_id")).toBeUndefined();
    expect(originOfRemoteState("shared")).toBeUndefined();
  });
});

describe("prepareCrossStackReferences", () => {
  it("gives the origin stack the output and the consumer the remote-state read, as app.synth() does before aspects run", () => {
    const { app, producer, consumer, queue } = producerAndConsumer();
    const outputsBefore = producer.node.findAll().filter((construct) => construct instanceof TerraformOutput).length;
    prepareCrossStackReferences(app);
    expect(producer.node.findAll().filter((construct) => construct instanceof TerraformOutput).length).toBe(outputsBefore + 1);
    const synthesized = consumer.toTerraform() as { resource: { aws_sqs_queue: Record<string, { tags: { topic: string } }> } };
    const topic = synthesized.resource.aws_sqs_queue[queue.friendlyUniqueId].tags.topic;
    expect(Token.isUnresolved(topic)).toBe(false);
    expect(crossStackReadsIn(topic)).toEqual([expect.objectContaining({ originStack: "producer-stack" })]);
  });
});
