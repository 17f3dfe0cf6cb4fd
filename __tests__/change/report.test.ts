import { evaluate, operationsTable, printable, TABLE_BEGIN, TABLE_END, withTable } from "../../tools/change/report";
import { Scenario } from "../../tools/change/scenarios";
import { Plan } from "../../tools/harness/runner";

type Change = NonNullable<Plan["resource_changes"]>[number];

const change = (address: string, actions: string[], before: unknown = {}, after: unknown = {}): Change => ({
  address,
  type: address.split(".")[0],
  name: address.split(".")[1],
  mode: "managed",
  change: { actions, before, after, after_unknown: {} },
});

const plan = (...changes: Change[]): Plan => ({
  format_version: "1.2",
  planned_values: { root_module: {} },
  resource_changes: changes,
  configuration: { root_module: {} },
});

const scenario = (expect: Scenario["expect"]): Scenario => ({ id: "s", change: "a change", edit: () => undefined, expect });
const run = (plans: Record<string, Plan>) => ({ changedStacks: Object.keys(plans), plans, failures: {}, cached: [] });

describe("checking a scenario's plans against what it expects", () => {
  it("accepts changes that match an expectation by layer, type, action and order", () => {
    const result = evaluate(
      scenario([{ layer: "cluster", type: "aws_eks_node_group", action: "replace", order: "create-first" }]),
      run({ "prod-cluster": plan(change("aws_eks_node_group.System", ["create", "delete"]), change("aws_iam_role.R", ["no-op"])) }),
    );
    expect(result.problems).toEqual([]);
    expect(result.stacks[0].changes.map((classified) => [classified.address, classified.action, classified.order])).toEqual([
      ["aws_eks_node_group.System", "replace", "create-first"],
    ]);
  });

  it("names every change no expectation allows, and a replacement in the wrong order", () => {
    const result = evaluate(
      scenario([{ type: "aws_eks_node_group", action: "replace", order: "create-first" }]),
      run({ "prod-cluster": plan(change("aws_eks_node_group.System", ["delete", "create"]), change("aws_iam_role.R", ["update"])) }),
    );
    expect(result.problems).toEqual([
      "s: prod-cluster aws_eks_node_group.System: replace destroy-first is not expected",
      "s: prod-cluster aws_iam_role.R: update is not expected",
    ]);
  });

  it("fails a destroy-first replacement or deletion of a stateful resource unless the scenario declares the outage", () => {
    const replaced = run({ "prod-data": plan(change("aws_rds_cluster_instance.Writer", ["delete", "create"])) });
    expect(evaluate(scenario([{ action: "replace" }]), replaced).problems).toEqual([
      "s: prod-data aws_rds_cluster_instance.Writer: replace destroy-first of a stateful resource stops what runs",
    ]);
    expect(evaluate(scenario([{ action: "replace", outage: true }]), replaced).problems).toEqual([]);
  });

  it("fails an update that changes an attribute the expectation keeps (a node group's launch template version)", () => {
    const rolled = change(
      "aws_eks_node_group.System",
      ["update"],
      { launch_template: [{ version: "1" }], tags: {} },
      { launch_template: [{ version: "2" }], tags: { a: "b" } },
    );
    const tagged = change(
      "aws_eks_node_group.Other",
      ["update"],
      { launch_template: [{ version: "1" }], tags: {} },
      { launch_template: [{ version: "1" }], tags: { a: "b" } },
    );
    const result = evaluate(
      scenario([{ type: "aws_eks_node_group", action: "update", unchanged: ["launch_template"] }]),
      run({ "prod-cluster": plan(rolled, tagged) }),
    );
    expect(result.problems).toEqual(["s: prod-cluster aws_eks_node_group.System: update changes launch_template"]);
    // A generic "updates are fine" listed after it does not excuse the roll: the first matching expectation decides.
    const withFallback = evaluate(
      scenario([{ type: "aws_eks_node_group", action: "update", unchanged: ["launch_template"] }, { action: "update" }]),
      run({ "prod-cluster": plan(rolled, tagged) }),
    );
    expect(withFallback.problems).toEqual(["s: prod-cluster aws_eks_node_group.System: update changes launch_template"]);
  });

  it("reports a refused config or a stack that did not plan as the scenario's problem", () => {
    expect(evaluate(scenario([]), { error: "the config is refused: cluster.version is not supported" }).problems).toEqual([
      "s: the config is refused: cluster.version is not supported",
    ]);
    const failed = evaluate(scenario([]), {
      changedStacks: ["prod-cluster"],
      plans: {},
      failures: { "prod-cluster": "terraform plan failed\nError: Unsupported attribute\n..." },
      cached: [],
    });
    expect(failed.problems).toEqual(["s: prod-cluster did not plan: Error: Unsupported attribute"]);
  });
});

describe("the change table", () => {
  const results = [
    evaluate(
      scenario([{ action: "update" }, { action: "replace" }]),
      run({
        "prod-cluster": plan(
          change("aws_eks_node_group.A", ["update"]),
          change("aws_eks_node_group.B", ["update"]),
          change("aws_launch_template.L", ["create", "delete"]),
        ),
      }),
    ),
  ];

  it("prints per scenario and stack the creates, updates, replacements with their order, and deletes", () => {
    expect(printable(results)).toBe("s (a change)\n  prod-cluster: 0 create, 2 update, 1 replace (1 create-first, 0 destroy-first), 0 delete");
  });

  it("renders one row per changed stack into the document's generated section, and only there", () => {
    const table = operationsTable("prod", results);
    expect(table).toContain("| a change | cluster | – | 2 × aws_eks_node_group | aws_launch_template (create-first) | – |");
    const document = `# Operations\n\nbefore\n${TABLE_BEGIN}\nold\n${TABLE_END}\nafter\n`;
    expect(withTable(document, table)).toBe(`# Operations\n\nbefore\n${table}\nafter\n`);
    expect(() => withTable("# no markers", table)).toThrow("no generated change table");
  });
});
