import { processIo, runTool, ToolIo, UsageError } from "../lib/cli";

const USAGE = "usage: npm run cost -- [<env>...] [--json] [--items]";

/**
 * `npm run cost [-- <env>...] [--json] [--items]`: monthly estimate per environment and stack from the synthesized
 * Terraform JSON. `--json` prints the report for CI; `--items` adds each stack's line items to the table.
 * Exits 1 when a resource type is unknown to the price table, so CI notices a new type instead of under-reporting.
 */
export function main(args: readonly string[], io: ToolIo = processIo): number {
  if (args.includes("--help")) {
    io.out(`${USAGE}\n`);
    return 0;
  }
  const environments = args.filter((arg) => !arg.startsWith("--"));
  const unknownFlags = args.filter((arg) => arg.startsWith("--") && arg !== "--json" && arg !== "--items");
  if (unknownFlags.length > 0) throw new UsageError(`unknown option ${unknownFlags.join(", ")}; ${USAGE}`);
  // Loaded once the arguments are understood, so usage never waits for the app's modules.
  /* eslint-disable @typescript-eslint/no-require-imports -- import() cannot load .ts under tsx/cjs */
  const { estimate, formatReport } = require("./estimate") as typeof import("./estimate");
  const { synthesizeCompiledApp } = require("../lib/synth-output") as typeof import("../lib/synth-output");
  /* eslint-enable @typescript-eslint/no-require-imports */
  const report = estimate(synthesizeCompiledApp(environments));
  io.out(args.includes("--json") ? `${JSON.stringify(report, null, 2)}\n` : formatReport(report, { items: args.includes("--items") }));
  return report.unknown.length > 0 || report.unpriced.length > 0 ? 1 : 0;
}

if (require.main === module) runTool(main);
