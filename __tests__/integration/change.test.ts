import * as fs from "fs";
import * as path from "path";
import { changedAddresses } from "../../tools/change/applied-state";
import { OPERATIONS_DOC, referenceEnvironment } from "../../tools/change/cli";
import { layerOf, operationsTable, printable, ScenarioResult, withTable } from "../../tools/change/report";
import { RungOptions } from "../../tools/change/rung";
import { runRung, RungResult } from "../../tools/change/run";
import { SCENARIOS } from "../../tools/change/scenarios";
import { runStacks } from "../../tools/harness/runner";
import { shippedEnvironment, SHIPPED_CONFIG_DIR } from "../support/environments";
import { INTEGRATION_DIR } from "./paths";

/**
 * Rung 6b: the reference environment (the first production-tier one) as applied, and every change scenario planned
 * against it. The plans share the plan cache with the offline runs of globalSetup: the baseline's first plans are the
 * same plans, and a stack whose JSON and inputs a scenario leaves alone is not planned again.
 */
describe("changes planned against the applied reference environment (rung 6b)", () => {
  const environment = referenceEnvironment(SHIPPED_CONFIG_DIR);
  const options: RungOptions = {
    configDir: SHIPPED_CONFIG_DIR,
    environment,
    workDir: path.join(INTEGRATION_DIR, "change"),
    log: (line) => process.stderr.write(`  [change] ${line}\n`),
  };
  let rung: RungResult;
  const result = (id: string): ScenarioResult => rung.results.find((candidate) => candidate.id === id)!;

  beforeAll(async () => {
    rung = await runRung(options, SCENARIOS);
    process.stderr.write(`${printable(rung.results)}\n`);
  }, 3_600_000);

  it("plans the unchanged configuration of every AWS-only stack to no changes against its applied state (no perpetual diff)", () => {
    const baseline = rung.baselines.baseline;
    expect(baseline.stacks.map((stack) => layerOf(stack)).sort()).toEqual(["cluster", "data", "edge", "network", "runner"]);
    for (const stack of baseline.stacks) expect({ stack, changes: changedAddresses(baseline.plans[stack]) }).toEqual({ stack, changes: [] });
  });

  it("reuses the plan of every stack whose JSON, prior state and upstream stand-ins are unchanged", async () => {
    const baseline = rung.baselines.baseline;
    const runs = await runStacks({
      outDir: baseline.outDir,
      workDir: path.join(options.workDir, "again"),
      mode: "offline",
      only: baseline.stacks,
      priorStates: baseline.states,
    });
    expect(baseline.stacks.map((stack) => ({ stack, cached: runs[stack]?.cached }))).toEqual(baseline.stacks.map((stack) => ({ stack, cached: true })));
  });

  it.each(SCENARIOS.map((scenario) => [scenario.id, scenario.change]))("%s (%s): does only what the scenario expects to what is running", (id) => {
    expect(result(id).problems).toEqual([]);
  });

  it("plans only the stacks a scenario changes and their dependants", () => {
    const waf = result("waf-limits");
    expect(waf.stacks.map(({ stack }) => layerOf(stack))).toEqual(["edge"]);
  });

  it("plans an added AZ end to end: downstream stacks read the network's planned outputs, the new subnets included", () => {
    const added = result("added-az");
    const zones = shippedEnvironment(environment).network.availabilityZones;
    const newZone = zones[zones.length - 1];
    expect(added.error).toBeUndefined();
    expect(added.problems.filter((problem) => problem.includes("did not plan"))).toEqual([]);
    const cluster = added.stacks.find(({ stack }) => layerOf(stack) === "cluster");
    expect(
      cluster?.changes.filter((change) => change.type === "aws_eks_node_group" && change.action === "create").map((change) => change.address),
    ).toContainEqual(expect.stringContaining(newZone));
  });

  it("keeps the table in docs/operations.md what the scenarios produce", () => {
    const document = fs.readFileSync(OPERATIONS_DOC, "utf8");
    const generated = withTable(document, operationsTable(environment, rung.results));
    if (generated !== document) {
      throw new Error(
        `${path.relative(process.cwd(), OPERATIONS_DOC)} is stale: run \`npm run build && node --require tsx/cjs tools/change/cli.ts --write-docs\``,
      );
    }
  });
});
