import { pipelineRolesOf } from "../../constructs/iam/pipeline-roles";
import { runnerProjectName, runnerWorkflows } from "../../stacks/runner-stack";
import { workflowNamePattern } from "../../constructs/runner/codebuild-runner";
import { shippedEnvironments } from "../support/environments";
import { dataSources, expectPlanned, nonCreateActions, planOf, plannedResources } from "./harness";

/** The shipped environments a pipeline deploys: each has a runner stack. */
const RUNNER_ENVIRONMENTS = shippedEnvironments().filter((environment) => pipelineRolesOf(environment));

describe("offline Terraform runs of the runner stacks", () => {
  it("plans the runner stack of every environment a pipeline deploys, against the network stack's stand-in state", () => {
    expect(RUNNER_ENVIRONMENTS.length).toBeGreaterThan(0);
    expectPlanned(RUNNER_ENVIRONMENTS.map((environment) => `${environment.name}-runner`));
  });

  describe.each(RUNNER_ENVIRONMENTS.map((environment) => [environment.name, environment] as const))("%s-runner", (name, environment) => {
    const plan = () => planOf(`${name}-runner`);

    it("creates a CodeBuild runner project in the VPC's private subnets, its webhook for queued jobs, and only creates", () => {
      const [project] = plannedResources(plan(), "aws_codebuild_project");
      expect(project.values).toMatchObject({
        name: runnerProjectName(environment),
        source: [expect.objectContaining({ type: "GITHUB", location: `https://github.com/${environment.github!.repository}` })],
      });
      const [vpc] = project.values.vpc_config as { subnets: string[] }[];
      expect(vpc.subnets).toHaveLength(environment.network.availabilityZones.length);
      const [webhook] = plannedResources(plan(), "aws_codebuild_webhook");
      // Queued jobs of the pipeline workflows that need the environment's VPC, and of no other workflow.
      expect(webhook.values.filter_group).toEqual([
        {
          filter: [
            expect.objectContaining({ type: "EVENT", pattern: "WORKFLOW_JOB_QUEUED" }),
            expect.objectContaining({ type: "WORKFLOW_NAME", pattern: workflowNamePattern(runnerWorkflows(environment)) }),
          ],
        },
      ]);
      const admitted = new RegExp(workflowNamePattern(runnerWorkflows(environment)));
      expect(runnerWorkflows(environment).every((workflow) => admitted.test(workflow))).toBe(true);
      expect(["release", "app", `${runnerWorkflows(environment)[0]}-copy`].some((workflow) => admitted.test(workflow))).toBe(false);
      expect(nonCreateActions(plan())).toEqual([]);
    });

    it("puts the environment's permissions boundary on the runner's role", () => {
      const roles = plannedResources(plan(), "aws_iam_role");
      expect(roles.map((role) => role.values.permissions_boundary)).toEqual([pipelineRolesOf(environment)!.permissionsBoundaryArn]);
    });

    it("lets its jobs out on HTTPS only", () => {
      const egress = plannedResources(plan(), "aws_vpc_security_group_egress_rule");
      expect(egress.map((rule) => [rule.values.ip_protocol, rule.values.from_port, rule.values.to_port])).toEqual([["tcp", 443, 443]]);
    });

    it("uses no data source that would call AWS", () => {
      expect(dataSources(plan()).filter((type) => type !== "terraform_remote_state")).toEqual([]);
    });
  });
});
