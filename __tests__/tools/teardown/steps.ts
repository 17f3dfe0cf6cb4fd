import { Step } from "../../../tools/teardown/plan";

/**
 * Every command of a step, its nested steps' included. A for-each's commands are built for `item`, by default its
 * placeholder, as the printed plan shows them.
 */
export function stepCommands(step: Step, item?: string): (readonly string[])[] {
  switch (step.kind) {
    case "run":
    case "wait-until-empty":
      return [step.argv];
    case "for-each":
      return [step.list, ...step.each(item ?? step.placeholder)];
    case "for-each-step":
      return [step.list, ...stepCommands(step.inner(step.placeholder), item)];
  }
}
