import { App } from "cdktf";
import { EnvironmentConfig } from "../../config";
import { ClusterRef } from "../../constructs/cluster/cluster-ref";
import { EdgeStack } from "../../stacks/edge-stack";
import { NetworkStack } from "../../stacks/network-stack";
import { testApp } from "./environments";

export const FAKE_OIDC_ISSUER = "oidc.eks.eu-west-1.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE";

/** A stand-in for what the cluster layer exposes: plain strings, so edge and delivery tests need no cluster stack. */
export function fakeCluster(environment: EnvironmentConfig): ClusterRef {
  return {
    name: environment.prefix,
    endpoint: "https://EXAMPLE0123456789.gr7.eu-west-1.eks.amazonaws.com",
    certificateAuthorityData: "LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0t",
    oidcProvider: { arn: `arn:aws:iam::${environment.account.id}:oidc-provider/${FAKE_OIDC_ISSUER}`, issuer: FAKE_OIDC_ISSUER },
    nodeSecurityGroupId: "sg-0123456789abcdef0",
    kubernetesVersion: "1.33",
    region: environment.account.region,
    vpcId: "vpc-0123456789abcdef0",
  };
}

/** An edge stack beside the real network stack of the same app (cross-stack references, as in main.ts). */
export function edgeStack(environment: EnvironmentConfig, app: App = testApp()): EdgeStack {
  const network = new NetworkStack(app, environment);
  return new EdgeStack(app, environment, { network: network.network, cluster: fakeCluster(environment) });
}
