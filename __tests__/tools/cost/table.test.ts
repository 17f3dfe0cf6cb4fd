import * as fs from "fs";
import * as path from "path";
import { estimate } from "../../../tools/cost/estimate";
import { costTable, DOCS, withTable } from "../../../tools/cost/table";
import { REPO_ROOT } from "../../support/environments";
import { synthesizeRepositoryConfig } from "../support";

// The docs describe the repository's own config/, not PLATFORM_CONFIG_DIR (npm run test:adopt points that elsewhere).
const table = costTable(estimate(synthesizeRepositoryConfig()));

describe("the cost tables of the docs", () => {
  it.each(DOCS)("%s holds the table `npm run docs:cost` generates from the current code (run it when this fails)", (file) => {
    const text = fs.readFileSync(path.join(REPO_ROOT, file), "utf8");
    expect(withTable(text, table, file)).toBe(text);
  });

  it("has a column per layer, an edge column among them, and a bold total per environment", () => {
    expect(table.split("\n")[0]).toBe("| environment | network | cluster | data | platform | edge | delivery | total | share of the largest |");
    expect(table).toMatch(/^\| \S+ \|( [\d,.]+ \|){6} \*\*[\d,.]+\*\* \| \d+ % \|$/m);
  });

  it("says where a block is missing instead of writing nowhere", () => {
    expect(() => withTable("no markers", table, "x.md")).toThrow("x.md: no <!-- cost-table:begin (npm run docs:cost) --> ... <!-- cost-table:end --> block");
  });
});
