// Rung 6b by hand: builds the applied state of the reference environment (the first production-tier environment of
// the config folder), plans every change scenario against it and prints, per scenario and stack, creates / in-place
// updates / replacements (order) / deletes, then every broken expectation. With --write-docs, regenerates the table in
// docs/operations.md. Needs the compiled app: run `npm run build` first.
// usage: node --require tsx/cjs tools/change/cli.ts [--only <scenario>,...] [--write-docs]
import * as fs from "fs";
import * as path from "path";
import { loadEnvironments } from "../../config";
import { defaultPlanCache } from "../harness/plan-cache";
import { operationsTable, printable, withTable } from "./report";
import { runRung } from "./run";
import { SCENARIOS } from "./scenarios";

const ROOT = path.resolve(__dirname, "..", "..");
export const OPERATIONS_DOC = path.join(ROOT, "docs", "operations.md");

/** The environment the scenarios change: the first production-tier environment (by file name) of the config folder. */
export function referenceEnvironment(configDir: string): string {
  const environment = loadEnvironments({ dir: configDir }).find((candidate) => candidate.tier === "production");
  if (!environment) throw new Error(`${configDir}: no environment of tier production to run the change scenarios on`);
  return environment.name;
}

async function main(argv: readonly string[]): Promise<number> {
  const only = argv.includes("--only") ? (argv[argv.indexOf("--only") + 1] ?? "").split(",") : undefined;
  const unknown = (only ?? []).filter((id) => !SCENARIOS.some((scenario) => scenario.id === id));
  if (unknown.length > 0 || argv.some((arg, index) => arg.startsWith("--") && !["--only", "--write-docs"].includes(arg) && argv[index - 1] !== "--only")) {
    process.stderr.write(
      `usage: tools/change/cli.ts [--only <scenario>,...] [--write-docs]${unknown.length > 0 ? `; unknown scenario ${unknown.join(", ")}` : ""}; scenarios: ${SCENARIOS.map((scenario) => scenario.id).join(", ")}\n`,
    );
    return 1;
  }
  const configDir = path.resolve(process.env.PLATFORM_CONFIG_DIR || path.join(ROOT, "config"));
  const environment = referenceEnvironment(configDir);
  const scenarios = SCENARIOS.filter((scenario) => !only || only.includes(scenario.id));
  const { results } = await runRung(
    {
      configDir,
      environment,
      workDir: path.join(ROOT, ".tmp", "change"),
      cache: defaultPlanCache(),
      log: (line) => process.stderr.write(`  [terraform] ${line}\n`),
    },
    scenarios,
  );
  process.stdout.write(`${printable(results)}\n`);
  if (argv.includes("--write-docs")) {
    if (only) {
      process.stderr.write("--write-docs needs every scenario: run it without --only\n");
      return 1;
    }
    fs.writeFileSync(OPERATIONS_DOC, withTable(fs.readFileSync(OPERATIONS_DOC, "utf8"), operationsTable(environment, results)));
    process.stdout.write(`wrote the change table into ${path.relative(ROOT, OPERATIONS_DOC)}\n`);
  }
  return results.some((result) => result.problems.length > 0) ? 1 : 0;
}

if (process.argv[1] === __filename) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (error: unknown) => {
      process.stderr.write(`${(error as Error).message}\n`);
      process.exit(1);
    },
  );
}
