// The module object itself (not an import's copy of its bindings): cdktf reads the function from it on every call.
// eslint-disable-next-line @typescript-eslint/no-require-imports -- an ES import copies the bindings; the override must reach the module cdktf calls
import tokenTraces = require("cdktf/lib/tokens/private/stack-trace");

/**
 * Item 3 of the cdktf-internals adapter (constructs/core/cdktf-internals.ts), in a module of its own that loads nothing
 * of cdktf but the trace function: imported before `cdktf` itself, it also covers the tokens cdktf creates while its
 * own modules load (`tfExpression` builds references at load time). Where a source-map handler is installed (jest),
 * each of those traces cost a source-map parse of every file on the stack, ≈ 15 ms per test file.
 */

/** The per-token trace cdktf would otherwise capture: none. */
const noTrace = (): string[] => [];

/**
 * Stops cdktf from capturing a stack trace for every token it creates (see 3. in cdktf-internals.ts). Applied when this
 * module loads: the adapter imports it first, so every app and test that builds stacks runs without the traces.
 */
export function skipTokenCreationTraces(): void {
  tokenTraces.captureStackTrace = noTrace;
}

skipTokenCreationTraces();
