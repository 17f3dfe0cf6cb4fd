// Which stacks a push must deploy: those whose synthesized JSON differs between two synth outputs, plus every stack
// that depends on one of them (it reads their outputs), in deploy order. A change to gitops/, app/ or docs/ changes
// no synthesized stack, so it deploys nothing. The bootstrap stacks are applied by hand (docs/delivery-pipelines.md)
// and reported, never deployed.
// usage: changed-stacks.ts <base cdktf.out> <head cdktf.out> [--github-output <file>]
import * as fs from "fs";
import { LAYERS } from "../stacks/environment-stack";
import { LAYERS_ON_THE_VPC_RUNNER } from "../stacks/runner-stack";
import { isAccountStack, readSynthesizedStacks, SynthesizedStack } from "./lib/synth-output";
import { canonicalJson } from "./harness/plan-cache";

/** JSON without cdktf's `//` metadata, keys sorted: the same canonical form the plan cache keys stacks by. */
export const canonical = canonicalJson;

export interface StackChanges {
  /** Stacks to deploy, in deploy order: changed or new, and their dependants. */
  readonly deploy: string[];
  /** Stacks in the base that the head no longer synthesizes (destroy is a manual decision: npm run teardown). */
  readonly removed: string[];
  /** Account-level stacks (bootstrap, guardrails) that changed: an administrator applies them. */
  readonly bootstrap: string[];
}

function layerIndex(name: string): number {
  const layer = name.slice(name.lastIndexOf("-") + 1);
  return (LAYERS as readonly string[]).indexOf(layer);
}

export function changedStacks(base: readonly SynthesizedStack[], head: readonly SynthesizedStack[]): StackChanges {
  const before = new Map(base.map((stack) => [stack.name, canonical(stack.json)]));
  const changed = new Set(head.filter((stack) => before.get(stack.name) !== canonical(stack.json)).map((stack) => stack.name));
  let grew = true;
  while (grew) {
    grew = false;
    for (const stack of head) {
      if (!changed.has(stack.name) && stack.dependencies.some((dependency) => changed.has(dependency))) {
        changed.add(stack.name);
        grew = true;
      }
    }
  }
  const order = head.map((stack) => stack.name);
  const deploy = [...changed].filter((name) => !isAccountStack(name)).sort((a, b) => layerIndex(a) - layerIndex(b) || order.indexOf(a) - order.indexOf(b));
  const names = new Set(order);
  return { deploy, removed: base.map((stack) => stack.name).filter((name) => !names.has(name)), bootstrap: [...changed].filter(isAccountStack) };
}

/** One matrix entry of the deploy workflow: the stack, and whether its job runs on the environment's in-VPC runner. */
export interface DeployEntry {
  readonly stack: string;
  readonly vpc: boolean;
}

/** The stacks to deploy of each environment, as the deploy workflow's per-environment matrices. */
export function deployMatrices(changes: StackChanges, environments: readonly string[]): Record<string, DeployEntry[]> {
  return Object.fromEntries(
    environments.map((environment) => [
      environment,
      changes.deploy
        .filter((stack) => stack.startsWith(`${environment}-`) && stack.slice(environment.length + 1) === LAYERS[layerIndex(stack)])
        .map((stack) => ({ stack, vpc: (LAYERS_ON_THE_VPC_RUNNER as readonly string[]).includes(stack.slice(environment.length + 1)) })),
    ]),
  );
}

if (process.argv[1] === __filename) {
  const [baseDir, headDir, flag, outputFile] = process.argv.slice(2);
  if (!baseDir || !headDir || (flag !== undefined && (flag !== "--github-output" || !outputFile))) {
    process.stderr.write("usage: changed-stacks.ts <base cdktf.out> <head cdktf.out> [--github-output <file>]\n");
    process.exit(1);
  }
  const base = fs.existsSync(baseDir) ? readSynthesizedStacks(baseDir) : [];
  const head = readSynthesizedStacks(headDir);
  const changes = changedStacks(base, head);
  const environments = [
    ...new Set(
      head
        .map((stack) => stack.name)
        .filter((name) => layerIndex(name) >= 0)
        .map((name) => name.slice(0, name.lastIndexOf("-"))),
    ),
  ];
  const matrices = deployMatrices(changes, environments);
  for (const name of changes.bootstrap) process.stderr.write(`${name} changed: an administrator applies it (docs/delivery-pipelines.md)\n`);
  for (const name of changes.removed) process.stderr.write(`${name} is no longer synthesized: destroying it is a manual step (npm run teardown)\n`);
  process.stdout.write(`${JSON.stringify({ ...changes, matrices }, null, 2)}\n`);
  if (outputFile) {
    fs.appendFileSync(
      outputFile,
      Object.entries(matrices)
        .map(([environment, entries]) => `${environment}=${JSON.stringify(entries)}\n`)
        .join(""),
    );
  }
}
