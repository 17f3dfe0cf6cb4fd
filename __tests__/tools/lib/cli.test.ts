import * as fs from "fs";
import * as path from "path";
import { main as contracts } from "../../../tools/contracts/cli";
import { main as cost } from "../../../tools/cost/cli";
import { main as diagram } from "../../../tools/diagram/cli";
import { main as teardown } from "../../../tools/teardown/cli";
import { REPO_ROOT } from "../../support/environments";
import { runInProcess } from "../../support/tool";

const TOOLS = { contracts, cost, diagram } as const;

describe("the operations tools, asked for usage", () => {
  it.each(Object.keys(TOOLS))("%s --help prints its usage and exits 0", (name) => {
    const run = runInProcess(TOOLS[name as keyof typeof TOOLS], ["--help"]);
    expect(run).toEqual({ status: 0, stdout: `${run.stdout.split("\n")[0]}\n`, stderr: "" });
    expect(run.stdout).toMatch(new RegExp(`^usage: npm run ${name}`));
  });

  it.each([
    ["cost", cost, ["--bogus"]],
    ["contracts", contracts, ["--bogus"]],
    ["diagram", diagram, ["extra"]],
  ] as const)("%s refuses an argument it does not know with one usage line, exit 1", (name, main, args) => {
    const run = runInProcess(main, args);
    expect(run.status).toBe(1);
    expect(run.stderr.trim().split("\n")).toEqual([expect.stringContaining(`usage: npm run ${name}`)]);
  });

  it("teardown without an environment prints its usage and exits 1", async () => {
    await expect(teardown([])).rejects.toThrow(/^usage: npm run teardown -- <environment>/);
  });

  it("start without a compile step: package.json runs each through tsx, and the synth transpiles what changed", () => {
    const scripts = (JSON.parse(fs.readFileSync(path.join(REPO_ROOT, "package.json"), "utf8")) as { scripts: Record<string, string> }).scripts;
    for (const name of ["cost", "contracts", "diagram", "teardown", "docs:cost"]) {
      expect(scripts[name]).toMatch(/^node --require tsx\/cjs tools\/\S+\.ts$/);
    }
  });
});
