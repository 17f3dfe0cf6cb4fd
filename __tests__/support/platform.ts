import type { App } from "cdktf";
import type { EnvironmentConfig } from "../../config";
import { parseYamlDocument } from "../../constructs/core/json";
import type { ClusterRef } from "../../constructs/cluster/cluster-ref";
import type { PlatformStack, PlatformStackProps } from "../../stacks/platform-stack";
import { sharedJson } from "./synth-cache";
import type { SynthesizedStack } from "./synth";

export const FAKE_OIDC_ISSUER = "oidc.eks.eu-west-1.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE";

/**
 * A platform stack beside a stand-in for the cluster layer: a plain-string ClusterRef and the two controller roles
 * (IRSA or Pod Identity, as the environment chooses) in a small stack of the same app (cross-stack references, as between the real layers).
 */
export function platformStack(environment: EnvironmentConfig, extra: Partial<Pick<PlatformStackProps, "kubernetesVersion">> = {}, app?: App): PlatformStack {
  // Loaded when a stack is built: a suite whose platform synths are all shared reads JSON and loads none of this.
  /* eslint-disable @typescript-eslint/no-require-imports -- static imports would load every add-on into every suite */
  const { TerraformStack } = require("cdktf") as typeof import("cdktf");
  const { AwsProvider } = require("@cdktf/provider-aws/lib/provider") as typeof import("@cdktf/provider-aws/lib/provider");
  const { AwsScope } = require("../../constructs/core/aws-scope") as typeof import("../../constructs/core/aws-scope");
  const { clusterWorkloadIdentity, workloadRole } =
    require("../../constructs/iam/workload-identity") as typeof import("../../constructs/iam/workload-identity");
  const { KmsKey } = require("../../constructs/security/kms-key") as typeof import("../../constructs/security/kms-key");
  const { PlatformStack } = require("../../stacks/platform-stack") as typeof import("../../stacks/platform-stack");
  const { testApp } = require("./environments") as typeof import("./environments");
  /* eslint-enable @typescript-eslint/no-require-imports */
  app ??= testApp();
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
  // The controllers' roles with the environment's workload identity, as the cluster layer builds them.
  const identity = clusterWorkloadIdentity(upstream, cluster, environment.cluster);
  const controllerRole = (id: string, serviceAccount: string) =>
    workloadRole(upstream, id, identity, { roleName: `${environment.prefix}-${serviceAccount}`, namespace: "kube-system", serviceAccount });
  return new PlatformStack(app, environment, {
    cluster,
    controllerRoles: {
      ...(environment.cluster.autoscaler === "karpenter"
        ? { karpenter: controllerRole("Karpenter", "karpenter") }
        : { clusterAutoscaler: controllerRole("ClusterAutoscaler", "cluster-autoscaler") }),
      awsLoadBalancerController: controllerRole("LoadBalancerController", "aws-load-balancer-controller"),
    },
    karpenter:
      environment.cluster.autoscaler === "karpenter"
        ? { instanceProfileName: `${environment.prefix}-karpenter-nodes`, interruptionQueueName: `${environment.prefix}-karpenter-interruptions` }
        : undefined,
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
    this.releases = Object.fromEntries(Object.entries(stack.resource?.helm_release ?? {}).map(([id, release]) => [String(release.name), { ...release, id }]));
  }

  release(name: string): Json {
    const release = this.releases[name];
    if (!release) throw new Error(`no helm_release "${name}"; releases: ${Object.keys(this.releases).join(", ")}`);
    return release;
  }

  /** The values a release passes, parsed from the YAML the stack synthesizes. */
  values(name: string): Json {
    return parseYamlDocument((this.release(name).values as string[])[0]) as Json;
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
    return Object.values(this.stack.resource?.[type] ?? {});
  }
}

/** The platform stack of an environment, synthesized once per test run for the same config (support/synth-cache.ts). */
export function synthPlatformJson(environment: EnvironmentConfig): SynthesizedStack {
  return sharedJson("platform", environment, () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded by the suite that synthesizes only
    const { synthStack } = require("./synth") as typeof import("./synth");
    return synthStack(platformStack(environment));
  });
}

export function synthPlatform(environment: EnvironmentConfig): SynthesizedPlatform {
  return new SynthesizedPlatform(synthPlatformJson(environment));
}
