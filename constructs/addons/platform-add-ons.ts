import * as fs from "fs";
import * as path from "path";
import { Construct } from "constructs";
import { AssetType, ITerraformDependable, TerraformAsset } from "cdktf";
import { Release } from "@cdktf/provider-helm/lib/release";
import { NamespaceV1 } from "@cdktf/provider-kubernetes/lib/namespace-v1";
import { StorageClassV1 } from "@cdktf/provider-kubernetes/lib/storage-class-v1";
import { stringify } from "yaml";
import { EnvironmentConfig } from "../../config";
import { ClusterRef } from "../cluster/cluster-ref";
import { arn, AccountContext, PolicyStatement } from "../iam/policy-document";
import { IrsaRole } from "../iam/irsa-role";
import { AddOn, AddOnContext, AddOnName, ControllerRoles, KubernetesObject, mergeValues, PodSecurity, SecretDelivery, Values } from "./add-on";
import { CLUSTER_SECRET_STORE, secretStoreObjects } from "./external-secrets";

export interface PlatformAddOnsProps {
  readonly environment: EnvironmentConfig;
  readonly account: AccountContext;
  readonly cluster: ClusterRef;
  /** Kubernetes minor version ("1.33"); synth-time, unlike `cluster.kubernetesVersion`, which is a cross-stack token. */
  readonly kubernetesVersion: string;
  readonly controllerRoles: ControllerRoles;
  /** The add-ons, in install order; each one's `after` must name add-ons earlier in the list. */
  readonly addOns: readonly AddOn[];
  /** The default StorageClass: releases with volumes wait for it and name it. @default the cluster's default */
  readonly storageClass?: StorageClassV1;
  /** Secrets Manager ARN of the application's database secret, delivered by an ExternalSecret. @default none */
  readonly databaseSecretArn?: string;
}

/** Namespaces that exist in every EKS cluster and are not created (nor relabelled) here. */
const EXISTING_NAMESPACES = new Set(["kube-system"]);

/**
 * The chart that applies objects of an add-on's CRDs after the add-on's release (see docs/platform.md). Found by
 * walking up from this file, which runs from the sources in tests and from dist/ after `npm run build`.
 */
export function manifestsChartDir(from: string = __dirname): string {
  for (let dir = from; ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, "charts", "platform-manifests");
    if (fs.existsSync(path.join(candidate, "Chart.yaml"))) return candidate;
    if (path.dirname(dir) === dir) throw new Error(`charts/platform-manifests not found in ${from} or any folder above it`);
  }
}

/** Release settings every add-on shares: reproducible, rolled back when it fails, and short histories. */
export const RELEASE_SETTINGS = { atomic: true, cleanupOnFail: true, wait: true, maxHistory: 5 } as const;
const DEFAULT_TIMEOUT_SECONDS = 600;

/**
 * Installs the enabled add-ons: for each, its namespace with Pod Security labels, its Helm release (the user's values
 * from config merged over the add-on's), the Secrets it needs through External Secrets and the objects of its CRDs,
 * each ordered after what it needs.
 */
export class PlatformAddOns extends Construct {
  /** The Helm release of each enabled add-on. */
  readonly releases = new Map<AddOnName, Release>();
  readonly namespaces = new Map<string, NamespaceV1>();
  private readonly ready = new Map<AddOnName, ITerraformDependable[]>();
  private readonly manifestsChart: TerraformAsset;

  constructor(scope: Construct, id: string, props: PlatformAddOnsProps) {
    super(scope, id);
    const platform = props.environment.platform;
    this.manifestsChart = new TerraformAsset(this, "ManifestsChart", { path: manifestsChartDir(), type: AssetType.DIRECTORY });
    const deliveries: SecretDelivery[] = [];
    const deliveredSecrets = () => [...new Set(deliveries.flatMap((delivery) => delivery.data.map((item) => item.secretName)))];
    const installs = props.addOns
      .filter((addOn) => platform[addOn.name].enabled)
      .map((addOn) => {
        this.namespaceFor(addOn.namespace, addOn.podSecurity);
        const context = this.contextFor(addOn, props, deliveredSecrets);
        return { addOn, context, secrets: addOn.secrets?.(context) ?? [] };
      });
    deliveries.push(...installs.flatMap((install) => install.secrets));
    if (props.databaseSecretArn && platform.externalSecrets.enabled) {
      deliveries.push(this.databaseSecret(props.databaseSecretArn, platform.externalSecrets.databaseSecretNamespace));
    }
    let secretsRelease: Release | undefined;

    for (const { addOn, context, secrets } of installs) {
      const dependsOn: ITerraformDependable[] = [this.namespaces.get(addOn.namespace) ?? [], props.storageClass ?? [], ...this.dependenciesOf(addOn, props.addOns)].flat();
      if (secrets.length > 0) {
        if (!secretsRelease) throw new Error(`add-on ${addOn.name} needs secrets, so externalSecrets must be enabled and listed before it`);
        dependsOn.push(secretsRelease);
      }
      const settings = platform[addOn.name];
      const release = new Release(this, addOn.name, {
        name: addOn.releaseName,
        namespace: addOn.namespace,
        repository: addOn.chart.repository,
        chart: addOn.chart.chart,
        version: settings.version ?? addOn.chart.version,
        values: [valuesYaml(mergeValues(addOn.values(context), settings.values))],
        ...RELEASE_SETTINGS,
        timeout: addOn.timeoutSeconds ?? DEFAULT_TIMEOUT_SECONDS,
        dependsOn,
      });
      this.releases.set(addOn.name, release);
      const ready: ITerraformDependable[] = [release];
      const objects = addOn.manifests?.(context) ?? [];
      if (objects.length > 0) {
        ready.push(this.manifestsRelease(`${addOn.name}Manifests`, `${addOn.releaseName}-config`, addOn.namespace, objects, release));
      }
      if (addOn.name === "externalSecrets") {
        const objects = [...secretStoreObjects(props.account), ...deliveries.map(externalSecretObject)];
        secretsRelease = this.manifestsRelease("Secrets", "platform-secrets", addOn.namespace, objects, release);
      }
      this.ready.set(addOn.name, ready);
      addOn.extend?.(context, release);
    }
  }

  /** The data layer's database secret, for the application's namespace (created here with restricted PSA). */
  private databaseSecret(secretArn: string, namespace: string): SecretDelivery {
    this.namespaceFor(namespace, { level: "restricted" });
    return {
      name: "database-credentials",
      namespace,
      data: ["username", "password"].map((key) => ({ secretKey: key, secretName: secretArn, property: key })),
    };
  }

  /**
   * What a release waits for: the releases (and CRD objects) of the add-ons it names in `after`, and the load balancer
   * controller, whose webhooks intercept Services and Pods in every namespace and fail them while it is not running.
   */
  private dependenciesOf(addOn: AddOn, order: readonly AddOn[]): ITerraformDependable[] {
    const names: AddOnName[] = [...(addOn.after ?? [])];
    const position = (name: AddOnName) => order.findIndex((candidate) => candidate.name === name);
    for (const name of names) {
      if (position(name) > position(addOn.name)) throw new Error(`add-on ${addOn.name} must come after ${name} in the add-on list`);
    }
    if (addOn.name !== "awsLoadBalancerController") names.push("awsLoadBalancerController");
    return names.flatMap((name) => this.ready.get(name) ?? []);
  }

  private namespaceFor(name: string, podSecurity: PodSecurity): void {
    if (EXISTING_NAMESPACES.has(name) || this.namespaces.has(name)) return;
    const labels: Record<string, string> = {
      "pod-security.kubernetes.io/enforce": podSecurity.level,
      // Audit and warn at restricted everywhere, so a namespace that must enforce less still shows what falls short.
      "pod-security.kubernetes.io/audit": "restricted",
      "pod-security.kubernetes.io/warn": "restricted",
    };
    this.namespaces.set(name, new NamespaceV1(this, `Namespace-${name}`, { metadata: { name, labels } }));
  }

  /** A platform-manifests release of `objects`, after the release with their CRDs and every namespace they may use. */
  private manifestsRelease(id: string, name: string, namespace: string, objects: KubernetesObject[], crds: Release): Release {
    return new Release(this, id, {
      name,
      namespace,
      chart: `./${this.manifestsChart.path}`,
      values: [valuesYaml({ manifests: objects })],
      ...RELEASE_SETTINGS,
      timeout: 300,
      dependsOn: [crds, ...this.namespaces.values()],
    });
  }

  private contextFor(addOn: AddOn, props: PlatformAddOnsProps, deliveredSecrets: () => string[]): AddOnContext {
    const scope = new Construct(this, `${addOn.name}Resources`);
    const { environment, account } = props;
    return {
      scope,
      environment,
      account,
      cluster: props.cluster,
      kubernetesVersion: props.kubernetesVersion,
      production: environment.isProduction,
      settings: environment.platform[addOn.name],
      platform: environment.platform,
      controllerRoles: props.controllerRoles,
      namespace: addOn.namespace,
      storageClassName: props.storageClass?.metadata.name,
      irsaRole: (serviceAccount: string, statements: PolicyStatement[], managedPolicyArns?: string[]) =>
        new IrsaRole(scope, `Irsa-${serviceAccount}`, {
          oidcProvider: props.cluster.oidcProvider,
          roleName: `${environment.prefix}-${serviceAccount}`,
          namespace: addOn.namespace,
          serviceAccount,
          statements,
          managedPolicyArns,
        }),
      secretArn: (secretName: string) =>
        secretName.startsWith("arn:") ? secretName : arn(account, "secretsmanager", `secret:${secretName}-??????`),
      deliveredSecrets,
    };
  }
}

/** Values as YAML, without line folding (which could split a cdktf token). */
export function valuesYaml(values: Values): string {
  return stringify(values, { lineWidth: 0 });
}

function externalSecretObject(delivery: SecretDelivery): KubernetesObject {
  return {
    apiVersion: "external-secrets.io/v1",
    kind: "ExternalSecret",
    metadata: { name: delivery.name, namespace: delivery.namespace },
    spec: {
      refreshInterval: "1h",
      secretStoreRef: { kind: "ClusterSecretStore", name: CLUSTER_SECRET_STORE },
      target: {
        name: delivery.name,
        creationPolicy: "Owner",
        ...(delivery.labels ? { template: { metadata: { labels: delivery.labels } } } : {}),
      },
      data: delivery.data.map((item) => ({
        secretKey: item.secretKey,
        remoteRef: { key: item.secretName, ...(item.property ? { property: item.property } : {}) },
      })),
    },
  };
}
