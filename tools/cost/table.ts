import * as path from "path";
import { CostReport, EnvironmentEstimate, money } from "./estimate";
import { replaceBlock } from "../lib/generated-block";

/**
 * The cost table of README.md and docs/operations.md, generated from `npm run cost`'s report (`npm run docs:cost`),
 * between `<!-- cost-table:begin -->` and `<!-- cost-table:end -->` (docs-cli.ts writes them); a unit test fails when
 * the docs are stale.
 */
const BEGIN = "<!-- cost-table:begin (npm run docs:cost) -->";
const END = "<!-- cost-table:end -->";
export const DOCS = ["README.md", path.join("docs", "operations.md")];

/** Layers in the order the architecture lists them; one column each. */
const LAYERS = ["network", "runner", "cluster", "data", "platform", "edge", "delivery"];

export function costTable(report: CostReport): string {
  const production = report.environments.reduce((max, env) => Math.max(max, env.monthly), 0);
  const layer = (env: EnvironmentEstimate, name: string) => {
    const stack = env.stacks.find((candidate) => candidate.name === `${env.name}-${name}`);
    return stack ? money(stack.monthly, stack.lowerBound) : "";
  };
  const rows = [
    `| environment | ${LAYERS.join(" | ")} | total | share of the largest |`,
    `|---|${LAYERS.map(() => "---:").join("|")}|---:|---:|`,
    ...report.environments.map(
      (env) =>
        `| ${env.name} | ${LAYERS.map((name) => layer(env, name)).join(" | ")} | **${money(env.monthly, env.lowerBound)}** | ${Math.round((100 * env.monthly) / production)} % |`,
    ),
    ...report.account.map((stack) => `| ${stack.name} (account) | ${LAYERS.map(() => "").join(" | ")} | ${money(stack.monthly, stack.lowerBound)} | |`),
  ];
  const lowerBound = report.environments.some((env) => env.lowerBound);
  const note = lowerBound ? "\n\n≥: a lower bound; `npm run cost` lists what it could not price." : "";
  const derived = report.derived.length > 0 ? `\n\nDerived rather than listed: ${report.derived.join("; ")}.` : "";
  return `${rows.join("\n")}\n\nMonthly USD at list price (prices retrieved ${report.priceTable.retrieved}), from \`npm run cost\`.${note}${derived}`;
}

/**
 * Why a report must not be published as the docs' cost table, if it must not: a resource type the price table does
 * not know, a resource it could not price, or an environment that adds up to nothing (a table of zeros says "free").
 */
export function unpublishable(report: CostReport): string | undefined {
  if (report.unknown.length > 0) return `resource types the price table does not know: ${report.unknown.map((entry) => entry.type).join(", ")}`;
  if (report.unpriced.length > 0)
    return `${report.unpriced.length} resources could not be priced, e.g. ${report.unpriced[0]?.address}: ${report.unpriced[0]?.reason}`;
  const empty = report.environments.filter((environment) => environment.monthly <= 0).map((environment) => environment.name);
  if (empty.length > 0) return `environments that add up to 0.00: ${empty.join(", ")}`;
  return undefined;
}

/** `text` with the block between the markers replaced; throws when a file has no markers. */
export function withTable(text: string, table: string, file: string): string {
  return replaceBlock(text, { begin: BEGIN, end: END }, table, file);
}
