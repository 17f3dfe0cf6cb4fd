import { App, TerraformStack } from "cdktf";

/**
 * The two things this project relies on that cdktf 0.21 does not document, kept here and nowhere else so a cdktf
 * upgrade (or the move to a fork) has one file to check; `__tests__/constructs/core/cdktf-internals.test.ts` fails
 * as soon as either changes:
 *
 * 1. How a cross-stack reference is written: `app.synth()` turns a token of another stack into
 *    `${data.terraform_remote_state.cross-stack-reference-input-<origin stack>.outputs.<output id>}` and adds that
 *    output to the origin stack. The policy engine and the contract checks follow such reads back to the origin.
 * 2. `TerraformStack.prepareStack()`, the step of `app.synth()` that creates those outputs and remote-state reads;
 *    policy evaluation outside a full synth (tests) calls it to see the app as `cdktf synth` does.
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
