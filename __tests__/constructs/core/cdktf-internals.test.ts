import { createHash } from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { App, Fn, Lazy, TerraformOutput, TerraformStack, Testing, Token, Tokenization } from "cdktf";
import { IConstruct } from "constructs";
import { REPO_ROOT } from "../../support/environments";
import { filesUnder } from "../../support/files";
import { captureStackTrace } from "cdktf/lib/tokens/private/stack-trace";
import { ValidateBinaryVersion } from "cdktf/lib/validations/validate-binary-version";
// eslint-disable-next-line @typescript-eslint/no-require-imports -- the module object cdktf's version check reads execSync from
import childProcess = require("child_process");
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
  cdktfStackToTerraform,
  originOfRemoteState,
  prepareCrossStackReferences,
  prepareStackCheaply,
  stackToTerraformCheaply,
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

  it("switches the traces off before cdktf loads: cdktf creates tokens while its own modules load", () => {
    // The adapter's first import is the switch, and the switch loads nothing of cdktf but the trace function.
    const source = (file: string) => fs.readFileSync(path.join(REPO_ROOT, "constructs", "core", file), "utf8");
    const imports = (text: string) => [...text.matchAll(/^import (?:.*? from |.*?require\(|)"([^"]+)"/gm)].map((match) => match[1]);
    expect(imports(source("cdktf-internals.ts"))[0]).toBe("./cdktf-traces");
    expect(imports(source("cdktf-traces.ts"))).toEqual(["cdktf/lib/tokens/private/stack-trace"]);
    // The tests' setup loads it before cdktf too.
    expect(imports(fs.readFileSync(path.join(REPO_ROOT, "__tests__", "support", "setup.ts"), "utf8"))[0]).toBe("../../constructs/core/cdktf-traces");
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
    const check = (constraint: string, hint?: string) => new ValidateBinaryVersion("probe", constraint, command, hint).validate();
    const execSync = childProcess.execSync;
    expect([check(">=1.0"), check(">=1.0"), check(">=1.0")]).toEqual([[], [], []]);
    expect(fs.readFileSync(runs, "utf8")).toBe("run;");
    // Another constraint (cdktf's moved-block check is >= 1.5, its terraform_data check >= 1.4) is its own check, with
    // its own message, on the same command's output: the command does not run again.
    expect([check(">=2.0", "Upgrade the probe."), check(">=2.0", "Upgrade the probe."), check(">=1.2")]).toEqual([
      ["probe version 1.2.3 is lower than the required version >=2.0 for this construct. Upgrade the probe."],
      ["probe version 1.2.3 is lower than the required version >=2.0 for this construct. Upgrade the probe."],
      [],
    ]);
    expect(fs.readFileSync(runs, "utf8")).toBe("run;");
    // cdktf's check reads child_process.execSync on every call; the stand-in is in place only while a check runs.
    expect(childProcess.execSync).toBe(execSync);
  });

  it("reports a version command that fails to every check of it, as cdktf's check does, from one run", () => {
    const runs = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "version-")), "runs");
    const command = `node -e "require('fs').appendFileSync(process.argv[1], 'run;'); process.exit(3)" ${runs}`;
    const probe = (constraint: string) => new ValidateBinaryVersion("probe", constraint, command).validate();
    const [first, second] = [probe(">=1.0"), probe(">=1.1")];
    expect(first).toEqual([expect.stringMatching(/^Could not determine version of probe, node -e .* failed: Error: Command failed/)]);
    expect(second).toEqual(first);
    expect(fs.readFileSync(runs, "utf8")).toBe("run;");
  });
});

describe("stack preparation without the resolved copy nobody reads", () => {
  /**
   * An app whose consumer reads the producer in every shape a token takes: a plain reference, a number, a list built
   * from a reference, a reference inside a Lazy and inside a function, a reference as a map key and in a nested map,
   * a number written into a string.
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
      // A number written into a string: cdktf finds the token by its text.
      description: `allows ${queue.visibilityTimeoutSeconds} seconds`,
    });
    // A stack that reads nothing of another stack: its preparation registers nothing.
    const alone = new TerraformStack(app, "alone");
    new AwsProvider(alone, "aws", { region: "eu-west-1" });
    new SnsTopic(alone, "Topic", { name: "alone" });
    return app;
  }

  function synthesizedFiles(outdir: string): Record<string, string> {
    return Object.fromEntries(filesUnder(outdir).map((file) => [path.relative(outdir, file), fs.readFileSync(file, "utf8")]));
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
    expect(Object.keys(producer.output).length).toBeGreaterThanOrEqual(7);
  });
});

describe("the stack's JSON without the copies nobody reads", () => {
  /**
   * An app with every shape of value a stack's JSON holds: token-free strings, numbers, booleans, maps and lists
   * (with text that only looks like a token), tokens in strings, numbers, lists and map keys, undefined values,
   * cross-stack references, element overrides, and stack overrides of every kind `deepMerge` meets: a value into an
   * existing block, a token, an IResolvable over a whole map, a removal. The `unusual` stack has overrides whose merge
   * the adapter does not follow (a map merged into a list, a key of `//`): its whole document goes to cdktf's second
   * resolution.
   */
  function appWithEveryValueShape(outdir: string): App {
    const app = new App({ outdir });
    const producer = new TerraformStack(app, "producer");
    new AwsProvider(producer, "aws", { region: "eu-west-1", defaultTags: [{ tags: { team: "platform" } }] });
    const topic = new SnsTopic(producer, "Topic", {
      name: "orders",
      displayName: undefined,
      fifoTopic: false,
      tags: { uuid: "b689b0a8-53d0-40ab-baf2-68738e2966ac", exponents: "1e5 2E+3 -4.5e-6 7e+300", empty: "", gone: undefined as unknown as string },
    });
    const queue = new SqsQueue(producer, "Queue", { name: "orders", delaySeconds: 5, visibilityTimeoutSeconds: 0 });
    const vpc = new Vpc(producer, "Vpc", { cidrBlock: "10.0.0.0/16" });
    queue.addOverride("tags.topic", topic.arn);
    queue.addOverride("lifecycle.ignore_changes", ["tags"]);
    queue.addOverride("visibility_timeout_seconds", undefined);
    new TerraformOutput(producer, "TopicArn", { value: topic.arn, description: undefined });
    producer.addOverride("terraform.required_version", ">= 1.6");
    producer.addOverride("locals.topic", topic.arn);
    producer.addOverride("locals.settings", { list: [1, "two", undefined, { three: queue.name }], absent: undefined });
    producer.addOverride("resource.aws_sns_topic.Topic.display_name", Lazy.stringValue({ produce: () => "Orders" }));
    producer.addOverride("resource.aws_sns_topic.Topic.tags", Lazy.anyValue({ produce: () => ({ replaced: "whole", gone: undefined }) }));
    producer.addOverride("resource.aws_sqs_queue.Queue.name", undefined);
    producer.addOverride("//.metadata.note", topic.arn);

    const consumer = new TerraformStack(app, "consumer");
    new AwsProvider(consumer, "aws", { region: "eu-west-1" });
    new SqsQueue(consumer, "Queue", {
      name: Fn.join("-", [topic.name, "copy"]),
      delaySeconds: queue.delaySeconds,
      policy: Lazy.stringValue({ produce: () => JSON.stringify({ Resource: topic.arn }) }),
      tags: {
        [queue.name]: "queue",
        nested: Token.asString({ arn: vpc.arn, none: undefined }),
        plain: "plain",
      },
    });
    new SecurityGroupRule(consumer, "Rule", {
      type: "ingress",
      protocol: "tcp",
      fromPort: 443,
      toPort: 443,
      securityGroupId: vpc.defaultSecurityGroupId,
      cidrBlocks: Fn.split(",", vpc.cidrBlock),
      ipv6CidrBlocks: [],
      // A number token written into a string: cdktf finds it by its text.
      description: `delay ${queue.delaySeconds} seconds`,
    });
    consumer.addOverride("terraform.required_version", ">= 1.6");

    const unusual = new TerraformStack(app, "unusual");
    new AwsProvider(unusual, "aws", { region: "eu-west-1" });
    new SnsTopic(unusual, "Topic", { name: Lazy.stringValue({ produce: () => "unusual" }), tags: { topic: topic.arn } });
    const rule = new SecurityGroupRule(unusual, "Rule", {
      type: "egress",
      protocol: "-1",
      fromPort: 0,
      toPort: 0,
      securityGroupId: "sg-1",
      cidrBlocks: ["10.0.0.0/8"],
      ipv6CidrBlocks: ["::/0", "fd00::/8"],
    });
    // Maps merged into lists (one entry removed: a hole cdktf's resolution closes).
    unusual.addOverride(`resource.aws_security_group_rule.${rule.friendlyUniqueId}.ipv6_cidr_blocks.0`, undefined);
    unusual.addOverride(`resource.aws_security_group_rule.${rule.friendlyUniqueId}.cidr_blocks.1`, topic.arn);
    return app;
  }

  function withToTerraform<T>(toTerraform: (stack: TerraformStack) => unknown, run: () => T): T {
    const installed = Object.getOwnPropertyDescriptor(TerraformStack.prototype, "toTerraform")!;
    Object.defineProperty(TerraformStack.prototype, "toTerraform", {
      ...installed,
      value: function (this: TerraformStack) {
        return toTerraform(this);
      },
    });
    try {
      return run();
    } finally {
      Object.defineProperty(TerraformStack.prototype, "toTerraform", installed);
    }
  }

  function stacksOf(app: App): TerraformStack[] {
    return app.node.children.filter((child: IConstruct): child is TerraformStack => TerraformStack.isStack(child));
  }

  /** Every stack's JSON, as the objects `toTerraform` returns, of a fresh app prepared as `app.synth()` prepares it. */
  function documentsWith(toTerraform: (stack: TerraformStack) => unknown): Record<string, unknown> {
    const app = appWithEveryValueShape(fs.mkdtempSync(path.join(os.tmpdir(), "documents-")));
    prepareCrossStackReferences(app);
    return Object.fromEntries(stacksOf(app).map((stack) => [stack.node.id, toTerraform(stack)]));
  }

  function synthesizedWith(toTerraform: (stack: TerraformStack) => unknown): Record<string, string> {
    const outdir = fs.mkdtempSync(path.join(os.tmpdir(), "synth-"));
    withToTerraform(toTerraform, () => appWithEveryValueShape(outdir).synth());
    const stacks = path.join(outdir, "stacks");
    return Object.fromEntries(fs.readdirSync(stacks).map((stack) => [stack, fs.readFileSync(path.join(stacks, stack, "cdk.tf.json"), "utf8")]));
  }

  it("returns for every stack the document cdktf's own toTerraform returns, undefined entries and all", () => {
    const adapter = documentsWith(stackToTerraformCheaply);
    const cdktf = documentsWith(cdktfStackToTerraform);
    expect(Object.keys(adapter)).toEqual(["producer", "consumer", "unusual"]);
    for (const [stack, document] of Object.entries(cdktf)) expect({ stack, document: adapter[stack] }).toStrictEqual({ stack, document });
  });

  it("synthesizes every stack byte for byte as cdktf's own toTerraform does", () => {
    const adapter = synthesizedWith(stackToTerraformCheaply);
    const cdktf = synthesizedWith(cdktfStackToTerraform);
    expect(Object.keys(adapter).sort()).toEqual(Object.keys(cdktf).sort());
    for (const [stack, content] of Object.entries(cdktf)) expect({ stack, content: adapter[stack] }).toEqual({ stack, content });
    // The fixture exercises what the replacement must get right: tokens resolved where they stand, overrides applied.
    const consumer = JSON.parse(adapter.consumer) as { resource: Record<string, Record<string, Record<string, unknown>>> };
    expect(Object.values(consumer.resource.aws_security_group_rule)[0].description).toMatch(/^delay \$\{data\.terraform_remote_state\.[^}]+\} seconds$/);
    expect(Object.keys(Object.values(consumer.resource.aws_sqs_queue)[0].tags as object)).toContainEqual(
      expect.stringMatching(/^\$\{data\.terraform_remote_state\./),
    );
    const producer = JSON.parse(adapter.producer) as { locals: Record<string, unknown>; resource: { aws_sns_topic: Record<string, Record<string, unknown>> } };
    expect(producer.locals).toEqual({ topic: "${aws_sns_topic.Topic.arn}", settings: { list: [1, "two", { three: "${aws_sqs_queue.Queue.name}" }] } });
    expect(Object.values(producer.resource.aws_sns_topic)[0]).toMatchObject({ display_name: "Orders", tags: { replaced: "whole" } });
  });

  it("hands cdktf's resolution only what holds a token, once: no token-free value, no second pass over the document", () => {
    const stack = new TerraformStack(Testing.app(), "plain");
    new AwsProvider(stack, "aws", { region: "eu-west-1" });
    new SnsTopic(stack, "Topic", { name: "orders", tags: { team: "platform" } });
    new SqsQueue(stack, "Queue", { name: Lazy.stringValue({ produce: () => "queue" }), tags: { team: "platform" } });
    const resolve = jest.spyOn(Tokenization, "resolve");
    const resolvedText = () => resolve.mock.calls.map(([value]) => JSON.stringify(value) ?? "").join("\n");
    try {
      stack.toTerraform();
      // The Lazy and the `//` block; never the topic, a tag, a whole fragment or an element's token-free metadata.
      expect(resolvedText()).not.toMatch(/orders|platform|aws_sns_topic|"resource"/);
      expect(resolve.mock.calls.some(([value]) => typeof value === "object" && value !== null && "overrides" in value && "imports" in value)).toBe(false);
      resolve.mockClear();
      // cdktf's own copies every fragment and then the whole document.
      cdktfStackToTerraform(stack);
      expect(resolvedText()).toMatch(/orders/);
      expect(resolve.mock.calls.some(([value]) => typeof value === "object" && value !== null && "resource" in value && "//" in value)).toBe(true);
    } finally {
      resolve.mockRestore();
    }
  });

  it("is built from the cdktf 0.21 code it mirrors: fails when cdktf changes toTerraform, its resolution or its number-token pattern", () => {
    // stackToTerraformCheaply repeats TerraformStack.toTerraform (reading its private rawOverrides and cdktfVersion)
    // and copies values as cdktf's resolve() does; after a cdktf upgrade that changes either, compare the new code with
    // the adapter, then pin the new fingerprints.
    const source = (file: string, start: string): string => {
      const text = fs.readFileSync(require.resolve(`cdktf/${file}`), "utf8");
      const begin = text.indexOf(start);
      const indent = /^\s*/.exec(start)![0];
      return begin < 0 ? "" : text.slice(begin, text.indexOf(`\n${indent}}\n`, begin) + indent.length + 2);
    };
    const fingerprint = (text: string) => createHash("sha256").update(text).digest("hex").slice(0, 16);
    expect({
      toTerraform: fingerprint(source("lib/terraform-stack.js", "    toTerraform() {")),
      resolve: fingerprint(source("lib/tokens/private/resolve.js", "function resolve(obj, options) {")),
    }).toEqual({ toTerraform: "e814a174df1da961", resolve: "c994da7dc9aece4b" });
    expect(fs.readFileSync(require.resolve("cdktf/lib/tokens/private/encoding.js"), "utf8")).toContain(
      'const NUMBER_TOKEN_REGEX = new RegExp("[-|\\\\d|.\\\\+]+(e[-|\\\\d|.|e|E|\\\\+]+)", "g");',
    );
    const stack = new TerraformStack(Testing.app(), "internals");
    stack.addOverride("terraform.required_version", ">= 1.6");
    expect(stack as unknown as Record<string, unknown>).toMatchObject({
      rawOverrides: { terraform: { required_version: ">= 1.6" } },
      cdktfVersion: expect.any(String),
    });
  });
});
