import { estimate, formatReport } from "./estimate";
import { synthesizeCompiledApp } from "../lib/synth-output";

/**
 * `npm run cost [-- <env>...] [--json] [--items]`: monthly estimate per environment and stack from the synthesized
 * Terraform JSON. `--json` prints the report for CI; `--items` adds each stack's line items to the table.
 * Exits 1 when a resource type is unknown to the price table, so CI notices a new type instead of under-reporting.
 */
function main(): void {
  const args = process.argv.slice(2);
  const environments = args.filter((arg) => !arg.startsWith("--"));
  const unknownFlags = args.filter((arg) => arg.startsWith("--") && arg !== "--json" && arg !== "--items");
  if (unknownFlags.length > 0) throw new Error(`unknown option ${unknownFlags.join(", ")}; usage: npm run cost -- [<env>...] [--json] [--items]`);
  const report = estimate(synthesizeCompiledApp(environments));
  process.stdout.write(args.includes("--json") ? `${JSON.stringify(report, null, 2)}\n` : formatReport(report, { items: args.includes("--items") }));
  if (report.unknown.length > 0 || report.unpriced.length > 0) process.exitCode = 1;
}

try {
  main();
} catch (error) {
  process.stderr.write(`${(error as Error).message}\n`);
  process.exit(1);
}
