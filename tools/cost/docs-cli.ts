import * as fs from "fs";
import * as path from "path";
import { REPO_ROOT } from "../lib/repo";
import { synthesizeCompiledApp } from "../lib/synth-output";
import { estimate } from "./estimate";
import { costTable, DOCS, unpublishable, withTable } from "./table";

/** `npm run docs:cost`: the cost table of the compiled app's stacks into every doc that has the table's markers. */
const report = estimate(synthesizeCompiledApp());
const refusal = unpublishable(report);
if (refusal) {
  process.stderr.write(`docs:cost: not written: ${refusal}; \`npm run cost\` lists them\n`);
  process.exitCode = 1;
} else {
  const table = costTable(report);
  for (const file of DOCS) {
    const full = path.join(REPO_ROOT, file);
    fs.writeFileSync(full, withTable(fs.readFileSync(full, "utf8"), table, file));
  }
  console.log(`docs:cost: the cost table in ${DOCS.join(" and ")}`);
}
