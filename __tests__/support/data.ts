import { EnvironmentConfig } from "../../config";
import { DataStack } from "../../stacks/data-stack";
import { NetworkStack } from "../../stacks/network-stack";
import { testApp } from "./environments";
import { fakeCluster } from "./fake-cluster";
import { synthStack, SynthesizedStack } from "./synth";

/** An environment's `<env>-data` stack next to its network stack, as main.ts wires them. */
export function dataStack(environment: EnvironmentConfig): DataStack {
  const app = testApp();
  const network = new NetworkStack(app, environment);
  return new DataStack(app, environment, { network: network.network, cluster: fakeCluster() });
}

export function synthData(environment: EnvironmentConfig): SynthesizedStack {
  return synthStack(dataStack(environment));
}
