import { App, DefaultTokenResolver, StringConcat, TerraformElement, TerraformStack, Token, Tokenization } from "cdktf";
import { IConstruct } from "constructs";
import { ValidateBinaryVersion } from "cdktf/lib/validations/validate-binary-version";
// The module object itself (not an import's copy of its bindings): cdktf reads the function from it on every call.
// eslint-disable-next-line @typescript-eslint/no-require-imports -- an ES import copies the bindings; the override must reach the module cdktf calls
import tokenTraces = require("cdktf/lib/tokens/private/stack-trace");

/**
 * The things this project relies on that cdktf 0.21 does not document, kept here and nowhere else so a cdktf
 * upgrade (or the move to a fork) has one file to check; `__tests__/constructs/core/cdktf-internals.test.ts` fails
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
 *    `skipTokenCreationTraces` replaces that function. A resolution error still names the value that failed.
 * 4. That `ValidateBinaryVersion` (the validation behind every `terraform_data` resource, moved block and import
 *    block: "Terraform >= 1.4") runs its version command through `execSync` in `validate()`, once per construct that
 *    carries it: dozens of identical `terraform version` processes per synth. `validateBinaryVersionsOnce` keeps the
 *    check and runs each distinct command once per process.
 * 5. What `prepareStack()` does: it makes sure the stack has a backend, then resolves every element's `toTerraform()`
 *    in "preparing" mode and throws the result away. The only effect of that resolution is in the tokens it reaches:
 *    a reference into another stack registers the cross-stack output and remote-state read (1.) when it is resolved
 *    while preparing. Building the resolved copy of every token-free string, number and object is work nobody reads
 *    (a third of a synth's cdktf CPU); `prepareStacksCheaply` replaces the method with one that walks the same values
 *    and hands only the parts holding a token to cdktf's own resolution, in preparing mode, as cdktf would.
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

/** The per-token trace cdktf would otherwise capture: none. */
const noTrace = (): string[] => [];

/**
 * Stops cdktf from capturing a stack trace for every token it creates (see 3. above). Applied when this module loads:
 * the policy engine imports it, so every app and test that builds stacks runs without the traces.
 */
export function skipTokenCreationTraces(): void {
  tokenTraces.captureStackTrace = noTrace;
}

skipTokenCreationTraces();

/** The resolver cdktf's stack preparation uses (`cdktf/lib/_tokens`: a default resolver that concatenates strings). */
const PREPARING_RESOLVER = new DefaultTokenResolver(new StringConcat());

/**
 * The text every encoded string token and list token contains (`{TfToken[` in cdktf 0.21), read off a token of each
 * kind: a string without it carries no token, which spares the regular expressions of `Token.isUnresolved`.
 */
const TOKEN_MARKER = ((): string => {
  const resolvable = { resolve: () => "", toString: () => "" };
  const [stringToken, listToken] = [Token.asString(resolvable), Token.asList(resolvable)[0] ?? ""];
  const marker = stringToken.slice(1, stringToken.indexOf("[") + 1);
  return marker.length > 1 && listToken.includes(marker) ? marker : "";
})();

/** Does a string or number (or a lone list element) carry a token: a string token, a number token, an encoded list? */
function carriesToken(value: unknown): boolean {
  if (typeof value === "string") return value.includes(TOKEN_MARKER) && (Token.isUnresolved(value) || Token.isUnresolved([value]));
  return typeof value === "number" && Token.isUnresolved(value);
}

/**
 * Resolves, in preparing mode, every part of `value` that holds a token, and nothing else: a token-free string,
 * number or container has nothing to prepare. A container whose keys or elements are tokens goes to cdktf whole, as
 * cdktf's resolution treats such lists and maps as one value.
 */
function prepareTokensIn(stack: TerraformStack, value: unknown): void {
  if (value === null || value === undefined || typeof value === "boolean" || typeof value === "function") return;
  const prepare = (): void => {
    Tokenization.resolve(value, { scope: stack, preparing: true, resolver: PREPARING_RESOLVER });
  };
  if (typeof value === "string" || typeof value === "number") {
    if (carriesToken(value)) prepare();
    return;
  }
  if (typeof value !== "object" || value instanceof Date) return;
  if (Array.isArray(value)) {
    if (value.some(carriesToken)) prepare();
    else for (const item of value) prepareTokensIn(stack, item);
    return;
  }
  if (Tokenization.isResolvable(value) || Object.keys(value).some(carriesToken)) {
    prepare();
    return;
  }
  for (const item of Object.values(value as Record<string, unknown>)) prepareTokensIn(stack, item);
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

/** The messages of each distinct binary-version check already run in this process. */
const binaryVersionResults = new Map<string, string[]>();

/**
 * Runs each distinct `ValidateBinaryVersion` check (binary, version command, constraint and hint) once per process and
 * answers the others from that result (see 4. above): the same check, one child process instead of one per construct.
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
    const result = validate.call(this);
    binaryVersionResults.set(key, result);
    return [...result];
  };
  prototype.validate = Object.assign(once, { once: true });
}

validateBinaryVersionsOnce();
