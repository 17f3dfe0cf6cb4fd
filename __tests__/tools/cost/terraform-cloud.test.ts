import { estimate } from "../../../tools/cost/estimate";
import prices from "../../../tools/cost/prices.json";
import { fixtureStack } from "../support";

const cents = (value: number) => Math.round(value * 100) / 100;

describe("estimate of a Terraform Cloud environment", () => {
  const agents = fixtureStack(
    "qa-runner",
    {
      aws_ecs_task_definition: { Task: { cpu: "1024", memory: "4096" } },
      aws_ecs_service: { Service: { desired_count: 2, task_definition: "${aws_ecs_task_definition.Task.arn}" } },
      aws_ecs_cluster: { Cluster: { name: "qa-agents" } },
    },
    { region: "eu-central-1" },
  );
  const workspaces = { name: "bootstrap-terraform-cloud-qa", dependencies: [], json: { resource: { tfe_workspace: { Workspace: { name: "qa-network" } } } } };
  const report = estimate([agents, workspaces]);

  it("prices the agents' Fargate tasks by their vCPUs and memory, and the cluster and task definition as free", () => {
    const [stack] = report.environments.flatMap((environment) => environment.stacks);
    const { fargateVcpuHourly, fargateGbHourly } = prices.regions["eu-central-1"];
    const hours = prices.assumptions.hoursPerMonth.value;
    // Line items are rounded to cents.
    expect(stack.items.map((item) => item.monthly)).toEqual([cents(2 * 1 * fargateVcpuHourly * hours), cents(2 * 4 * fargateGbHourly * hours)]);
    expect(report.unknown).toEqual([]);
  });

  it("leaves out the stack of Terraform Cloud resources, which AWS does not bill", () => {
    expect(report.environments.flatMap((environment) => environment.stacks).map((stack) => stack.name)).toEqual(["qa-runner"]);
  });
});
