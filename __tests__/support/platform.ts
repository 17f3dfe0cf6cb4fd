import { App, TerraformStack } from "cdktf";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { parse } from "yaml";
import { EnvironmentConfig } from "../../config";
import { AwsScope } from "../../constructs/core/aws-scope";
import { ClusterRef } from "../../constructs/cluster/cluster-ref";
import { IrsaRole } from "../../constructs/iam/irsa-role";
import { KmsKey } from "../../constructs/security/kms-key";
import { PlatformStack, PlatformStackProps } from "../../stacks/platform-stack";
import { testApp } from "./environments";
import { resourcesOf, SynthesizedStack, synthStack } from "./synth";

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
    nodeSecurityGroup: { id: "sg-0123456789abcdef0" },
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

// Synthesized JSON is untyped; tests read it as loosely as the matchers do.
export type Json = Record<string, any>;

/** A synthesized platform stack with lookups by Helm release name. */
export class SynthesizedPlatform {
  readonly releases: Record<string, Json>;

  constructor(readonly stack: SynthesizedStack) {
    this.releases = Object.fromEntries(Object.entries(resourcesOf(stack, "helm_release")).map(([id, release]) => [String(release.name), { ...release, id }]));
  }

  release(name: string): Json {
    const release = this.releases[name];
    if (!release) throw new Error(`no helm_release "${name}"; releases: ${Object.keys(this.releases).join(", ")}`);
    return release;
  }

  /** The values a release passes, parsed from the YAML the stack synthesizes. */
  values(name: string): Json {
    return parse((this.release(name).values as string[])[0]) as Json;
  }

  /** The Kubernetes objects a platform-manifests release applies. */
  manifests(name: string): Json[] {
    return this.values(name).manifests as Json[];
  }

  /** Whether release `name` waits for the resource whose Terraform address contains `id`. */
  waitsFor(name: string, id: string): boolean {
    return ((this.release(name).depends_on as string[] | undefined) ?? []).some((dependency) => dependency.includes(id));
  }

  resources(type: string): Json[] {
    return Object.values(resourcesOf(this.stack, type));
  }
}

export function synthPlatform(environment: EnvironmentConfig): SynthesizedPlatform {
  return new SynthesizedPlatform(synthStack(platformStack(environment)));
}
