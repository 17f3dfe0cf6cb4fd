import { AwsScope } from "../../constructs/core/aws-scope";
import { App, TerraformStack } from "cdktf";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { EnvironmentConfig } from "../../config";
import { ClusterRef } from "../../constructs/cluster/cluster-ref";
import { IrsaRole } from "../../constructs/iam/irsa-role";
import { KmsKey } from "../../constructs/security/kms-key";
import { PlatformStack, PlatformStackProps } from "../../stacks/platform-stack";
import { testApp } from "./environments";

export const FAKE_OIDC_ISSUER = "oidc.eks.eu-west-1.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE";

/**
 * A platform stack beside a stand-in for the cluster layer: a plain-string ClusterRef and the two controller IRSA
 * roles in a small stack of the same app (cross-stack references, as between the real layers).
 */
export function platformStack(
  environment: EnvironmentConfig,
  extra: Partial<Pick<PlatformStackProps, "kubernetesVersion">> = {},
  app: App = testApp(),
): PlatformStack {
  const upstream = new TerraformStack(app, `${environment.name}-cluster-standin`);
  new AwsProvider(upstream, "aws", { region: environment.account.region });
  AwsScope.declare(upstream, { accountId: environment.account.id, region: environment.account.region, partition: environment.partition });
  const cluster: ClusterRef = {
    name: environment.prefix,
    endpoint: "https://EXAMPLE0123456789.gr7.eu-west-1.eks.amazonaws.com",
    certificateAuthorityData: "LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0t",
    oidcProvider: { arn: `arn:aws:iam::${environment.account.id}:oidc-provider/${FAKE_OIDC_ISSUER}`, issuer: FAKE_OIDC_ISSUER },
    nodeSecurityGroupId: "sg-0123456789abcdef0",
    kubernetesVersion: "1.33",
    region: environment.account.region,
    vpcId: "vpc-0123456789abcdef0",
  };
  const controllerRole = (id: string, serviceAccount: string) =>
    new IrsaRole(upstream, id, {
      oidcProvider: cluster.oidcProvider,
      roleName: `${environment.prefix}-${serviceAccount}`,
      namespace: "kube-system",
      serviceAccount,
    });
  return new PlatformStack(app, environment, {
    cluster,
    controllerRoles: {
      clusterAutoscaler: controllerRole("ClusterAutoscaler", "cluster-autoscaler"),
      awsLoadBalancerController: controllerRole("LoadBalancerController", "aws-load-balancer-controller"),
    },
    kubernetesVersion: "1.33",
    volumeKey: new KmsKey(upstream, "VolumeKey", {
      description: "node volumes",
    }),
    ...extra,
  });
}
