import { App } from "cdktf";
import { EnvironmentConfig } from "../../config";
import { ClusterRef } from "../../constructs/cluster/cluster-ref";
import { DataStack } from "../../stacks/data-stack";
import { EdgeStack } from "../../stacks/edge-stack";
import { NetworkStack } from "../../stacks/network-stack";
import { testApp } from "./environments";
import { fakeCluster } from "./fake-cluster";

/** The plain-value cluster of an environment (its name and region). */
export function clusterOf(environment: EnvironmentConfig): ClusterRef {
  return fakeCluster({ name: environment.prefix, region: environment.account.region });
}

/**
 * An edge stack beside the real network stack of the same app (cross-stack references, as in main.ts), and beside
 * the data stack when `withDatabase` is set.
 */
export function edgeStack(environment: EnvironmentConfig, app: App = testApp(), withDatabase = false): EdgeStack {
  const network = new NetworkStack(app, environment);
  const cluster = clusterOf(environment);
  const database = withDatabase ? new DataStack(app, environment, { network: network.network, cluster }).database : undefined;
  return new EdgeStack(app, environment, { network: network.network, cluster, database });
}
