import { Construct } from "constructs";
import { AgentPool } from "@cdktf/provider-tfe/lib/agent-pool";
import { AgentPoolAllowedWorkspaces } from "@cdktf/provider-tfe/lib/agent-pool-allowed-workspaces";
import { Project } from "@cdktf/provider-tfe/lib/project";
import { ProjectVariableSet } from "@cdktf/provider-tfe/lib/project-variable-set";
import { Variable } from "@cdktf/provider-tfe/lib/variable";
import { VariableSet } from "@cdktf/provider-tfe/lib/variable-set";
import { Workspace } from "@cdktf/provider-tfe/lib/workspace";
import { WorkspaceSettings } from "@cdktf/provider-tfe/lib/workspace-settings";

/** One workspace: the Terraform Cloud side of one stack. */
export interface WorkspaceSpec {
  /** The workspace name: the stack's cloud backend names it. */
  readonly name: string;
  readonly description: string;
  /** Runs on the environment's agents (the stack talks to the private cluster API) instead of Terraform Cloud's workers. */
  readonly onAgents: boolean;
  /** Workspaces whose runs read this one's outputs (cdktf cross-stack references read the state through `terraform_remote_state`). */
  readonly stateConsumers: readonly string[];
}

export interface TerraformCloudWorkspacesProps {
  /** The Terraform Cloud organization the project, workspaces and agent pool belong to. */
  readonly organization: string;
  /** The project of the environment's workspaces (the AWS roles trust this project only). */
  readonly project: string;
  /** Name of the environment's agent pool. */
  readonly agentPoolName: string;
  /** The environment's workspaces: one per stack, where its runs execute and which workspaces read its state. */
  readonly workspaces: readonly WorkspaceSpec[];
  /** The Terraform version every run uses (the one the pipelines and the offline plans use). */
  readonly terraformVersion: string;
  /** Whether destroy runs may be queued (below production); production is destroyed only after an administrator allows it. */
  readonly allowDestroyPlan: boolean;
  /** Environment variables every run of the project gets (the dynamic credentials settings); not sensitive. */
  readonly environmentVariables: Readonly<Record<string, string>>;
}

/**
 * An environment in Terraform Cloud: its project and workspaces, each workspace's execution mode (the environment's
 * agent pool, which only these workspaces may use, or Terraform Cloud's workers), which workspaces may read its state,
 * and the project's variable set with the dynamic credentials settings (a priority set: a workspace cannot override it).
 */
export class TerraformCloudWorkspaces extends Construct {
  readonly project: Project;
  readonly agentPool: AgentPool;
  readonly workspaces: Record<string, Workspace> = {};
  readonly variableSet: VariableSet;

  constructor(scope: Construct, id: string, props: TerraformCloudWorkspacesProps) {
    super(scope, id);
    const { organization } = props;
    this.project = new Project(this, "Project", { organization, name: props.project, description: `Workspaces of ${props.project} (cdktf)` });
    this.agentPool = new AgentPool(this, "AgentPool", { organization, name: props.agentPoolName, organizationScoped: false });
    for (const spec of props.workspaces) {
      this.workspaces[spec.name] = new Workspace(this, `Workspace-${spec.name}`, {
        organization,
        name: spec.name,
        description: spec.description,
        projectId: this.project.id,
        allowDestroyPlan: props.allowDestroyPlan,
        terraformVersion: props.terraformVersion,
      });
    }
    for (const spec of props.workspaces) {
      const workspace = this.workspaces[spec.name]!;
      new WorkspaceSettings(this, `Settings-${spec.name}`, {
        workspaceId: workspace.id,
        executionMode: spec.onAgents ? "agent" : "remote",
        agentPoolId: spec.onAgents ? this.agentPool.id : undefined,
        globalRemoteState: false,
        remoteStateConsumerIds: spec.stateConsumers.map((consumer) => this.workspaceId(consumer, spec.name)),
      });
    }
    new AgentPoolAllowedWorkspaces(this, "AgentPoolWorkspaces", {
      agentPoolId: this.agentPool.id,
      allowedWorkspaceIds: props.workspaces.filter((spec) => spec.onAgents).map((spec) => this.workspaces[spec.name]!.id),
    });
    this.variableSet = new VariableSet(this, "Credentials", {
      organization,
      name: `${props.project} dynamic credentials`,
      description: "AWS dynamic provider credentials of the project's runs (plan and apply roles)",
      priority: true,
    });
    for (const [key, value] of Object.entries(props.environmentVariables)) {
      new Variable(this, `Variable-${key}`, { key, value, category: "env", variableSetId: this.variableSet.id });
    }
    new ProjectVariableSet(this, "ProjectCredentials", { projectId: this.project.id, variableSetId: this.variableSet.id });
  }

  private workspaceId(name: string, reader: string): string {
    const workspace = this.workspaces[name];
    if (!workspace) throw new Error(`${this.node.path}: ${reader} shares its state with ${name}, which is not a workspace of the project`);
    return workspace.id;
  }
}
