import * as fs from "fs";
import * as path from "path";
import { hasChanges, PlanJson, renderSummaries, summarizePlan } from "../../tools/plan-summary";

const fixture = (name: string) => JSON.parse(fs.readFileSync(path.join(__dirname, "fixtures", "plans", name), "utf8")) as PlanJson;

describe("plan summary", () => {
  const data = summarizePlan("prod-data", fixture("data-replaces-database.json"));

  it("counts creates, updates, deletes and replacements, ignoring no-ops and data reads", () => {
    expect(data.creates).toEqual(["aws_cloudwatch_metric_alarm.Database_Cpu_11111111"]);
    expect(data.updates).toEqual(["aws_rds_cluster_parameter_group.Database_Parameters_0F0F0F0F"]);
    expect(data.deletes).toEqual(["aws_secretsmanager_secret.Database_Old_22222222"]);
    expect(data.replacements).toEqual(["aws_rds_cluster.Database_Cluster_1A2B3C4D (engine_version)", "aws_security_group.Database_Sg_33333333 (name)"]);
  });

  it("calls out the replaced database and the deleted secret, not the replaced security group", () => {
    expect(data.stateful).toEqual([
      "replaces aws_rds_cluster.Database_Cluster_1A2B3C4D (engine_version)",
      "deletes aws_secretsmanager_secret.Database_Old_22222222",
    ]);
  });

  it("renders a table per stack and a warning for stateful replacements", () => {
    const markdown = renderSummaries([
      data,
      summarizePlan("prod-network", fixture("network-no-changes.json")),
      summarizePlan("prod-runner", fixture("runner-creates.json")),
    ]);
    expect(markdown).toContain("| `prod-data` | 1 | 1 | 2 | 1 | ⚠️ 2 |");
    expect(markdown).toContain("| `prod-network` | 0 | 0 | 0 | 0 | none |");
    expect(markdown).toContain("| `prod-runner` | 3 | 0 | 0 | 0 | none |");
    expect(markdown).toContain("> - `replaces aws_rds_cluster.Database_Cluster_1A2B3C4D (engine_version)`");
    expect(markdown).not.toContain("#### prod-network");
  });

  it("says so when nothing changes", () => {
    const network = summarizePlan("dev-network", fixture("network-no-changes.json"));
    expect(hasChanges(network)).toBe(false);
    expect(renderSummaries([network])).toContain("No changes.");
  });
});
