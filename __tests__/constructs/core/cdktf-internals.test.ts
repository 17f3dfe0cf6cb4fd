import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { App, Fn, Lazy, TerraformOutput, TerraformStack, Testing, Token, Tokenization } from "cdktf";
import { captureStackTrace } from "cdktf/lib/tokens/private/stack-trace";
import { ValidateBinaryVersion } from "cdktf/lib/validations/validate-binary-version";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { SnsTopic } from "@cdktf/provider-aws/lib/sns-topic";
import { SqsQueue } from "@cdktf/provider-aws/lib/sqs-queue";
import { SecurityGroupRule } from "@cdktf/provider-aws/lib/security-group-rule";
import { Vpc } from "@cdktf/provider-aws/lib/vpc";
import {
  CROSS_STACK_INPUT_PREFIX,
  crossStackReadAt,
  crossStackReadsIn,
  cdktfPrepareStack,
  originOfRemoteState,
  prepareCrossStackReferences,
  prepareStackCheaply,
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

describe("the work cdktf does that the project never reads", () => {
  it("captures no stack trace per token: every token cdktf creates gets its trace from the function the adapter replaced", () => {
    // Lazy and the intrinsic behind every attribute reference record `creationStack` from the module's function at
    // construction; if cdktf stops calling it (or moves it), the trace is back and this fails.
    const lazy = Lazy.stringValue({ produce: () => "value" });
    const stack = new TerraformStack(Testing.app(), "traces");
    new AwsProvider(stack, "aws", { region: "eu-west-1" });
    const reference = new SnsTopic(stack, "Topic", { name: "orders" }).arn;
    const tokens = [Tokenization.reverseString(lazy).tokens, Tokenization.reverseString(reference).tokens].flat();
    expect(tokens.length).toBeGreaterThan(1);
    for (const token of tokens) expect(token.creationStack).toEqual([]);
    expect(captureStackTrace()).toEqual([]);
  });

  it("resolves tokens as before: a reference and a Lazy synthesize to their values", () => {
    const stack = new TerraformStack(Testing.app(), "resolved");
    new AwsProvider(stack, "aws", { region: "eu-west-1" });
    const topic = new SnsTopic(stack, "Topic", { name: Lazy.stringValue({ produce: () => "orders" }) });
    new SqsQueue(stack, "Queue", { name: "orders", tags: { topic: topic.arn } });
    const synthesized = JSON.parse(Testing.synth(stack));
    expect(Object.values(synthesized.resource.aws_sns_topic)[0]).toMatchObject({ name: "orders" });
    expect(Object.values(synthesized.resource.aws_sqs_queue)[0]).toMatchObject({ tags: { topic: "${aws_sns_topic.Topic.arn}" } });
  });

  it("runs each distinct binary-version check once per process and answers the others with its result", () => {
    const runs = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "version-")), "runs");
    // A version command that counts its runs in a file and prints version 1.2.3.
    const command = `node -e "require('fs').appendFileSync(process.argv[1], 'run;'); process.stdout.write('1.2.3')" ${runs}`;
    const check = (constraint: string) => new ValidateBinaryVersion("probe", constraint, command).validate();
    expect([check(">=1.0"), check(">=1.0"), check(">=1.0")]).toEqual([[], [], []]);
    expect(fs.readFileSync(runs, "utf8")).toBe("run;");
    // The constraint is part of the check: a failing one runs once more and is reported to every construct carrying it.
    const failing = [check(">=2.0"), check(">=2.0")];
    expect(failing).toEqual([
      [expect.stringContaining("1.2.3 is lower than the required version >=2.0")],
      [expect.stringContaining("lower than the required version >=2.0")],
    ]);
    expect(fs.readFileSync(runs, "utf8")).toBe("run;run;");
  });
});

describe("stack preparation without the resolved copy nobody reads", () => {
  /**
   * An app whose consumer reads the producer in every shape a token takes: a plain reference, a number, a list built
   * from a reference, a reference inside a Lazy and inside a function, a reference as a map key and in a nested map.
   */
  function appWithEveryReferenceShape(outdir: string): App {
    const app = new App({ outdir });
    const producer = new TerraformStack(app, "producer");
    new AwsProvider(producer, "aws", { region: "eu-west-1" });
    const topic = new SnsTopic(producer, "Topic", { name: "orders" });
    const queue = new SqsQueue(producer, "Queue", { name: "orders", delaySeconds: 5 });
    const vpc = new Vpc(producer, "Vpc", { cidrBlock: "10.0.0.0/16" });
    const consumer = new TerraformStack(app, "consumer");
    new AwsProvider(consumer, "aws", { region: "eu-west-1" });
    new SqsQueue(consumer, "Queue", {
      name: Fn.join("-", [topic.name, "copy"]),
      delaySeconds: queue.delaySeconds,
      policy: Lazy.stringValue({ produce: () => JSON.stringify({ Resource: topic.arn }) }),
      tags: { [queue.name]: "queue", nested: Token.asString({ arn: vpc.arn }) },
    });
    new SecurityGroupRule(consumer, "Rule", {
      type: "ingress",
      protocol: "tcp",
      fromPort: 443,
      toPort: 443,
      securityGroupId: vpc.defaultSecurityGroupId,
      cidrBlocks: Fn.split(",", vpc.cidrBlock),
    });
    // A stack that reads nothing of another stack: its preparation registers nothing.
    const alone = new TerraformStack(app, "alone");
    new AwsProvider(alone, "aws", { region: "eu-west-1" });
    new SnsTopic(alone, "Topic", { name: "alone" });
    return app;
  }

  function synthesizedFiles(outdir: string): Record<string, string> {
    const files: Record<string, string> = {};
    const walk = (dir: string) => {
      for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
        const file = path.join(dir, entry.name);
        if (entry.isDirectory()) walk(file);
        else files[path.relative(outdir, file)] = fs.readFileSync(file, "utf8");
      }
    };
    walk(outdir);
    return files;
  }

  function synthesizeWith(prepare: (stack: TerraformStack) => void): Record<string, string> {
    const installed = Object.getOwnPropertyDescriptor(TerraformStack.prototype, "prepareStack")!;
    const outdir = fs.mkdtempSync(path.join(os.tmpdir(), "prepare-"));
    Object.defineProperty(TerraformStack.prototype, "prepareStack", {
      ...installed,
      value: function (this: TerraformStack) {
        prepare(this);
      },
    });
    try {
      appWithEveryReferenceShape(outdir).synth();
    } finally {
      Object.defineProperty(TerraformStack.prototype, "prepareStack", installed);
    }
    return synthesizedFiles(outdir);
  }

  it("is the preparation every stack gets: a stack without tokens is prepared without resolving anything", () => {
    const stack = new TerraformStack(Testing.app(), "plain");
    new SnsTopic(stack, "Topic", { name: "orders", tags: { team: "platform" } });
    const resolve = jest.spyOn(Tokenization, "resolve");
    try {
      stack.prepareStack();
      expect(resolve).not.toHaveBeenCalled();
      // cdktf's own preparation resolves each element (backend, topic) whole.
      cdktfPrepareStack(stack);
      expect(resolve.mock.calls.length).toBeGreaterThanOrEqual(2);
    } finally {
      resolve.mockRestore();
    }
  });

  it("synthesizes every stack byte for byte as cdktf's own preparation does", () => {
    const adapter = synthesizeWith(prepareStackCheaply);
    const cdktf = synthesizeWith(cdktfPrepareStack);
    expect(Object.keys(adapter).sort()).toEqual(Object.keys(cdktf).sort());
    for (const [file, content] of Object.entries(cdktf)) expect({ file, content: adapter[file] }).toEqual({ file, content });
    // The fixture exercises what preparation is for: every shape above became an output of the producer.
    const producer = JSON.parse(adapter[path.join("stacks", "producer", "cdk.tf.json")]) as { output: Record<string, unknown> };
    expect(Object.keys(producer.output).length).toBeGreaterThanOrEqual(6);
  });
});
