// First, before cdktf loads: no per-token stack traces (item 3), including those of cdktf's own module loading.
import { skipTokenCreationTraces } from "./cdktf-traces";
import { App, DefaultTokenResolver, StringConcat, TerraformElement, TerraformOutput, TerraformStack, Token, Tokenization } from "cdktf";
import { IConstruct } from "constructs";
import { deepMerge } from "cdktf/lib/util";
import { ValidateBinaryVersion } from "cdktf/lib/validations/validate-binary-version";
// The module object itself (not an import's copy of its bindings): cdktf's version check reads `execSync` from it.
// eslint-disable-next-line @typescript-eslint/no-require-imports -- an ES import copies the bindings; the stand-in must reach the module cdktf calls
import childProcess = require("child_process");

/**
 * The things this project relies on that cdktf 0.21 does not document, kept here and nowhere else so a cdktf
 * upgrade (or the move to a fork) has one file to check (and cdktf-traces.ts, which must load before cdktf does); `__tests__/constructs/core/cdktf-internals.test.ts` fails
 * as soon as any of them changes:
 *
 * 1. How a cross-stack reference is written: `app.synth()` turns a token of another stack into
 *    `${data.terraform_remote_state.cross-stack-reference-input-<origin stack>.outputs.<output id>}` and adds that
 *    output to the origin stack. The policy engine and the contract checks follow such reads back to the origin.
 * 2. `TerraformStack.prepareStack()`, the step of `app.synth()` that creates those outputs and remote-state reads;
 *    policy evaluation outside a full synth (tests) calls it to see the app as `cdktf synth` does.
 * 3. Where cdktf records a stack trace for every token it creates: each `Lazy`, intrinsic, dynamic block and computed
 *    list calls `captureStackTrace` of `cdktf/lib/tokens/private/stack-trace` (a full trace, with the trace limit
 *    lifted), read only to decorate a message when that token fails to resolve. The project never reads it, and it was
 *    15 % of a synth's CPU; there is no switch for it (`App({ stackTraces: false })` covers annotations only), so
 *    `skipTokenCreationTraces` (cdktf-traces.ts, loaded before cdktf) replaces that function. A resolution error still names the value that failed.
 * 4. That `ValidateBinaryVersion` (the validation behind every `terraform_data` resource, moved block and import
 *    block: "Terraform >= 1.4") runs its version command through `execSync` of the `child_process` module (read from
 *    the module on every call) in `validate()`, once per construct that carries it: dozens of identical
 *    `terraform version` processes per synth, each ≈ 0.07 CPU-s. `validateBinaryVersionsOnce` keeps every check and
 *    runs each distinct version command once per process: the moved-block check (≥ 1.5) and the `terraform_data`
 *    check (≥ 1.4) read the same `terraform version` output, each with its own constraint and message.
 * 5. What `prepareStack()` does: it makes sure the stack has a backend, then resolves every element's `toTerraform()`
 *    in "preparing" mode and throws the result away. The only effect of that resolution is in the tokens it reaches:
 *    a reference into another stack registers the cross-stack output and remote-state read (1.) when it is resolved
 *    while preparing. Building the resolved copy of every token-free string, number and object is work nobody reads
 *    (a third of a synth's cdktf CPU); `prepareStacksCheaply` replaces the method with one that walks the same values
 *    and hands only the parts holding a token (a number token written into a string's text too) to cdktf's own
 *    resolution, in preparing mode, as cdktf would.
 * 6. What `TerraformStack.toTerraform()` (the JSON `cdktf synth` writes) does: the `//` block (cdktf version, stack
 *    name, backend, the names of the stack's overrides, every element's `toMetadata()` resolved, the output ids), then
 *    every element's `toTerraform()` resolved and deep-merged (`deepMerge` of `cdktf/lib/util`), the stack's
 *    `addOverride` values (`rawOverrides`) merged over that, and then the whole merged document resolved a second time.
 *    The second resolution finds nothing to change in the resolved fragments (cdktf resolves whatever a token returns,
 *    recursively, so a resolved value holds no token): it copies them once more. The first copies every token-free
 *    string, number and object of every element, through two resolution contexts per value, to return an equal one.
 *    Together half of the method's CPU (0.05 s per environment). `synthesizeStacksCheaply` replaces the method with
 *    one that builds the same document: token-free values (of each element's metadata too) are copied plainly, every value cdktf's resolution would
 *    change or reject (a token, text that reads as one) is resolved by cdktf where it stands, and the second resolution
 *    covers only what the first did not: the `//` block and the overrides. When an override is of a shape whose merge
 *    that does not follow (a key that reads as a token, a map merged into a list), the whole document is resolved a
 *    second time, as cdktf does.
 */

/** The prefix of the remote-state data source through which a stack reads another stack's outputs. */
export const CROSS_STACK_INPUT_PREFIX = "cross-stack-reference-input-";

/** One read of another stack's output. */
export interface CrossStackRead {
  /** The id of the stack whose output is read. */
  readonly originStack: string;
  /** The output's id in that stack. */
  readonly outputId: string;
}

const CROSS_STACK_READ = /\$\{data\.terraform_remote_state\.cross-stack-reference-input-([A-Za-z0-9_-]+)\.outputs\.([A-Za-z0-9_-]+)\}/g;
const REMOTE_STATE_ADDRESS = /^data\.terraform_remote_state\.cross-stack-reference-input-([A-Za-z0-9_-]+)\.outputs\.([A-Za-z0-9_-]+)$/;

/** Every read of another stack's output in a synthesized expression, in order. */
export function crossStackReadsIn(expression: string): CrossStackRead[] {
  return [...expression.matchAll(CROSS_STACK_READ)].map(([, originStack, outputId]) => ({ originStack: originStack!, outputId: outputId! }));
}

/** The read named by a bare Terraform address (`data.terraform_remote_state.<name>.outputs.<id>`), if it is one. */
export function crossStackReadAt(address: string): CrossStackRead | undefined {
  const match = REMOTE_STATE_ADDRESS.exec(address);
  return match ? { originStack: match[1]!, outputId: match[2]! } : undefined;
}

/** The stack a `terraform_remote_state` data source of cdktf's naming reads, if it is one. */
export function originOfRemoteState(dataSourceName: string): string | undefined {
  return dataSourceName.startsWith(CROSS_STACK_INPUT_PREFIX) ? dataSourceName.slice(CROSS_STACK_INPUT_PREFIX.length) : undefined;
}

/** Does for every stack of `app` what `app.synth()` does before aspects run: cross-stack references become outputs and remote-state reads. */
export function prepareCrossStackReferences(app: App): void {
  for (const stack of app.node.children.filter((child) => TerraformStack.isStack(child))) {
    stack.prepareStack();
  }
}

export { skipTokenCreationTraces };

/** The resolver cdktf's stack preparation and synthesis use (`cdktf/lib/_tokens`: a default resolver that concatenates strings). */
const RESOLVER = new DefaultTokenResolver(new StringConcat());

/**
 * The text every encoded string token and list token contains (`{TfToken[` in cdktf 0.21), read off a token of each
 * kind: a string without it holds no string or list token, which spares the regular expressions of `Token.isUnresolved`.
 */
const TOKEN_MARKER = ((): string => {
  const resolvable = { resolve: () => "", toString: () => "" };
  const [stringToken, listToken] = [Token.asString(resolvable), Token.asList(resolvable)[0] ?? ""];
  const marker = stringToken.slice(1, stringToken.indexOf("[") + 1);
  return marker.length > 1 && listToken.includes(marker) ? marker : "";
})();

/** The map-token sentinels cdktf's resolution rejects as a string (and `Token.NUMBER_MAP_TOKEN_VALUE` as a number). */
const MAP_TOKEN_SENTINELS: readonly string[] = [Token.STRING_MAP_TOKEN_VALUE, Token.ANY_MAP_TOKEN_VALUE];

/**
 * Where cdktf's resolution looks for a number token written into a string (`NUMBER_TOKEN_REGEX` of
 * `cdktf/lib/tokens/private/encoding`): a run of digits, signs, dots and bars with an exponent.
 */
const NUMBER_TOKEN_TEXT = /[-|\d|.+]+(e[-|\d|.|e|E|+]+)/g;

/** The three characters every run of `NUMBER_TOKEN_TEXT` holds, found without its backtracking: few strings have them. */
const NUMBER_TOKEN_CORE = /[-|\d.+]e[-|\d.eE+]/;

/** Does cdktf's resolution find a number token in this text: a run it parses to a token's number? */
function holdsNumberToken(text: string): boolean {
  if (!NUMBER_TOKEN_CORE.test(text)) return false;
  for (const [run] of text.matchAll(NUMBER_TOKEN_TEXT)) if (Token.isUnresolved(parseFloat(run))) return true;
  return false;
}

/**
 * Would cdktf's resolution change or reject this string or number: a string, list or map token in it (or text that
 * reads as one), a number token, a map-token sentinel? Such a scalar, and a list or map holding one as an element or
 * key, is a token to resolve; any other scalar is its own resolution.
 */
function resolutionChanges(value: unknown): boolean {
  if (typeof value === "number") return value === Token.NUMBER_MAP_TOKEN_VALUE || Token.isUnresolved(value);
  if (typeof value !== "string") return false;
  return value.includes(TOKEN_MARKER) || MAP_TOKEN_SENTINELS.includes(value) || holdsNumberToken(value);
}

/**
 * Resolves, in preparing mode, every part of `value` that holds a token, and nothing else: a token-free string,
 * number or container has nothing to prepare. A container whose keys or elements are tokens goes to cdktf whole, as
 * cdktf's resolution treats such lists and maps as one value.
 */
function prepareTokensIn(stack: TerraformStack, value: unknown): void {
  if (typeof value === "string" || typeof value === "number") {
    if (resolutionChanges(value)) prepareWithCdktf(stack, value);
    return;
  }
  if (typeof value !== "object" || value === null || value instanceof Date) return;
  if (Array.isArray(value)) {
    if (value.some(resolutionChanges)) prepareWithCdktf(stack, value);
    else for (const item of value) prepareTokensIn(stack, item);
    return;
  }
  const keys = Object.keys(value);
  if (Tokenization.isResolvable(value) || keys.some(resolutionChanges)) prepareWithCdktf(stack, value);
  else for (const key of keys) prepareTokensIn(stack, (value as Record<string, unknown>)[key]);
}

/** cdktf's resolution of `value` in preparing mode, as its `prepareStack` resolves; the result is not read. */
function prepareWithCdktf(stack: TerraformStack, value: unknown): void {
  Tokenization.resolve(value, { scope: stack, preparing: true, resolver: RESOLVER });
}

/** A stack's elements, as cdktf collects them: every Terraform element below it, not descending into nested stacks. */
function elementsOf(scope: IConstruct, into: TerraformElement[] = []): TerraformElement[] {
  if (TerraformElement.isTerraformElement(scope)) into.push(scope);
  for (const child of scope.node.children) if (!TerraformStack.isStack(child)) elementsOf(child, into);
  return into;
}

/** cdktf's own `prepareStack`, as cdktf 0.21 ships it. */
const originalPrepareStack = Object.getOwnPropertyDescriptor(TerraformStack.prototype, "prepareStack")?.value as (this: TerraformStack) => void;

/** Prepares a stack with cdktf's own `prepareStack`: the adapter's test compares both on the same app. */
export function cdktfPrepareStack(stack: TerraformStack): void {
  originalPrepareStack.call(stack);
}

/**
 * Prepares a stack as cdktf's `prepareStack` does (see 5. above) without building a resolved copy of the values that
 * hold no token: the same backend check, the same elements in the same order, every token resolved in preparing mode.
 */
export function prepareStackCheaply(stack: TerraformStack): void {
  stack.ensureBackendExists();
  // The list is taken before any element is prepared: the remote-state reads added meanwhile are not prepared, as in cdktf.
  for (const element of elementsOf(stack)) prepareTokensIn(stack, element.toTerraform());
}

/** Makes every `prepareStack()` call (from `app.synth()` and from `prepareCrossStackReferences`) the cheap one. */
export function prepareStacksCheaply(): void {
  TerraformStack.prototype.prepareStack = function (this: TerraformStack): void {
    prepareStackCheaply(this);
  };
}

prepareStacksCheaply();

/** The stack's settings `toTerraform()` reads besides its elements (private fields of cdktf 0.21). */
interface StackInternals {
  readonly rawOverrides: Record<string, unknown>;
  readonly cdktfVersion: string;
}

/** cdktf gives up past this depth (a circular value); the copy then hands the whole fragment to cdktf, which reports it. */
const MAX_DEPTH = 200;
const TOO_DEEP = new Error("nested deeper than cdktf resolves");

/** What cdktf's resolution refuses to walk into: an object of the `constructs` library (its own test, by shape). */
function looksLikeConstruct(value: object): boolean {
  const fields = value as { _children?: unknown; _metadata?: unknown };
  return fields._children !== undefined && fields._metadata !== undefined;
}

/** cdktf's resolution of `value` in `stack`, as its synthesis resolves (`cdktf/lib/_tokens`, not preparing). */
function resolveWithCdktf(stack: TerraformStack, value: unknown): unknown {
  return Tokenization.resolve(value, { scope: stack, preparing: false, resolver: RESOLVER });
}

/**
 * Resolves `value` as cdktf's synthesis does, without a resolution context per token-free value: such a string,
 * number, list or map is copied as cdktf's resolution returns it (undefined entries dropped), and every value cdktf's
 * resolution would change, reject or treat whole (a token, a list or map with a token in an element or a key, an
 * IResolvable, a construct) goes to cdktf's resolution in its place, in the order cdktf's resolution meets it.
 */
function resolveCopy(stack: TerraformStack, value: unknown, depth: number): unknown {
  if (value === undefined || value === null || typeof value === "boolean") return value;
  if (typeof value === "string" || typeof value === "number") return resolutionChanges(value) ? resolveWithCdktf(stack, value) : value;
  if (typeof value === "function") return resolveWithCdktf(stack, value);
  if (typeof value !== "object" || value instanceof Date) return value;
  if (depth > MAX_DEPTH) throw TOO_DEEP;
  if (Array.isArray(value)) {
    if (value.some(resolutionChanges)) return resolveWithCdktf(stack, value);
    const copy: unknown[] = [];
    for (const item of value) {
      const resolved = resolveCopy(stack, item, depth + 1);
      if (resolved !== undefined) copy.push(resolved);
    }
    return copy;
  }
  const keys = Object.keys(value);
  if (Tokenization.isResolvable(value) || looksLikeConstruct(value) || keys.some(resolutionChanges)) return resolveWithCdktf(stack, value);
  const copy: Record<string, unknown> = {};
  for (const key of keys) {
    const resolved = resolveCopy(stack, (value as Record<string, unknown>)[key], depth + 1);
    if (resolved !== undefined) copy[key] = resolved;
  }
  return copy;
}

/** An element's `toTerraform()`, resolved; one nested deeper than cdktf resolves goes to cdktf whole, which reports it. */
function resolveFragment(stack: TerraformStack, fragment: unknown): unknown {
  try {
    return resolveCopy(stack, fragment, 0);
  } catch (error) {
    if (error !== TOO_DEEP) throw error;
    return resolveWithCdktf(stack, fragment);
  }
}

/** A plain map as `deepMerge` walks into it: an object that is neither a list nor an IResolvable. */
function isMergedMap(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value) && !Tokenization.isResolvable(value);
}

/**
 * Does `resolveOverridesIn` follow how `deepMerge(target, overrides)` merged these overrides: every key token-free,
 * every map of the overrides merged into a map? Anything else (a key that is or looks like a token, a map merged into
 * a list) leaves the whole document to cdktf's second resolution.
 */
function overridesFollowable(target: Record<string, unknown>, overrides: Record<string, unknown>): boolean {
  return Object.entries(overrides).every(
    ([key, override]) => !resolutionChanges(key) && (!isMergedMap(override) || (isMergedMap(target[key]) && overridesFollowable(target[key], override))),
  );
}

/**
 * Resolves in place, in `target`, what `deepMerge(target, overrides)` put there, as cdktf's second resolution of the
 * whole document does (the rest of `target` is resolved already): a map of the overrides is walked into, anything else
 * resolved by cdktf where it landed, in the document's order.
 */
function resolveOverridesIn(stack: TerraformStack, target: Record<string, unknown>, overrides: Record<string, unknown>): void {
  const overridden = new Set(Object.keys(overrides));
  for (const key of Object.keys(target).filter((key) => overridden.has(key))) {
    const override = overrides[key];
    if (isMergedMap(override)) {
      resolveOverridesIn(stack, target[key] as Record<string, unknown>, override);
      continue;
    }
    const resolved = resolveWithCdktf(stack, target[key]);
    if (resolved === undefined) delete target[key];
    else target[key] = resolved;
  }
}

/** cdktf's own `toTerraform` of a stack, as cdktf 0.21 ships it. */
const originalStackToTerraform = Object.getOwnPropertyDescriptor(TerraformStack.prototype, "toTerraform")?.value as (this: TerraformStack) => unknown;

/** A stack's JSON as cdktf's own `toTerraform` builds it: the adapter's test compares both on the same app. */
export function cdktfStackToTerraform(stack: TerraformStack): unknown {
  return originalStackToTerraform.call(stack);
}

/**
 * A stack's Terraform JSON, equal to cdktf's `toTerraform()` (see 6. above), with each value resolved once and the
 * token-free ones copied without cdktf's resolution contexts.
 */
export function stackToTerraformCheaply(stack: TerraformStack): Record<string, unknown> {
  const { rawOverrides, cdktfVersion } = stack as unknown as StackInternals;
  const overrideNames = Object.keys(rawOverrides);
  const metadata: Record<string, unknown> = {
    version: cdktfVersion,
    stackName: stack.node.id,
    backend: "local",
    cloud: undefined,
    ...(overrideNames.length > 0 ? { overrides: { stack: overrideNames } } : {}),
  };
  const elements = elementsOf(stack);
  for (const element of elements) deepMerge(metadata, resolveFragment(stack, element.toMetadata()));
  const outputs: Record<string, unknown> = {};
  for (const element of elements) {
    if (!TerraformOutput.isTerraformOutput(element)) continue;
    deepMerge(
      outputs,
      element.node.path.split("/").reduceRight<unknown>((inner, part) => ({ [part]: inner }), element.friendlyUniqueId),
    );
  }
  const document: Record<string, unknown> = { "//": { metadata, outputs } };
  const fragments = elements.map((element) => resolveFragment(stack, element.toTerraform()));
  for (const fragment of fragments) deepMerge(document, fragment);
  deepMerge(document, rawOverrides);
  // The second resolution, of what the first did not cover: the `//` block (its `cloud: undefined` goes, overrides of
  // it with it), then the other overrides where they landed.
  const overrides = Object.fromEntries(Object.entries(rawOverrides).filter(([key]) => key !== "//"));
  if (!overridesFollowable(document, overrides)) return resolveWithCdktf(stack, document) as Record<string, unknown>;
  document["//"] = resolveWithCdktf(stack, document["//"]);
  resolveOverridesIn(stack, document, overrides);
  return document;
}

/** Makes every stack's `toTerraform()` (the JSON `app.synth()` writes, and every caller's) the cheap one. */
export function synthesizeStacksCheaply(): void {
  TerraformStack.prototype.toTerraform = function (this: TerraformStack): unknown {
    return stackToTerraformCheaply(this);
  };
}

synthesizeStacksCheaply();

/** The messages of each distinct binary-version check already run in this process. */
const binaryVersionResults = new Map<string, string[]>();

/** What each version command run in this process gave: its output, or what it threw. */
const versionCommandOutcomes = new Map<string, { readonly output: Buffer | string } | { readonly error: unknown }>();

/** `execSync` that runs a version command once per process and gives every later caller the same outcome. */
function execVersionCommandOnce(run: typeof childProcess.execSync, versionCommand: string): typeof childProcess.execSync {
  return ((command: string, options?: childProcess.ExecSyncOptions) => {
    if (command !== versionCommand) return run(command, options);
    let outcome = versionCommandOutcomes.get(command);
    if (!outcome) {
      try {
        outcome = { output: run(command, options) };
      } catch (error) {
        outcome = { error };
      }
      versionCommandOutcomes.set(command, outcome);
    }
    if ("error" in outcome) throw outcome.error;
    return outcome.output;
  }) as typeof childProcess.execSync;
}

/**
 * Runs each distinct `ValidateBinaryVersion` check (binary, version command, constraint and hint) once per process and
 * answers the others from that result, and runs each distinct version command once per process (see 4. above): the
 * same checks with their own constraints and messages, one child process instead of one per construct or per check.
 */
export function validateBinaryVersionsOnce(): void {
  const prototype = ValidateBinaryVersion.prototype;
  const validate = Object.getOwnPropertyDescriptor(prototype, "validate")?.value as ((this: ValidateBinaryVersion) => string[]) & { once?: boolean };
  if (validate.once) return;
  const once = function (this: ValidateBinaryVersion): string[] {
    // The check's settings (protected fields) are what makes two checks the same.
    const check = this as unknown as { binary: string; versionCommand: string; versionConstraint: string; hint?: string };
    const key = [check.binary, check.versionCommand, check.versionConstraint, check.hint ?? ""].join("\0");
    const known = binaryVersionResults.get(key);
    if (known) return [...known];
    // cdktf's own check, with its own parsing, constraint and messages; only the command's output may be an earlier run's.
    const run = childProcess.execSync;
    childProcess.execSync = execVersionCommandOnce(run, check.versionCommand);
    let result: string[];
    try {
      result = validate.call(this);
    } finally {
      childProcess.execSync = run;
    }
    binaryVersionResults.set(key, result);
    return [...result];
  };
  prototype.validate = Object.assign(once, { once: true });
}

validateBinaryVersionsOnce();
