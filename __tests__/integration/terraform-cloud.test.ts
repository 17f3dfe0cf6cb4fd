import { readSynthesizedStacks } from "../../tools/lib/synth-output";
import { expectPlanned, nonCreateActions, planOf, plannedResources, terraformCloudRuns } from "./harness";
import { TERRAFORM_CLOUD_ORGANIZATION, TERRAFORM_CLOUD_OUT_DIR, terraformCloudEnvironment } from "./terraform-cloud-fixture";

/**
 * Offline plans of a Terraform Cloud environment (terraform-cloud-fixture.ts): its stacks name their workspaces in a
 * `cloud` block and read each other through `remote` state; the harness plans them with the local backend and
 * stand-in states all the same. What cannot plan here is said and checked: the workspaces stack needs only the tfe
 * provider, and platform and delivery the helm and kubernetes providers, none of which the offline mirror has.
 */
describe("offline Terraform runs of a Terraform Cloud environment", () => {
  const environment = terraformCloudEnvironment();
  const { state } = environment;
  if (state.backend !== "cloud") throw new Error(`${environment.file}: the fixture's state.backend is ${state.backend}, not cloud`);
  const stacks = readSynthesizedStacks(TERRAFORM_CLOUD_OUT_DIR);
  const providersOf = (name: string) => Object.keys(stacks.find((stack) => stack.name === name)?.json.terraform?.required_providers ?? {}).sort();
  const awsOnly = stacks.filter((stack) => providersOf(stack.name).join() === "aws").map((stack) => stack.name);
  const runs = () => terraformCloudRuns();
  const plan = (stack: string) => planOf(stack, runs());
  const trust = `bootstrap-terraform-cloud-${environment.account.id}`;

  it("synthesizes every stack into a workspace of the organization, and no S3 bootstrap", () => {
    for (const stack of stacks.filter((candidate) => candidate.name.startsWith(`${environment.name}-`))) {
      expect(stack.json.terraform?.cloud).toMatchObject({ organization: TERRAFORM_CLOUD_ORGANIZATION, workspaces: { name: stack.name } });
      expect(stack.json.terraform?.backend).toBeUndefined();
    }
    expect(stacks.map((stack) => stack.name).filter((name) => name.startsWith("bootstrap") && !name.startsWith("bootstrap-terraform-cloud-"))).toEqual([]);
  });

  it("plans every AWS-only stack: the account's trust stack and the environment's network, agents, cluster, data and edge", () => {
    const layers = ["network", "runner", "cluster", "data", ...(environment.edge ? ["edge"] : [])];
    expect(awsOnly.sort()).toEqual([trust, ...layers.map((layer) => `${environment.name}-${layer}`)].sort());
    expectPlanned(awsOnly, runs());
    for (const stack of awsOnly) expect({ stack, changes: nonCreateActions(plan(stack)) }).toEqual({ stack, changes: [] });
  });

  it("says why it plans no other stack: the tfe, helm and kubernetes providers have no offline mirror", () => {
    const others = stacks.map((stack) => stack.name).filter((name) => !awsOnly.includes(name));
    expect(others.sort()).toEqual(
      [`bootstrap-terraform-cloud-${environment.name}`, `${environment.name}-platform`, ...(environment.edge ? [`${environment.name}-delivery`] : [])].sort(),
    );
    for (const stack of others) {
      const missing = providersOf(stack)
        .filter((provider) => provider !== "aws")
        .map((provider) => `hashicorp/${provider}`);
      expect(missing.length).toBeGreaterThan(0);
      expect(runs()[stack]).toMatchObject({ planned: false, error: expect.stringContaining(missing.join(", ")) });
    }
  });

  it("runs the agents as a Fargate service without public addresses in the private subnets, and no CodeBuild runner", () => {
    const runner = plan(`${environment.name}-runner`);
    const [service] = plannedResources(runner, "aws_ecs_service");
    expect(service.values).toMatchObject({ launch_type: "FARGATE", desired_count: state.agents.count });
    const [network] = service.values.network_configuration as { assign_public_ip: boolean; subnets: string[] }[];
    expect(network.assign_public_ip).toBe(false);
    expect(network.subnets).toHaveLength(environment.network.availabilityZones.length);
    expect(plannedResources(runner, "aws_codebuild_project")).toEqual([]);
  });

  it("admits the apply and plan roles of the environment's runs to the cluster", () => {
    const principals = plannedResources(plan(`${environment.name}-cluster`), "aws_eks_access_entry").map((entry) => entry.values.principal_arn);
    const role = (name: string) => `arn:${environment.partition}:iam::${environment.account.id}:role/${environment.prefix}-${name}`;
    expect(principals).toEqual(expect.arrayContaining([role("tfc-apply"), role("tfc-plan")]));
    expect(principals).not.toContain(role("deploy"));
  });

  it("trusts the organization's runs of the environment's workspaces, by phase, through the host's OIDC provider", () => {
    const planned = plan(trust);
    const [provider] = plannedResources(planned, "aws_iam_openid_connect_provider");
    expect(provider.values).toMatchObject({ url: "https://app.terraform.io", client_id_list: ["aws.workload.identity"] });
    expect(plannedResources(planned, "aws_iam_role").map((role) => role.values.name)).toEqual(
      expect.arrayContaining([`${environment.prefix}-tfc-apply`, `${environment.prefix}-tfc-plan`]),
    );
    // The trust names the provider the same stack creates, so the plan knows it only after apply: read it as synthesized.
    const synthesized = stacks.find((stack) => stack.name === trust)!.json.resource?.aws_iam_role ?? {};
    const trustOf = (name: string) =>
      JSON.parse(String(Object.values(synthesized).find((role) => role.name === name)?.assume_role_policy)) as {
        Statement: { Condition: { StringEquals: Record<string, unknown> } }[];
      };
    const workspaces = stacks.filter((stack) => stack.name.startsWith(`${environment.name}-`)).map((stack) => stack.name);
    for (const phase of ["apply", "plan"]) {
      const [statement] = trustOf(`${environment.prefix}-tfc-${phase}`).Statement;
      expect(statement.Condition.StringEquals["app.terraform.io:aud"]).toBe("aws.workload.identity");
      const subjects = [statement.Condition.StringEquals["app.terraform.io:sub"]].flat();
      expect([...subjects].sort()).toEqual(
        workspaces
          .map((workspace) => `organization:${TERRAFORM_CLOUD_ORGANIZATION}:project:${environment.prefix}:workspace:${workspace}:run_phase:${phase}`)
          .sort(),
      );
    }
  });
});
