import * as fs from "fs";
import * as path from "path";
import { estimate } from "../../../tools/cost/estimate";
import { costTable, DOCS, unpublishable, withTable } from "../../../tools/cost/table";
import { fixtureStack } from "../support";
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
    expect(table.split("\n")[0]).toBe("| environment | network | runner | cluster | data | platform | edge | delivery | total | share of the largest |");
    expect(table).toMatch(/^\| \S+ \|( [\d,.]+ \|){7} \*\*[\d,.]+\*\* \| \d+ % \|$/m);
  });

  it("refuses to publish a table of zeros, of unknown types or of unpriced resources", () => {
    expect(unpublishable(estimate(synthesizeRepositoryConfig()))).toBeUndefined();
    expect(unpublishable(estimate([fixtureStack("lab-network", { aws_vpc: { Vpc: {} } })]))).toBe("environments that add up to 0.00: lab");
    expect(unpublishable(estimate([fixtureStack("lab-network", { aws_made_up_thing: { One: {} }, aws_kms_key: { Key: {} } })]))).toBe(
      "resource types the price table does not know: aws_made_up_thing",
    );
    expect(unpublishable(estimate([fixtureStack("lab-data", { aws_kms_key: { Key: {} } }, { region: "cn-north-1" })]))).toBe(
      "1 resources could not be priced, e.g. aws_kms_key.Key: no prices for region cn-north-1",
    );
  });

  it("says where a block is missing instead of writing nowhere", () => {
    expect(() => withTable("no markers", table, "x.md")).toThrow("x.md: no <!-- cost-table:begin (npm run docs:cost) --> ... <!-- cost-table:end --> block");
  });
});
