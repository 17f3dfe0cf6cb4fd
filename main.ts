import { App } from "cdktf";
import { BuildOptions, runSynth } from "./cli/synth";
import { EnvironmentConfig } from "./config";
import { BootstrapStack, bootstrapStackName } from "./stacks/bootstrap-stack";
import { ClusterStack } from "./stacks/cluster-stack";
import { DataStack } from "./stacks/data-stack";
import { DeliveryStack } from "./stacks/delivery-stack";
import { EdgeStack } from "./stacks/edge-stack";
import { GuardrailsStack, guardrailsStackName } from "./stacks/guardrails-stack";
import { accountGuardrails } from "./config/schema/guardrails";
import { NetworkStack } from "./stacks/network-stack";
import { PlatformStack } from "./stacks/platform-stack";
import { RunnerStack } from "./stacks/runner-stack";
import { pipelineRolesOf } from "./constructs/iam/pipeline-roles";
import { terraformCloudOf } from "./constructs/tfc/environment";
import { TerraformCloudAgentsStack } from "./stacks/agents-stack";
import { terraformCloudStacks } from "./stacks/terraform-cloud-stack";

/**
 * Builds every stack of every selected environment: the architecture, one line per stack. The bootstrap stack of
 * each selected account is built from every environment of that account (`options.allEnvironments`).
 */
export function buildApp(app: App, environments: readonly EnvironmentConfig[], options: BuildOptions = {}): App {
  bootstrapStacks(app, environments, options.allEnvironments ?? environments);
  terraformCloudStacks(app, environments, options.allEnvironments ?? environments);
  guardrailsStacks(app, environments, options.allEnvironments ?? environments);
  for (const environment of environments) {
    const network = new NetworkStack(app, environment);
    const runner = pipelineRolesOf(environment) ? new RunnerStack(app, environment, { network: network.network }) : undefined;
    const agents = terraformCloudOf(environment) ? new TerraformCloudAgentsStack(app, environment, { network: network.network }) : undefined;
    const cluster = new ClusterStack(app, environment, {
      network: network.network,
      runnerSecurityGroup: runner?.runner.securityGroup ?? agents?.agents.securityGroup,
    });
    const data = new DataStack(app, environment, { network: network.network, cluster: cluster.cluster });
    const platform = new PlatformStack(app, environment, {
      cluster: cluster.cluster,
      controllerRoles: cluster.controllerRoles,
      volumeKey: cluster.volumeKey,
      karpenter: cluster.karpenter,
      kubernetesVersion: environment.cluster.version,
    });
    // Nothing of the data layer is delivered into the cluster any more (the app uses IAM auth); the dependency keeps
    // the documented order (data before platform) that the pipelines and teardown follow.
    platform.addDependency(data);
    if (environment.edge) {
      const edge = new EdgeStack(app, environment, { network: network.network, cluster: cluster.cluster, database: data.database });
      // Argo CD, External Secrets and the load balancer controller come from the platform: deploy after it, destroy before it.
      new DeliveryStack(app, environment, { cluster: cluster.cluster, edge }).addDependency(platform);
    }
  }
  return app;
}

/**
 * One bootstrap stack per account of the selected environments, each built from every environment of its account in
 * `all` (a partial synth must not drop the other environments' roles); named by the accounts of `all`, so the name
 * does not depend on the selection.
 */
export function bootstrapStacks(app: App, selected: readonly EnvironmentConfig[], all: readonly EnvironmentConfig[]): BootstrapStack[] {
  const s3Environments = all.filter((environment) => environment.state.backend === "s3");
  const accounts = [...new Set(s3Environments.map((environment) => environment.account.id))].sort();
  const selectedAccounts = new Set(selected.map((environment) => environment.account.id));
  return accounts
    .filter((account) => selectedAccounts.has(account))
    .map(
      (account) =>
        new BootstrapStack(app, bootstrapStackName(account, accounts.length), {
          environments: s3Environments.filter((environment) => environment.account.id === account),
          accountEnvironments: all.filter((environment) => environment.account.id === account),
        }),
    );
}

/**
 * One guardrails stack per account of the selected environments whose environments turn guardrails on, built from
 * every environment of that account in `all`, as the bootstrap stacks are.
 */
export function guardrailsStacks(app: App, selected: readonly EnvironmentConfig[], all: readonly EnvironmentConfig[]): GuardrailsStack[] {
  const selectedAccounts = new Set(selected.map((environment) => environment.account.id));
  return [...selectedAccounts]
    .sort()
    .map((account) => all.filter((environment) => environment.account.id === account))
    .flatMap((environments) => {
      const settings = accountGuardrails(environments);
      return settings ? [new GuardrailsStack(app, guardrailsStackName(settings.accountId), { environments })] : [];
    });
}

if (require.main === module) {
  process.exitCode = runSynth(buildApp, process.argv.slice(2));
}
