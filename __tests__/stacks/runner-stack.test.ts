import * as fs from "fs";
import * as path from "path";
import { App, Testing, TerraformStack } from "cdktf";
import { CodebuildProject } from "@cdktf/provider-aws/lib/codebuild-project";
import { CodebuildWebhook } from "@cdktf/provider-aws/lib/codebuild-webhook";
import { VpcSecurityGroupIngressRule } from "@cdktf/provider-aws/lib/vpc-security-group-ingress-rule";
import { pipelineRolesOf } from "../../constructs/iam/pipeline-roles";
import { buildApp } from "../../main";
import { PIPELINE_WORKFLOWS, plannedByPullRequests, RunnerStack, runnerProjectName, runnerWorkflows } from "../../stacks/runner-stack";
import { shippedEnvironments, testApp, testEnvironment } from "../support/environments";
import { resourcesOf, SynthesizedStack, synthStack } from "../support/synth";
import { crossStackReadsIn } from "../../constructs/core/cdktf-internals";
import { synthesizeShipped } from "../tools/support";

const github = { repository: "acme/shop" };

/** The stacks of one environment after a full app synth, so cross-stack references and dependencies are resolved. */
function stacksOf(environment: ReturnType<typeof testEnvironment>): Record<string, TerraformStack> {
  const app = buildApp(testApp(), [environment]);
  app.synth();
  return Object.fromEntries(
    app.node.children.filter((child): child is TerraformStack => child instanceof TerraformStack).map((stack) => [stack.node.id, stack]),
  );
}

/** A stack's JSON as `cdktf synth` wrote it (cross-stack references resolved to remote state). */
function written(stack: TerraformStack): SynthesizedStack {
  const app = stack.node.scope as App;
  return JSON.parse(fs.readFileSync(path.join(app.outdir, "stacks", stack.node.id, "cdk.tf.json"), "utf8")) as SynthesizedStack;
}

describe("RunnerStack", () => {
  const environment = testEnvironment({ github }, "qa");
  const stacks = stacksOf(environment);
  const runner = stacks["qa-runner"] as RunnerStack;
  const synthesized = Testing.synth(runner);

  it("runs GitHub Actions jobs of the repository in CodeBuild, inside the private subnets, with its own security group", () => {
    expect(synthesized).toHaveResourceWithProperties(CodebuildProject, {
      name: runnerProjectName(environment),
      source: { type: "GITHUB", location: "https://github.com/acme/shop", git_clone_depth: 1 },
      environment: expect.objectContaining({ type: "LINUX_CONTAINER", privileged_mode: false }),
      vpc_config: expect.objectContaining({ security_group_ids: [expect.stringContaining("aws_security_group.Runner_SecurityGroup")] }),
    });
    const project = Object.values(resourcesOf(synthStack(runner), "aws_codebuild_project"))[0];
    const subnets = (project.vpc_config as { subnets: string[] }).subnets;
    expect(subnets).toHaveLength(environment.network.availabilityZones.length);
    expect(subnets.every((subnet) => subnet.includes("Private"))).toBe(true);
  });

  it("starts a build only for a queued job of the deploy workflow: a production-like tier is never planned by a pull request", () => {
    expect(plannedByPullRequests(environment)).toBe(false);
    expect(synthesized).toHaveResourceWithProperties(CodebuildWebhook, {
      build_type: "BUILD",
      filter_group: [
        {
          filter: [
            { type: "EVENT", pattern: "WORKFLOW_JOB_QUEUED" },
            { type: "WORKFLOW_NAME", pattern: `^(${PIPELINE_WORKFLOWS.deploy})$` },
          ],
        },
      ],
    });
  });

  it("admits the pull-request workflow's jobs too on a development tier's runner, whose plans pull requests make", () => {
    const development = testEnvironment({ github, tier: "development" }, "sandbox");
    const webhook = Object.values(resourcesOf(synthStack(stacksOf(development)["sandbox-runner"]), "aws_codebuild_webhook"))[0];
    const [group] = webhook.filter_group as { filter: { type: string; pattern: string }[] }[];
    const pattern = new RegExp(group.filter.find((filter) => filter.type === "WORKFLOW_NAME")!.pattern);
    expect(
      Object.values(PIPELINE_WORKFLOWS)
        .filter((name) => pattern.test(name))
        .sort(),
    ).toEqual(runnerWorkflows(development).sort());
    expect(runnerWorkflows(development)).toContain(PIPELINE_WORKFLOWS.pullRequest);
    expect(["release", "app", `x${PIPELINE_WORKFLOWS.deploy}`, `${PIPELINE_WORKFLOWS.pullRequest} `].some((name) => pattern.test(name))).toBe(false);
  });

  it("gives the runner no deploy power: logs, its network interfaces and the GitHub connection only", () => {
    const policy = JSON.parse(Object.values(resourcesOf(synthStack(runner), "aws_iam_role_policy"))[0].policy as string) as {
      Statement: { Action: string | string[] }[];
    };
    const actions = policy.Statement.flatMap((statement) => [statement.Action].flat());
    expect(actions.every((action) => /^(logs|ec2|codeconnections):/.test(action))).toBe(true);
    expect(actions.some((action) => action.startsWith("iam:") || action.startsWith("eks:") || action.startsWith("sts:"))).toBe(false);
  });

  it("puts the environment's permissions boundary on its role, as on every role of every environment stack", () => {
    const boundary = pipelineRolesOf(environment)!.permissionsBoundaryArn;
    // The bootstrap stack's deploy and plan roles are an administrator's, applied by hand: the boundary is for what they create.
    // The account's guardrails stack is an administrator's too (applied with the bootstrap credentials, docs/security.md).
    for (const [name, stack] of Object.entries(stacks).filter(([id]) => id !== "bootstrap" && !id.startsWith("guardrails-"))) {
      const roles = Object.values(resourcesOf(written(stack), "aws_iam_role"));
      expect({ name, unbounded: roles.filter((role) => role.permissions_boundary !== boundary).map((role) => role.name) }).toEqual({ name, unbounded: [] });
    }
  });

  it("is admitted by the cluster's control-plane security group, exactly its group, on 443", () => {
    const cluster = JSON.stringify(written(stacks["qa-cluster"]));
    expect(cluster).toHaveResourceWithProperties(VpcSecurityGroupIngressRule, {
      from_port: 443,
      to_port: 443,
      ip_protocol: "tcp",
    });
    const ingress = Object.values(resourcesOf(written(stacks["qa-cluster"]), "aws_vpc_security_group_ingress_rule"));
    const fromGroups = ingress.filter((rule) => rule.referenced_security_group_id !== undefined);
    expect(fromGroups).toHaveLength(1);
    // The group is the runner stack's own, read from its output.
    const [read] = crossStackReadsIn(String(fromGroups[0].referenced_security_group_id));
    expect(read.originStack).toBe("qa-runner");
    expect(written(stacks["qa-runner"]).output?.[read.outputId]?.value).toMatch(/^\$\{aws_security_group\.[A-Za-z0-9_]+\.id\}$/);
  });

  it("deploys after the network and before the cluster", () => {
    expect(runner.dependencies.map((stack) => stack.node.id)).toEqual(["qa-network"]);
    expect(stacks["qa-cluster"].dependencies.map((stack) => stack.node.id)).toContain("qa-runner");
  });
});

describe("environments without a pipeline role", () => {
  it("Terraform Cloud: the runner stack holds its agents, no CodeBuild runner, and no EKS access entry names a GitHub role", () => {
    const cloud = testEnvironment({ github, state: { backend: "cloud", organization: "acme" } }, "tfc");
    const stacks = stacksOf(cloud);
    expect(resourcesOf(synthStack(stacks["tfc-runner"]), "aws_codebuild_project")).toEqual({});
    expect(Object.keys(resourcesOf(synthStack(stacks["tfc-runner"]), "aws_ecs_service"))).toHaveLength(1);
    const entries = Object.values(resourcesOf(synthStack(stacks["tfc-cluster"]), "aws_eks_access_entry")).map((entry) => String(entry.principal_arn));
    expect(entries.filter((arn) => arn.endsWith(`:role/${cloud.prefix}-deploy`) || arn.endsWith(`:role/${cloud.prefix}-plan`))).toEqual([]);
  });

  it("the shipped environments that a pipeline deploys each get a runner stack", () => {
    const names = synthesizeShipped().map((stack) => stack.name);
    for (const environment of shippedEnvironments()) {
      // Terraform Cloud environments' runner stack holds their agents (stacks/agents-stack.ts).
      expect(names.includes(`${environment.name}-runner`)).toBe(pipelineRolesOf(environment) !== undefined || environment.state.backend === "cloud");
    }
  });
});
