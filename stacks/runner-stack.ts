import { Construct } from "constructs";
import { TerraformOutput } from "cdktf";
import { EnvironmentConfig } from "../config";
import { CodeBuildRunner } from "../constructs/runner/codebuild-runner";
import { Network } from "../constructs/network/network";
import { EnvironmentStack, Layer } from "./environment-stack";

export interface RunnerStackProps {
  /** The environment's network, from its NetworkStack: the runner's builds run in its private subnets. */
  readonly network: Network;
}

/**
 * Layers whose jobs run on the in-VPC runner: they talk to the private cluster API (Helm, Kubernetes) or, for edge,
 * follow the layers that do. The others deploy from GitHub-hosted runners, so the first deploy of an environment
 * (network, runner, cluster, data) needs no runner yet.
 */
export const LAYERS_ON_THE_VPC_RUNNER: readonly Layer[] = ["platform", "edge", "delivery"];

/** The CodeBuild project of an environment's in-VPC runner: `<project>-<environment>-runner`. */
export function runnerProjectName(environment: EnvironmentConfig): string {
  return `${environment.prefix}-runner`;
}

/** The names of the generated workflows (tools/generate.ts): the runner webhooks admit the jobs of these only. */
export const PIPELINE_WORKFLOWS = {
  /** Pull requests and main: CI (`.ci/run`) and the plans a pull request may make. */
  pullRequest: "ci",
  /** Pushes to main: plan, approve and apply, environment by environment. */
  deploy: "deploy",
} as const;

/**
 * Whether pull requests plan the environment: development tiers only. A pull request's job presents the OIDC subject
 * `repo:<owner>/<repo>:pull_request`, which only a development plan role trusts; staging and production are planned
 * from main (`ref:refs/heads/main`) by the deploy workflow, before their reviewers approve the apply.
 */
export function plannedByPullRequests(environment: EnvironmentConfig): boolean {
  return environment.tier === "development";
}

/** The workflows whose queued jobs an environment's runner starts builds for. */
export function runnerWorkflows(environment: EnvironmentConfig): string[] {
  return plannedByPullRequests(environment) ? [PIPELINE_WORKFLOWS.pullRequest, PIPELINE_WORKFLOWS.deploy] : [PIPELINE_WORKFLOWS.deploy];
}

/**
 * `<env>-runner`: the GitHub Actions runner inside the environment's VPC that the platform, edge and delivery jobs run
 * on (the EKS endpoint is private). It comes after the network and before the cluster, whose control plane admits
 * exactly its security group; network, cluster, data and this stack deploy from GitHub-hosted runners.
 */
export class RunnerStack extends EnvironmentStack {
  readonly runner: CodeBuildRunner;

  constructor(scope: Construct, environment: EnvironmentConfig, props: RunnerStackProps) {
    super(scope, environment, "runner");
    if (!environment.github) {
      throw new Error(`${environment.file}: github: the runner stack needs github.repository (the repository whose jobs it runs)`);
    }
    this.runner = new CodeBuildRunner(this, "Runner", {
      name: runnerProjectName(environment),
      repositoryUrl: `https://github.com/${environment.github.repository}`,
      network: props.network,
      logRetentionDays: environment.cluster.logRetentionDays,
      workflows: runnerWorkflows(environment),
    });
    new TerraformOutput(this, "runner_project", { value: this.runner.project.name, description: "CodeBuild project of the in-VPC GitHub Actions runner" });
    new TerraformOutput(this, "runner_security_group_id", { value: this.runner.securityGroup.id, description: "Security group the cluster API admits" });
  }
}
