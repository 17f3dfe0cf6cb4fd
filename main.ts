import { App } from "cdktf";
import { runSynth } from "./cli/synth";
import { EnvironmentConfig } from "./config";
import { BootstrapStack, bootstrapStackName } from "./stacks/bootstrap-stack";
import { ClusterStack } from "./stacks/cluster-stack";
import { DataStack } from "./stacks/data-stack";
import { DeliveryStack } from "./stacks/delivery-stack";
import { EdgeStack } from "./stacks/edge-stack";
import { NetworkStack } from "./stacks/network-stack";
import { PlatformStack } from "./stacks/platform-stack";

/** Builds every stack of every selected environment: the architecture, one line per stack. */
export function buildApp(app: App, environments: readonly EnvironmentConfig[]): App {
  const s3Environments = environments.filter((environment) => environment.state.backend === "s3");
  const accounts = [...new Set(s3Environments.map((environment) => environment.account.id))];
  for (const account of accounts) {
    const members = s3Environments.filter((environment) => environment.account.id === account);
    new BootstrapStack(app, bootstrapStackName(account, accounts.length), { environments: members });
  }
  for (const environment of environments) {
    const network = new NetworkStack(app, environment);
    const cluster = new ClusterStack(app, environment, { network: network.network });
    const data = new DataStack(app, environment, { network: network.network, cluster: cluster.cluster });
    const platform = new PlatformStack(app, environment, {
      cluster: cluster.cluster,
      controllerRoles: cluster.controllerRoles,
      kubernetesVersion: environment.cluster.version,
      databaseSecretArn: data.database.masterUserSecretArn,
    });
    if (environment.edge) {
      const edge = new EdgeStack(app, environment, { network: network.network, cluster: cluster.cluster, database: data.database });
      // Argo CD, External Secrets and the load balancer controller come from the platform: deploy after it, destroy before it.
      new DeliveryStack(app, environment, { cluster: cluster.cluster, edge }).addDependency(platform);
    }
  }
  return app;
}

if (require.main === module) {
  process.exitCode = runSynth(buildApp, process.argv.slice(2));
}
