import { Plan } from "../harness/runner";
import { Change, changesOf } from "./classes";
import { Expectation, Scenario } from "./scenarios";
import { ScenarioRun } from "./rung";

/** One scenario's outcome: per planned stack its classified changes, and what broke the expectations. */
export interface ScenarioResult {
  readonly id: string;
  readonly change: string;
  /** Set when the changed config was refused (synth) or a stack did not plan. */
  readonly error?: string;
  readonly stacks: readonly { readonly stack: string; readonly changes: readonly Change[] }[];
  /** Every mismatch: a change no expectation allows, an outage not declared, an attribute that must not change. */
  readonly problems: readonly string[];
}

/** The stack's layer: `prod-cluster` → `cluster`. */
export function layerOf(stack: string): string {
  return stack.slice(stack.lastIndexOf("-") + 1);
}

/** Checks every resource change of a scenario's plans against the scenario's expectations. */
export function evaluate(scenario: Scenario, run: ScenarioRun | { error: string }): ScenarioResult {
  if ("error" in run) return { id: scenario.id, change: scenario.change, error: run.error, stacks: [], problems: [`${scenario.id}: ${run.error}`] };
  const problems: string[] = Object.entries(run.failures).map(([stack, error]) => `${scenario.id}: ${stack} did not plan: ${firstError(error)}`);
  const stacks = Object.entries(run.plans).map(([stack, plan]) => ({ stack, changes: changesOf(stack, plan.resource_changes ?? []) }));
  for (const { stack, changes } of stacks) {
    const plan = run.plans[stack]!;
    for (const change of changes) {
      // The first expectation that matches decides: scenarios list the specific ones (a node group's update) first.
      const accepted = scenario.expect.find((expectation) => matches(expectation, stack, change));
      if (!accepted) {
        problems.push(`${scenario.id}: ${stack} ${change.address}: ${describe(change)} is not expected`);
      } else if (!unchangedHolds(accepted, plan, change.address)) {
        problems.push(
          `${scenario.id}: ${stack} ${change.address}: ${describe(change)} changes ${changedOf(plan, change.address, accepted.unchanged ?? []).join(", ")}`,
        );
      } else if (change.outage && !accepted.outage) {
        problems.push(
          `${scenario.id}: ${stack} ${change.address}: ${describe(change)} of a ${change.resourceClass ?? "unclassified"} resource stops what runs`,
        );
      }
    }
  }
  return { id: scenario.id, change: scenario.change, stacks, problems };
}

function firstError(error: string): string {
  return /^Error: .*$/m.exec(error)?.[0] ?? error.split("\n")[0] ?? error;
}

function matches(expectation: Expectation, stack: string, change: Change): boolean {
  return (
    (expectation.layer === undefined || expectation.layer === layerOf(stack)) &&
    (expectation.type === undefined || expectation.type === change.type) &&
    (expectation.address === undefined || expectation.address.test(change.address)) &&
    expectation.action === change.action &&
    (expectation.order === undefined || expectation.order === change.order)
  );
}

function unchangedHolds(expectation: Expectation, plan: Plan, address: string): boolean {
  return changedOf(plan, address, expectation.unchanged ?? []).length === 0;
}

function changedOf(plan: Plan, address: string, attributes: readonly string[]): string[] {
  const change = (plan.resource_changes ?? []).find((candidate) => candidate.address === address)?.change;
  const before = (change?.before ?? {}) as Record<string, unknown>;
  const after = (change?.after ?? {}) as Record<string, unknown>;
  const unknown = (change?.after_unknown ?? {}) as Record<string, unknown>;
  return attributes.filter((attribute) => containsTrue(unknown[attribute]) || JSON.stringify(before[attribute]) !== JSON.stringify(after[attribute]));
}

function containsTrue(value: unknown): boolean {
  if (value === true) return true;
  if (Array.isArray(value)) return value.some(containsTrue);
  if (typeof value === "object" && value !== null) return Object.values(value).some(containsTrue);
  return false;
}

export function describe(change: Change): string {
  if (change.action !== "replace") return change.action;
  return `replace ${change.order ?? ""}${change.replacePaths.length > 0 ? ` (${change.replacePaths.join(", ")})` : ""}`;
}

/** Counts per type, `3 × aws_eks_node_group`, for the table. */
function grouped(changes: readonly Change[], label: (change: Change) => string): string {
  const counts = new Map<string, number>();
  for (const change of changes) counts.set(label(change), (counts.get(label(change)) ?? 0) + 1);
  return [...counts.entries()].map(([text, count]) => (count > 1 ? `${count} × ${text}` : text)).join(", ") || "–";
}

/** The per-scenario, per-stack lines the rung prints: creates / in-place updates / replacements (order) / deletes. */
export function printable(results: readonly ScenarioResult[]): string {
  const lines: string[] = [];
  for (const result of results) {
    lines.push(`${result.id} (${result.change})${result.error ? `: ${result.error}` : result.stacks.length === 0 ? ": no stack changes" : ""}`);
    for (const { stack, changes } of result.stacks) {
      const of = (action: Change["action"]) => changes.filter((change) => change.action === action);
      lines.push(
        `  ${stack}: ${of("create").length} create, ${of("update").length} update, ${of("replace").length} replace` +
          ` (${of("replace").filter((change) => change.order === "create-first").length} create-first, ` +
          `${of("replace").filter((change) => change.order === "destroy-first").length} destroy-first), ${of("delete").length} delete`,
      );
    }
    for (const problem of result.problems) lines.push(`  ✗ ${problem}`);
  }
  return lines.join("\n");
}

export const TABLE_BEGIN = "<!-- change-table:begin (generated by tools/change/cli.ts from the rung 6b scenarios; do not edit) -->";
export const TABLE_END = "<!-- change-table:end -->";

/** The markdown table "change → what happens to what is running" for docs/operations.md. */
export function operationsTable(environment: string, results: readonly ScenarioResult[]): string {
  const rows = results.flatMap((result) => {
    if (result.error) return [`| ${result.change} | – | refused: ${escape(result.error)} | | | |`];
    if (result.stacks.every(({ changes }) => changes.length === 0)) return [`| ${result.change} | – | nothing changes | | | |`];
    return result.stacks
      .filter(({ changes }) => changes.length > 0)
      .map(({ stack, changes }, index) => {
        const of = (action: Change["action"]) => changes.filter((change) => change.action === action);
        return (
          `| ${index === 0 ? result.change : ""} | ${layerOf(stack)} | ${grouped(of("create"), (change) => change.type)} | ` +
          `${grouped(of("update"), (change) => change.type)} | ${grouped(of("replace"), (change) => `${change.type} (${change.order ?? "?"})`)} | ` +
          `${grouped(of("delete"), (change) => change.type)} |`
        );
      });
  });
  return [
    TABLE_BEGIN,
    `Planned offline against a state that stands for \`${environment}\` as applied (\`npm run test:integration\`, rung 6b in`,
    "docs/verification.md). Replacements say their order: create-first keeps the old resource until the new one exists;",
    "destroy-first stops what runs.",
    "",
    "| change | stack | creates | in-place updates | replacements (order) | deletes |",
    "|---|---|---|---|---|---|",
    ...rows,
    TABLE_END,
  ].join("\n");
}

function escape(text: string): string {
  return text.replace(/\|/g, "\\|").replace(/\n/g, " ");
}

/** Replaces the generated section of a document; throws when the markers are missing. */
export function withTable(document: string, table: string): string {
  const begin = document.indexOf(TABLE_BEGIN);
  const end = document.indexOf(TABLE_END);
  if (begin < 0 || end < begin) throw new Error(`the document has no generated change table (${TABLE_BEGIN} … ${TABLE_END})`);
  return `${document.slice(0, begin)}${table}${document.slice(end + TABLE_END.length)}`;
}
