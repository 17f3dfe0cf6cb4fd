import * as fs from "fs";
import * as path from "path";
import { Construct } from "constructs";
import { AssetType, ITerraformDependable, TerraformAsset } from "cdktf";
import { Release } from "@cdktf/provider-helm/lib/release";
import { NamespaceV1 } from "@cdktf/provider-kubernetes/lib/namespace-v1";
import { StorageClassV1 } from "@cdktf/provider-kubernetes/lib/storage-class-v1";
import { valuesToYaml } from "../core/values-yaml";
import { EnvironmentConfig } from "../../config";
import { ClusterRef } from "../cluster/cluster-ref";
import { podPlacement } from "../cluster/node-group";
import { AwsLocation, AwsScope } from "../core/aws-scope";
import { clusterWorkloadIdentity, workloadRole } from "../iam/workload-identity";
import {
  AddOn,
  AddOnContext,
  AddOnName,
  AddOnScope,
  Capability,
  ControllerRoles,
  ExternalRead,
  GeneratedSecret,
  KubernetesObject,
  mergeValues,
  PodSecurity,
  SecretDelivery,
  Values,
} from "./add-on";
import type { KarpenterNodeSettings } from "./karpenter";
import { SECRET_STORE, SecretStores } from "./secret-stores";

export interface PlatformAddOnsProps {
  /** The environment's loaded config: names, settings and tier of what the add-ons install. */
  readonly environment: EnvironmentConfig;
  /** The cluster the add-ons are installed into (its endpoint, OIDC provider and name). */
  readonly cluster: ClusterRef;
  /** Kubernetes minor version ("1.33"); synth-time, unlike `cluster.kubernetesVersion`, which is a cross-stack token. */
  readonly kubernetesVersion: string;
  /** IRSA roles of the controllers the cluster stack creates (Cluster Autoscaler, AWS Load Balancer Controller). */
  readonly controllerRoles: ControllerRoles;
  /** The add-ons; installed in the order their `after`, `provides` and secrets call for, whatever the list's order. */
  readonly addOns: readonly AddOn[];
  /** The default StorageClass, when the platform creates one: releases with volumes wait for it and name it.
   * @default none (releases with volumes use the cluster's default StorageClass and wait for nothing)
   */
  readonly storageClass?: StorageClassV1;
  /** Karpenter's node settings, when `cluster.autoscaler` is karpenter. @default none (the Cluster Autoscaler) */
  readonly karpenter?: KarpenterNodeSettings;
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
export const RELEASE_SETTINGS = { atomic: true, cleanupOnFail: true, wait: true, maxHistory: 5, timeout: 600 } as const;

/** An enabled add-on with its context and what it declared about secrets. */
interface Install {
  readonly addOn: AddOn;
  readonly context: AddOnContext;
  readonly secrets: SecretDelivery[];
  readonly generated: GeneratedSecret[];
  readonly externalReads: ExternalRead[];
}

/**
 * Installs the enabled add-ons: for each, its namespace with Pod Security labels, the AWS resources it declares, its
 * Helm release (the user's values from config merged over the add-on's), the Secrets it needs through the add-on that
 * provides the secret store, and the objects of its CRDs, each ordered after what it needs.
 */
export class PlatformAddOns extends Construct {
  /** The Helm release of each enabled add-on. */
  readonly releases = new Map<AddOnName, Release>();
  readonly namespaces = new Map<string, NamespaceV1>();
  /** The platform's Secrets Manager secrets and each namespace's SecretStore (when an add-on provides the secret store). */
  readonly secretStores?: SecretStores;
  private readonly ready = new Map<AddOnName, ITerraformDependable[]>();
  /** The objects that deliver every add-on's secrets; what a release that needs secrets waits for. */
  private secretsRelease?: Release;
  private readonly manifestsChart: TerraformAsset;

  constructor(scope: Construct, id: string, props: PlatformAddOnsProps) {
    super(scope, id);
    const platform = props.environment.platform;
    this.manifestsChart = new TerraformAsset(this, "ManifestsChart", { path: manifestsChartDir(), type: AssetType.DIRECTORY });
    const installs = props.addOns
      .filter((addOn) => platform[addOn.name].enabled)
      .map((addOn) => ({ addOn, context: contextFor(addOn, props, AwsScope.of(this)) }))
      .filter(({ addOn, context }) => addOn.installedWhen?.(context) ?? true)
      .map(({ addOn, context }): Install => {
        this.namespaceFor(addOn.namespace, addOn.podSecurity);
        return {
          addOn,
          context,
          secrets: addOn.secrets?.(context) ?? [],
          generated: addOn.generatedSecrets?.(context) ?? [],
          externalReads: addOn.externalReads?.(context) ?? [],
        };
      });
    const secretStore = installs.find((install) => install.addOn.provides?.includes("secret-store"));
    if (secretStore) this.secretStores = this.secretStoresFor(installs, props);

    for (const install of installOrder(installs)) {
      const { addOn, context } = install;
      const dependsOn: ITerraformDependable[] = [
        this.namespaces.get(addOn.namespace) ?? [],
        props.storageClass ?? [],
        ...releasesAwaited(install, installs).flatMap((name) => this.ready.get(name) ?? []),
        needsSecrets(install) ? (this.secretsRelease ?? []) : [],
      ].flat();
      const scope = new Construct(this, `${addOn.name}Resources`);
      const buildContext: AddOnScope = { ...context, scope, irsaRole: irsaRoleFactory(scope, addOn, context, props) };
      const resources = addOn.resources?.(buildContext);
      const settings = platform[addOn.name];
      const release = new Release(this, addOn.name, {
        name: addOn.releaseName,
        namespace: addOn.namespace,
        repository: addOn.chart.repository,
        chart: addOn.chart.chart,
        version: settings.version ?? addOn.chart.version,
        values: [valuesYaml(mergeValues(addOn.values(context, resources), settings.values))],
        ...RELEASE_SETTINGS,
        ...(addOn.timeoutSeconds ? { timeout: addOn.timeoutSeconds } : {}),
        dependsOn,
      });
      this.releases.set(addOn.name, release);
      const ready: ITerraformDependable[] = [release];
      const objects = addOn.manifests?.(context, resources) ?? [];
      if (objects.length > 0) {
        ready.push(this.manifestsRelease(`${addOn.name}Manifests`, `${addOn.releaseName}-config`, addOn.namespace, objects, release));
      }
      if (install === secretStore) {
        // What every add-on's secrets need: the stores, the deliveries and the generators, after the store's CRDs.
        const secretObjects = [
          ...(this.secretStores?.objects() ?? []),
          ...installs.flatMap((each) => each.secrets).map(externalSecretObject),
          ...installs.flatMap((each) => each.generated).flatMap(generatedSecretObjects),
        ];
        this.secretsRelease = this.manifestsRelease("Secrets", "platform-secrets", addOn.namespace, secretObjects, release);
      }
      this.ready.set(addOn.name, ready);
      addOn.extend?.(buildContext, release, resources);
    }
  }

  /** The Secrets Manager containers every add-on's secrets need, and the SecretStore of each namespace reading them. */
  private secretStoresFor(installs: readonly Install[], props: PlatformAddOnsProps): SecretStores {
    const stores = new SecretStores(this, "SecretStores", {
      oidcProvider: props.cluster.oidcProvider,
      prefix: props.environment.prefix,
      production: props.environment.isProduction,
    });
    for (const delivery of installs.flatMap((install) => install.secrets)) {
      for (const item of delivery.data)
        stores.read(delivery.namespace, item.secretName, "user-supplied", `Read by ${delivery.namespace}/${delivery.name}; its value is yours to put`);
    }
    for (const secret of installs.flatMap((install) => install.generated))
      stores.write(secret.namespace, secret.secretName, `Generated by the platform for ${secret.namespace}/${secret.name} (copy of the Kubernetes Secret)`);
    for (const install of installs) {
      for (const read of install.externalReads) stores.read(install.addOn.namespace, read.secretName, "user-supplied", read.description);
    }
    stores.finish();
    return stores;
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
}

function needsSecrets(install: Install): boolean {
  return install.secrets.length + install.generated.length > 0;
}

function providersOf(capability: Capability, installs: readonly Install[]): AddOnName[] {
  return installs.filter((install) => install.addOn.provides?.includes(capability)).map((install) => install.addOn.name);
}

/**
 * The enabled add-ons whose releases (and CRD objects) a release waits for: those it names in `after`, and every
 * add-on whose admission webhooks would fail its Services and Pods while not running.
 */
function releasesAwaited(install: Install, installs: readonly Install[]): AddOnName[] {
  const { addOn } = install;
  const names = [...(addOn.after ?? []), ...(addOn.provides?.includes("admission-webhooks") ? [] : providersOf("admission-webhooks", installs))];
  const enabled = new Set(installs.map((other) => other.addOn.name));
  return [...new Set(names)].filter((name) => name !== addOn.name && enabled.has(name));
}

/** Everything an add-on must be installed after: the releases it awaits and, when it needs secrets, the secret store. */
function installedBefore(install: Install, installs: readonly Install[]): AddOnName[] {
  if (!needsSecrets(install)) return releasesAwaited(install, installs);
  const stores = providersOf("secret-store", installs);
  if (stores.length === 0) {
    throw new Error(`add-on ${install.addOn.name} needs secrets, so an add-on that provides the secret store (externalSecrets) must be enabled`);
  }
  return [...releasesAwaited(install, installs), ...stores];
}

/** The installs ordered so that each comes after everything it depends on (a stable topological sort of the list). */
function installOrder(installs: readonly Install[]): Install[] {
  const byName = new Map(installs.map((install) => [install.addOn.name, install]));
  const ordered: Install[] = [];
  const state = new Map<AddOnName, "visiting" | "done">();
  const visit = (install: Install, path: AddOnName[]) => {
    const name = install.addOn.name;
    if (state.get(name) === "done") return;
    if (state.get(name) === "visiting") throw new Error(`add-ons depend on each other in a cycle: ${[...path, name].join(" -> ")}`);
    state.set(name, "visiting");
    for (const dependency of installedBefore(install, installs)) visit(byName.get(dependency)!, [...path, name]);
    state.set(name, "done");
    ordered.push(install);
  };
  for (const install of installs) visit(install, []);
  return ordered;
}

/** What an add-on may know of its environment: the few facts add-ons read, never the whole config. */
export function environmentFacts(
  environment: EnvironmentConfig,
): Pick<
  AddOnContext,
  "prefix" | "vpcCidr" | "pools" | "application" | "gitopsRepoCredentialsSecret" | "recoveryRegion" | "production" | "platform" | "autoscaler"
> {
  const recovery = environment.database.disasterRecovery;
  return {
    prefix: environment.prefix,
    vpcCidr: environment.network.cidr,
    pools: { system: podPlacement(environment.cluster.nodeGroups.system), stateful: podPlacement(environment.cluster.nodeGroups.stateful) },
    application: environment.edge !== undefined,
    gitopsRepoCredentialsSecret: environment.edge?.gitops.repoCredentialsSecret,
    recoveryRegion: recovery.mode === "none" ? undefined : recovery.region,
    production: environment.isProduction,
    platform: environment.platform,
    autoscaler: environment.cluster.autoscaler,
  };
}

function contextFor(addOn: AddOn, props: PlatformAddOnsProps, location: AwsLocation): AddOnContext {
  const { environment } = props;
  return {
    ...environmentFacts(environment),
    cluster: props.cluster,
    location,
    kubernetesVersion: props.kubernetesVersion,
    settings: environment.platform[addOn.name],
    controllerRoles: props.controllerRoles,
    workloadIdentity: clusterWorkloadIdentity(location, props.cluster, environment.cluster),
    namespace: addOn.namespace,
    storageClassName: props.storageClass?.metadata.name,
    karpenter: props.karpenter,
  };
}

/**
 * Roles of an add-on's service accounts, in its scope and its namespace, with the cluster's workload identity. The
 * construct id stays `Irsa-<serviceAccount>` whichever identity, so switching updates each role in place. The Pod
 * Identity agent is the cluster layer's, applied before this stack.
 */
function irsaRoleFactory(scope: Construct, addOn: AddOn, context: AddOnContext, props: PlatformAddOnsProps): AddOnScope["irsaRole"] {
  return (serviceAccount, statements, managedPolicyArns) =>
    workloadRole(scope, `Irsa-${serviceAccount}`, context.workloadIdentity, {
      roleName: `${props.environment.prefix}-${serviceAccount}`,
      namespace: addOn.namespace,
      serviceAccount,
      statements,
      managedPolicyArns,
    });
}

/** Values as YAML, without line folding (which could split a cdktf token): `yaml.stringify(values, { lineWidth: 0 })`. */
export function valuesYaml(values: Values): string {
  return valuesToYaml(values);
}

function externalSecretObject(delivery: SecretDelivery): KubernetesObject {
  return {
    apiVersion: "external-secrets.io/v1",
    kind: "ExternalSecret",
    metadata: { name: delivery.name, namespace: delivery.namespace },
    spec: {
      refreshInterval: "1h",
      secretStoreRef: { kind: "SecretStore", name: SECRET_STORE },
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

const PASSWORD_GENERATOR = { apiVersion: "generators.external-secrets.io/v1alpha1", kind: "Password" } as const;

/**
 * A generated secret: a Password generator, an ExternalSecret that renders it into the Secret once (refreshInterval 0:
 * never regenerated, so the password stays what the workload was started with) and a PushSecret that copies the
 * Secret into its Secrets Manager container, where operators read it.
 */
function generatedSecretObjects(secret: GeneratedSecret): KubernetesObject[] {
  const metadata = { name: secret.name, namespace: secret.namespace };
  return [
    { ...PASSWORD_GENERATOR, metadata, spec: { length: 32, digits: 6, symbols: 0, noUpper: false, allowRepeat: true } },
    {
      apiVersion: "external-secrets.io/v1",
      kind: "ExternalSecret",
      metadata,
      spec: {
        refreshInterval: "0",
        target: { name: secret.name, creationPolicy: "Owner", template: { engineVersion: "v2", data: secret.data } },
        dataFrom: [{ sourceRef: { generatorRef: { ...PASSWORD_GENERATOR, name: secret.name } } }],
      },
    },
    {
      apiVersion: "external-secrets.io/v1alpha1",
      kind: "PushSecret",
      metadata,
      spec: {
        refreshInterval: "1h",
        // Deleting the PushSecret leaves the copy: it is the operators' record of the password in use.
        deletionPolicy: "None",
        secretStoreRefs: [{ kind: "SecretStore", name: SECRET_STORE }],
        selector: { secret: { name: secret.name } },
        data: [
          {
            match: { remoteRef: { remoteKey: secret.secretName } },
            // The provider puts SecretBinary unless told otherwise; people and `aws secretsmanager get-secret-value
            // --query SecretString` read a string.
            metadata: { apiVersion: "kubernetes.external-secrets.io/v1alpha1", kind: "PushSecretMetadata", spec: { secretPushFormat: "string" } },
          },
        ],
      },
    },
  ];
}
