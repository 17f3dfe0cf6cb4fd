import { IConstruct } from "constructs";
import { App, DefaultTokenResolver, StringConcat, TerraformOutput, TerraformResource, TerraformStack, Tokenization } from "cdktf";
import { PolicyContext, PolicyResource } from "./types";

const RESOLVER = new DefaultTokenResolver(new StringConcat());
const REFERENCE = /\$\{([a-z][a-z0-9_]*)\.([A-Za-z0-9_-]+)[.}[]/g;
const CROSS_STACK = /\$\{data\.terraform_remote_state\.cross-stack-reference-input-([A-Za-z0-9_-]+)\.outputs\.([A-Za-z0-9_-]+)\}/g;

function resolveIn(stack: TerraformStack, value: unknown): unknown {
  return Tokenization.resolve(value, { scope: stack, preparing: false, resolver: RESOLVER });
}

/** A resource whose attributes are resolved on first use: most resources are never inspected by any rule. */
class LazyResource implements PolicyResource {
  readonly type: string;
  readonly name: string;
  readonly address: string;
  readonly path: string;
  private resolved?: Record<string, unknown>;

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
    if (!this.resolved) {
      const synthesized = resolveIn(this.stack, this.construct.toTerraform()) as { resource?: Record<string, Record<string, Record<string, unknown>>> };
      this.resolved = synthesized.resource?.[this.type]?.[this.name] ?? {};
    }
    return this.resolved;
  }
}

/** Every Terraform resource of a stack, by type and by address. */
export class StackResources {
  readonly all: PolicyResource[] = [];
  private readonly byType = new Map<string, PolicyResource[]>();
  private readonly byAddress = new Map<string, PolicyResource>();

  constructor(readonly stack: TerraformStack) {
    for (const construct of stack.node.findAll()) {
      if (!TerraformResource.isTerraformResource(construct)) continue;
      const resource = new LazyResource(construct, stack);
      this.all.push(resource);
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

const indexes = new WeakMap<TerraformStack, StackResources>();

export function resourcesOfStack(stack: TerraformStack): StackResources {
  let index = indexes.get(stack);
  if (!index) {
    index = new StackResources(stack);
    indexes.set(stack, index);
  }
  return index;
}

/**
 * The rule context of a stack. References into other stacks (cdktf turns them into remote-state outputs during
 * `app.synth()`) are followed back to the origin stack's output, so cross-stack rules see the real subnet or VPC.
 */
export class StackContext implements PolicyContext {
  private readonly resources: StackResources;

  constructor(
    readonly stack: TerraformStack,
    readonly production: boolean,
  ) {
    this.resources = resourcesOfStack(stack);
  }

  resourcesOf(type: string): readonly PolicyResource[] {
    return this.resources.ofType(type);
  }

  targetsOf(value: unknown): PolicyResource[] {
    return targetsIn(this.resources, value);
  }

  referencing(type: string, attribute: string, target: PolicyResource): PolicyResource[] {
    return this.resourcesOf(type).filter((resource) => this.targetsOf(resource.attributes[attribute]).includes(target));
  }
}

function targetsIn(resources: StackResources, value: unknown): PolicyResource[] {
  if (Array.isArray(value)) return value.flatMap((item) => targetsIn(resources, item));
  if (typeof value !== "string" || !value.includes("${")) return [];
  const found: PolicyResource[] = [];
  for (const [, type, name] of value.matchAll(REFERENCE)) {
    const target = resources.at(`${type}.${name}`) ?? inOneOtherStack(resources.stack, `${type}.${name}`);
    if (target) found.push(target);
  }
  for (const [, originPath, outputId] of value.matchAll(CROSS_STACK)) {
    found.push(...crossStackTargets(resources.stack, originPath, outputId));
  }
  return found;
}

/**
 * A reference into another stack that was never prepared (a unit test synthesizing one stack) still reads
 * `${aws_subnet.x.id}`. Stacks of different environments share logical ids, so only a match in exactly one stack counts.
 */
function inOneOtherStack(stack: TerraformStack, address: string): PolicyResource | undefined {
  const matches = App.of(stack)
    .node.children.filter((child): child is TerraformStack => TerraformStack.isStack(child) && child !== stack)
    .map((other) => resourcesOfStack(other).at(address))
    .filter((match): match is PolicyResource => match !== undefined);
  return matches.length === 1 ? matches[0] : undefined;
}

function crossStackTargets(stack: TerraformStack, originPath: string, outputId: string): PolicyResource[] {
  const origin = App.of(stack).node.tryFindChild(originPath);
  if (!origin || !TerraformStack.isStack(origin)) return [];
  const output = origin.node.findAll().find((construct: IConstruct) => construct instanceof TerraformOutput && construct.friendlyUniqueId === outputId) as
    | TerraformOutput
    | undefined;
  if (!output) return [];
  return targetsIn(resourcesOfStack(origin), resolveIn(origin, output.value));
}
