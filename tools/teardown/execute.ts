import { spawnSync } from "child_process";
import { REPO_ROOT } from "../lib/repo";
import { Phase, shellQuote, Step } from "./plan";

/** Runs the phases' commands in order and stops at the first failure; `log` receives every command and heading. */
export async function executePlan(phases: readonly Phase[], log: (line: string) => void): Promise<void> {
  const run = (argv: readonly string[], capture = false): string => {
    log(`$ ${shellQuote(argv)}`);
    const [command, ...args] = argv;
    if (command === undefined) throw new Error("a teardown step has an empty command");
    const stdio: ("ignore" | "pipe" | "inherit")[] = capture ? ["ignore", "pipe", "inherit"] : ["ignore", "inherit", "inherit"];
    const result = spawnSync(command, args, { cwd: REPO_ROOT, stdio, encoding: "utf8", env: process.env });
    if (result.error) throw result.error;
    if (result.status !== 0) throw new Error(`\`${shellQuote(argv)}\` exited with ${String(result.status)}`);
    return capture ? result.stdout : "";
  };
  const items = (list: readonly string[], split: "words" | "lines") =>
    run(list, true)
      .split(split === "words" ? /\s+/ : /\n/)
      .filter((item) => item.trim() && item.trim() !== "None");
  const runStep = async (step: Step): Promise<void> => {
    log(`# ${step.why}`);
    if (step.kind === "run") run(step.argv);
    if (step.kind === "for-each") items(step.list, step.split).forEach((item) => step.each(item).forEach((argv) => run(argv)));
    if (step.kind === "for-each-step") {
      for (const item of items(step.list, step.split)) await runStep(step.inner(item));
    }
    if (step.kind === "wait-until-empty") {
      const deadline = Date.now() + step.timeoutSeconds * 1000;
      for (let left = run(step.argv, true).trim(); left; left = run(step.argv, true).trim()) {
        if (Date.now() > deadline) throw new Error(`still there after ${step.timeoutSeconds}s:\n${left}`);
        await new Promise((resolve) => setTimeout(resolve, step.intervalSeconds * 1000));
      }
    }
  };
  for (const phase of phases) {
    log(`== ${phase.title}`);
    for (const step of phase.steps) await runStep(step);
  }
}
