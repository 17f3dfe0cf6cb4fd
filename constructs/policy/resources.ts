import { IConstruct } from "constructs";
import { App, DefaultTokenResolver, StringConcat, TerraformOutput, TerraformResource, TerraformStack, Tokenization } from "cdktf";
import { crossStackReadsIn } from "../core/cdktf-internals";
import { PolicyContext, PolicyResource } from "./types";

const RESOLVER = new DefaultTokenResolver(new StringConcat());
/** `${aws_subnet.name.id}`: resource types are `<provider>_<name>`, which keeps out var., local., data., each. and the like. */
const REFERENCE = /\$\{([a-z][a-z0-9]*_[a-z0-9_]+)\.([A-Za-z0-9_-]+)[.}[]/g;

function resolveIn(stack: TerraformStack, value: unknown): unknown {
  return Tokenization.resolve(value, { scope: stack, preparing: false, resolver: RESOLVER });
}

/**
 * A resource whose attributes are resolved one by one, on first read: rules read a few attributes of a few resource
 * types, and resolving every token of every resource would cost as much as a second synth.
 */
class LazyResource implements PolicyResource {
  readonly type: string;
  readonly name: string;
  readonly address: string;
  readonly path: string;
  private view?: Record<string, unknown>;

  constructor(
    readonly construct: TerraformResource,
    private readonly stack: TerraformStack,
  ) {
    this.type = construct.terraformResourceType;
    this.name = construct.friendlyUniqueId;
    this.address = `${this.type}.${this.name}`;
    this.path = construct.node.path;
  }

  get attributes(): Record<string, unknown> {
    if (!this.view) {
      const synthesized = this.construct.toTerraform() as { resource?: Record<string, Record<string, Record<string, unknown>>> };
      const raw = synthesized.resource?.[this.type]?.[this.name] ?? {};
      const resolved = new Map<string, unknown>();
      const stack = this.stack;
      this.view = new Proxy(raw, {
        get(target, key) {
          if (typeof key !== "string") return Reflect.get(target, key) as unknown;
          if (!resolved.has(key)) resolved.set(key, resolveIn(stack, target[key]));
          return resolved.get(key);
        },
      });
    }
    return this.view;
  }
}

/** Every Terraform resource of a stack, by type and by address. */
class StackResources {
  private readonly byType = new Map<string, PolicyResource[]>();
  private readonly byAddress = new Map<string, PolicyResource>();

  constructor(stack: TerraformStack) {
    for (const construct of stack.node.findAll()) {
      if (!TerraformResource.isTerraformResource(construct)) continue;
      const resource = new LazyResource(construct, stack);
      this.byAddress.set(resource.address, resource);
      const ofType = this.byType.get(resource.type) ?? [];
      ofType.push(resource);
      this.byType.set(resource.type, ofType);
    }
  }

  ofType(type: string): readonly PolicyResource[] {
    return this.byType.get(type) ?? [];
  }

  at(address: string): PolicyResource | undefined {
    return this.byAddress.get(address);
  }
}

/**
 * The rule context of one evaluation of a stack. References into other stacks (cdktf turns them into remote-state
 * outputs during `app.synth()`) are followed back to the origin stack's output, so cross-stack rules see the real
 * subnet or VPC. Indexes live as long as the evaluation, so a later evaluation sees resources added since.
 */
export class StackContext implements PolicyContext {
  private readonly indexes = new Map<TerraformStack, StackResources>();
  private readonly outputs = new Map<TerraformStack, Map<string, TerraformOutput>>();

  constructor(
    readonly stack: TerraformStack,
    readonly production: boolean,
  ) {}

  resourcesOf(type: string): readonly PolicyResource[] {
    return this.indexOf(this.stack).ofType(type);
  }

  targetsOf(value: unknown): PolicyResource[] {
    return this.targetsIn(this.stack, value);
  }

  referencing(type: string, attribute: string, target: PolicyResource): PolicyResource[] {
    return this.resourcesOf(type).filter((resource) => this.targetsOf(resource.attributes[attribute]).includes(target));
  }

  private indexOf(stack: TerraformStack): StackResources {
    let index = this.indexes.get(stack);
    if (!index) {
      index = new StackResources(stack);
      this.indexes.set(stack, index);
    }
    return index;
  }

  private targetsIn(stack: TerraformStack, value: unknown): PolicyResource[] {
    if (Array.isArray(value)) return value.flatMap((item) => this.targetsIn(stack, item));
    if (typeof value !== "string" || !value.includes("${")) return [];
    const found: PolicyResource[] = [];
    for (const [, type, name] of value.matchAll(REFERENCE)) {
      const target = this.indexOf(stack).at(`${type}.${name}`) ?? this.inOneOtherStack(stack, `${type}.${name}`);
      if (target) found.push(target);
    }
    for (const { originStack, outputId } of crossStackReadsIn(value)) {
      found.push(...this.crossStackTargets(stack, originStack, outputId));
    }
    return found;
  }

  /**
   * A reference into another stack that was never prepared (a unit test synthesizing one stack) still reads
   * `${aws_subnet.x.id}`. Stacks of different environments share logical ids, so only a match in exactly one stack counts.
   */
  private inOneOtherStack(stack: TerraformStack, address: string): PolicyResource | undefined {
    const matches = App.of(stack)
      .node.children.filter((child): child is TerraformStack => TerraformStack.isStack(child) && child !== stack)
      .map((other) => this.indexOf(other).at(address))
      .filter((match): match is PolicyResource => match !== undefined);
    return matches.length === 1 ? matches[0] : undefined;
  }

  private crossStackTargets(stack: TerraformStack, originPath: string, outputId: string): PolicyResource[] {
    const origin = App.of(stack).node.tryFindChild(originPath);
    if (!origin || !TerraformStack.isStack(origin)) return [];
    const output = this.outputsOf(origin).get(outputId);
    return output ? this.targetsIn(origin, resolveIn(origin, output.value)) : [];
  }

  private outputsOf(stack: TerraformStack): Map<string, TerraformOutput> {
    let outputs = this.outputs.get(stack);
    if (!outputs) {
      outputs = new Map(
        stack.node
          .findAll()
          .filter((construct: IConstruct): construct is TerraformOutput => construct instanceof TerraformOutput)
          .map((output) => [output.friendlyUniqueId, output]),
      );
      this.outputs.set(stack, outputs);
    }
    return outputs;
  }
}
