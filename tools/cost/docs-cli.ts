import * as fs from "fs";
import * as path from "path";
import { processIo, ToolIo } from "../lib/cli";
import { REPO_ROOT } from "../lib/repo";
import { SynthesizedStack, synthesizeCompiledApp } from "../lib/synth-output";
import { estimate } from "./estimate";
import { costTable, DOCS, unpublishable, withTable } from "./table";

/** The cost table of `stacks` (a synth of every environment) into every doc that has the table's markers; the exit code. */
export function writeCostDocs(stacks: readonly SynthesizedStack[], io: ToolIo = processIo): number {
  const report = estimate(stacks);
  const refusal = unpublishable(report);
  if (refusal) {
    io.err(`docs:cost: not written: ${refusal}; \`npm run cost\` lists them\n`);
    return 1;
  }
  const table = costTable(report);
  for (const file of DOCS) {
    const full = path.join(REPO_ROOT, file);
    fs.writeFileSync(full, withTable(fs.readFileSync(full, "utf8"), table, file));
  }
  io.out(`docs:cost: the cost table in ${DOCS.join(" and ")}\n`);
  return 0;
}

/** `npm run docs:cost`: the cost table of the compiled app's stacks. */
if (require.main === module) process.exitCode = writeCostDocs(synthesizeCompiledApp());
