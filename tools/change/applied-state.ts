import * as fs from "fs";
import * as path from "path";
import { Plan, ResourceChange } from "../harness/runner";
import { ctyType, placeholderValue, standInValue, UpstreamContext } from "../harness/remote-state";
import { run, TerraformToolchain, terraformEnv } from "../harness/terraform";

/**
 * A Terraform state that stands for a stack as applied, built from its offline plan: every managed resource with the
 * values the plan says it will have, a placeholder of the right type and shape for each value known only after apply
 * (the same placeholders the harness's stand-in remote state uses, so upstream outputs and downstream inputs agree),
 * and the schema version of each resource type, which the provider needs to read the state.
 */

/** The part of `terraform providers schema -json` a state needs: per resource type, its schema version and block. */
export interface ResourceSchemas {
  readonly [type: string]: { readonly version: number; readonly block: SchemaBlock };
}

export interface SchemaBlock {
  readonly attributes?: Record<string, { readonly type?: unknown; readonly nested_type?: { attributes: SchemaBlock["attributes"]; nesting_mode: string } }>;
  readonly block_types?: Record<string, { readonly nesting_mode: string; readonly block: SchemaBlock }>;
}

/**
 * The resource schemas of the providers in `dir` (an initialized working folder), cached as JSON beside the plan cache
 * under the toolchain's fingerprint: one `terraform providers schema -json` per provider build.
 */
export async function resourceSchemas(toolchain: TerraformToolchain, dir: string, cacheDir: string): Promise<ResourceSchemas> {
  const file = path.join(cacheDir, "schemas", `${toolchain.fingerprint}.json`);
  if (fs.existsSync(file)) return JSON.parse(fs.readFileSync(file, "utf8")) as ResourceSchemas;
  await toolchain.ready();
  const shown = await run(toolchain.terraform, ["providers", "schema", "-json"], { cwd: dir, env: terraformEnv(toolchain), timeoutMs: 300_000 });
  const providers = (JSON.parse(shown.stdout) as { provider_schemas: Record<string, { resource_schemas?: ResourceSchemas }> }).provider_schemas;
  const schemas: ResourceSchemas = Object.assign({}, ...Object.values(providers).map((provider) => provider.resource_schemas ?? {})) as ResourceSchemas;
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(`${file}.${process.pid}.tmp`, JSON.stringify(schemas));
  fs.renameSync(`${file}.${process.pid}.tmp`, file);
  return schemas;
}

/** Resource types of Terraform's built-in provider (terraform.io/builtin/terraform), which `providers schema` omits. */
const BUILTIN_SCHEMAS: ResourceSchemas = {
  terraform_data: {
    version: 0,
    block: { attributes: { id: { type: "string" }, input: { type: "dynamic" }, output: { type: "dynamic" }, triggers_replace: { type: "dynamic" } } },
  },
};

interface StateResource {
  mode: "managed";
  type: string;
  name: string;
  provider: string;
  instances: { index_key?: string | number; schema_version: number; attributes: unknown; sensitive_attributes: unknown[] }[];
}

/**
 * The state (format 4, as Terraform writes it) of a stack after its plan was applied. Resources the plan deletes are
 * gone; every other managed resource has its planned values (`after`), unknowns filled. Outputs likewise.
 */
export function appliedState(
  plan: Plan,
  stackJson: { output?: Record<string, { value: unknown }> },
  schemas: ResourceSchemas,
  context: UpstreamContext,
): string {
  const configured = (plan.configuration.root_module.resources ?? []) as { address: string; provider_config_key?: string; expressions?: Expressions }[];
  const providerKeys = new Map(configured.map((resource) => [resource.address, resource.provider_config_key ?? "aws"]));
  const expressions = new Map(configured.map((resource) => [resource.address, resource.expressions ?? {}]));
  const resources = new Map<string, StateResource>();
  for (const change of plan.resource_changes ?? []) {
    if (change.mode !== "managed" || (change.change.actions.length === 1 && change.change.actions[0] === "delete")) continue;
    const schema = schemas[change.type] ?? BUILTIN_SCHEMAS[change.type];
    if (!schema) throw new Error(`${change.address}: the provider has no schema for ${change.type}`);
    const baseAddress = change.address.replace(/\[[^\]]*\]$/, "");
    const alias = (providerKeys.get(baseAddress) ?? "aws").split(".")[1];
    const source = change.provider_name ?? "registry.terraform.io/hashicorp/aws";
    const entry = resources.get(baseAddress) ?? {
      mode: "managed" as const,
      type: change.type,
      name: change.name,
      provider: `provider["${source}"]${alias ? `.${alias}` : ""}`,
      instances: [],
    };
    resources.set(baseAddress, entry);
    const attributes = fillBlock(change.change.after, change.change.after_unknown, schema.block, expressions.get(baseAddress), {
      ...context,
      resourceType: change.type,
      resourceName: change.name,
    });
    // terraform_data's output is its input once applied.
    if (change.type === "terraform_data" && attributes.output === null) attributes.output = attributes.input;
    entry.instances.push({
      ...(change.index !== undefined ? { index_key: change.index } : {}),
      schema_version: schema.version,
      attributes,
      // Values the plan marks sensitive stay marked: a state without the mark plans an update of the mark alone.
      sensitive_attributes: sensitivePaths(change.change.after_sensitive),
    });
  }
  const outputs = Object.fromEntries(
    Object.entries(stackJson.output ?? {}).map(([name, output]) => {
      const value = standInValue(output.value, plan.planned_values.outputs?.[name]?.value, context);
      return [name, { value, type: ctyType(value), ...(plan.planned_values.outputs?.[name]?.sensitive ? { sensitive: true } : {}) }];
    }),
  );
  return `${JSON.stringify(
    {
      version: 4,
      terraform_version: "1.11.0",
      serial: 1,
      // Fixed, so that the same applied stack is the same state text (and the same plan-cache key) in every run.
      lineage: `offline-applied-${context.stackName}`,
      outputs,
      resources: [...resources.values()].sort((a, b) => `${a.type}.${a.name}`.localeCompare(`${b.type}.${b.name}`)),
    },
    null,
    2,
  )}\n`;
}

/** Whether a plan changes nothing: every resource change and every output change is a no-op (or a read). */
export function plansNoChanges(plan: Plan): boolean {
  return changedAddresses(plan).length === 0;
}

/** Resources and outputs a plan changes, as `address: actions` (empty for a plan of no changes). */
export function changedAddresses(plan: Plan): string[] {
  const quiet = (actions: readonly string[]) => actions.every((action) => action === "no-op" || action === "read");
  const resources = (plan.resource_changes ?? []).filter((change: ResourceChange) => !quiet(change.change.actions));
  const outputs = Object.entries((plan as { output_changes?: Record<string, { actions: string[] }> }).output_changes ?? {}).filter(
    ([, change]) => !quiet(change.actions),
  );
  return [
    ...resources.map((change) => `${change.address}: ${change.change.actions.join("+")}`),
    ...outputs.map(([name, change]) => `output.${name}: ${change.actions.join("+")}`),
  ];
}

interface FillContext extends UpstreamContext {
  readonly resourceType: string;
  readonly resourceName: string;
}

/** The configuration's expressions of a resource (`terraform show -json`): per attribute its references, per block a list. */
type Expressions = Record<string, unknown>;

/**
 * The placeholder of the resource attribute an expression is exactly a reference to (`subnet_id = aws_subnet.A.id`):
 * the value the referenced resource's own state gets, so the state is consistent in one pass.
 */
function referencedPlaceholder(expression: unknown, context: FillContext): unknown {
  return attributeReferences(expression).map(([type, name, attribute]) => placeholderValue(type, name, attribute, context))[0];
}

/**
 * The resource attributes an expression references (`[aws_sns_topic.A.arn]` → aws_sns_topic, A, arn), in order: a list
 * of references (`security_groups = [aws_security_group.A.id]`) is a list of their placeholders.
 */
function attributeReferences(expression: unknown): [string, string, string][] {
  const references = (expression as { references?: string[] } | undefined)?.references ?? [];
  return references.flatMap((reference): [string, string, string][] => {
    const match = /^([a-z][a-z0-9_]*)\.([A-Za-z0-9_-]+)(?:\[[^\]]+\])?\.([a-z0-9_]+)$/.exec(reference);
    if (!match || ["data", "var", "local", "each", "count"].includes(match[1] ?? "")) return [];
    return [[match[1] ?? "", match[2] ?? "", match[3] ?? ""]];
  });
}

function fillBlock(value: unknown, unknown: unknown, block: SchemaBlock, expressions: unknown, context: FillContext): Record<string, unknown> {
  const configured = (typeof expressions === "object" && expressions !== null && !Array.isArray(expressions) ? expressions : {}) as Expressions;
  const values = (value ?? {}) as Record<string, unknown>;
  const unknowns = (typeof unknown === "object" && unknown !== null ? unknown : {}) as Record<string, unknown>;
  const result: Record<string, unknown> = {};
  for (const [name, attribute] of Object.entries(block.attributes ?? {})) {
    if (attribute.nested_type) {
      const nested = { attributes: attribute.nested_type.attributes };
      result[name] = fillNested(values[name], unknowns[name], attribute.nested_type.nesting_mode, nested, configured[name], context);
    } else if (unknowns[name] === true && attribute.type === "string" && referencedPlaceholder(configured[name], context) !== undefined) {
      result[name] = referencedPlaceholder(configured[name], context);
    } else if (unknowns[name] === true && isListOfStrings(attribute.type) && attributeReferences(configured[name]).length > 0) {
      result[name] = attributeReferences(configured[name]).map(([type, resource, referenced]) => placeholderValue(type, resource, referenced, context));
    } else {
      result[name] = fillValue(values[name], unknowns[name], attribute.type, name, context);
    }
  }
  for (const [name, nested] of Object.entries(block.block_types ?? {})) {
    result[name] = fillNested(values[name], unknowns[name], nested.nesting_mode, nested.block, configured[name], context);
  }
  return result;
}

/** after_sensitive (`{"secret": true, "a": [{"b": true}]}`) as the state's paths of get_attr and index steps. */
function sensitivePaths(marks: unknown, prefix: unknown[] = []): unknown[][] {
  if (marks === true) return [prefix];
  if (Array.isArray(marks)) {
    return marks.flatMap((inner, index) => sensitivePaths(inner, [...prefix, { type: "index", value: { value: index, type: "number" } }]));
  }
  if (typeof marks === "object" && marks !== null) {
    return Object.entries(marks).flatMap(([key, inner]) => sensitivePaths(inner, [...prefix, { type: "get_attr", value: key }]));
  }
  return [];
}

function isListOfStrings(type: unknown): boolean {
  return Array.isArray(type) && (type[0] === "list" || type[0] === "set") && type[1] === "string";
}

function fillNested(value: unknown, unknown: unknown, nesting: string, block: SchemaBlock, expressions: unknown, context: FillContext): unknown {
  const elements = Array.isArray(expressions) ? (expressions as unknown[]) : [expressions];
  if (nesting === "single" || nesting === "group") {
    if (unknown === true || value === null || value === undefined) return nesting === "group" ? fillBlock({}, {}, block, undefined, context) : null;
    return fillBlock(value, unknown, block, elements[0], context);
  }
  if (nesting === "map") {
    if (unknown === true || value === null || value === undefined) return {};
    const unknowns = (unknown ?? {}) as Record<string, unknown>;
    return Object.fromEntries(
      Object.entries(value as Record<string, unknown>).map(([key, element]) => [key, fillBlock(element, unknowns[key], block, undefined, context)]),
    );
  }
  if (unknown === true || !Array.isArray(value)) return [];
  const unknowns = Array.isArray(unknown) ? unknown : [];
  // Block expressions are listed per configured block; a set's order is the provider's, so only a single block pairs up.
  const paired = nesting === "list" || value.length === 1;
  return value.map((element, index) => fillBlock(element, unknowns[index], block, paired ? elements[index] : undefined, context));
}

/** A value of the attribute's type: the planned one, or (where only apply would know it) a placeholder. */
function fillValue(value: unknown, unknown: unknown, type: unknown, attribute: string, context: FillContext): unknown {
  if (unknown === true) return placeholderOfType(type, attribute, context);
  if (value === null || value === undefined) return null;
  if (Array.isArray(type)) {
    const [kind, inner] = type as [string, unknown];
    if ((kind === "list" || kind === "set") && Array.isArray(value)) {
      const unknowns = Array.isArray(unknown) ? unknown : [];
      return value.map((element, index) => fillValue(element, unknowns[index], inner, attribute, context));
    }
    if (kind === "map" && typeof value === "object") {
      const unknowns = (unknown ?? {}) as Record<string, unknown>;
      return Object.fromEntries(Object.entries(value).map(([key, element]) => [key, fillValue(element, unknowns[key], inner, key, context)]));
    }
    if (kind === "object" && typeof value === "object") {
      const unknowns = (unknown ?? {}) as Record<string, unknown>;
      const fields = inner as Record<string, unknown>;
      return Object.fromEntries(
        Object.entries(fields).map(([key, fieldType]) => [key, fillValue((value as Record<string, unknown>)[key], unknowns[key], fieldType, key, context)]),
      );
    }
  }
  return value;
}

/**
 * Attributes AWS leaves empty unless configured, for which any placeholder would be an invalid value (the provider
 * validates them against the rest of the resource).
 */
const EMPTY_UNLESS_SET: Readonly<Record<string, readonly string[]>> = {
  aws_sns_topic: ["fifo_throughput_scope"],
};

/** Attributes the provider checks against a fixed set of values: the value AWS gives the project's resources. */
const KNOWN_AFTER_APPLY: Readonly<Record<string, Readonly<Record<string, unknown>>>> = {
  // DNS validation of ACM certificates is always by CNAME.
  aws_acm_certificate: { resource_record_type: "CNAME" },
  // The project delivers CloudFront logs to S3 only (constructs/edge).
  aws_cloudwatch_log_delivery_destination: { delivery_destination_type: "S3" },
};

function placeholderOfType(type: unknown, attribute: string, context: FillContext): unknown {
  if (EMPTY_UNLESS_SET[context.resourceType]?.includes(attribute)) return null;
  const known = KNOWN_AFTER_APPLY[context.resourceType]?.[attribute];
  if (known !== undefined) return known;
  if (type === "string") return placeholderValue(context.resourceType, context.resourceName, attribute, context);
  if (type === "number") return 1;
  if (type === "bool") return false;
  if (Array.isArray(type)) {
    const [kind, inner] = type as [string, unknown];
    // A computed list of objects (an EKS cluster's identity, certificate_authority) has one element once applied.
    if ((kind === "list" || kind === "set") && Array.isArray(inner) && inner[0] === "object") return [placeholderOfType(inner, attribute, context)];
    if (kind === "list" || kind === "set" || kind === "tuple") return [];
    if (kind === "map") return {};
    if (kind === "object") {
      return Object.fromEntries(Object.entries(inner as Record<string, unknown>).map(([key, fieldType]) => [key, placeholderOfType(fieldType, key, context)]));
    }
  }
  return null;
}
