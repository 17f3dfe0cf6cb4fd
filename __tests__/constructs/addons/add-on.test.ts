import * as fs from "fs";
import * as path from "path";
import { Construct } from "constructs";
import { AddOn, AddOnScope, mergeValues, RESTRICTED_CONTAINER, restrictedPod } from "../../../constructs/addons/add-on";
import { argoCd } from "../../../constructs/addons/argo-cd";
import { argocdImageUpdater } from "../../../constructs/addons/argocd-image-updater";
import { PLATFORM_ADD_ONS } from "../../../constructs/addons/catalog";
import { clusterAutoscalerImageTag } from "../../../constructs/addons/cluster-autoscaler";
import { externalSecrets } from "../../../constructs/addons/external-secrets";
import { environmentFacts, manifestsChartDir, PlatformAddOns } from "../../../constructs/addons/platform-add-ons";
import { ClusterRef } from "../../../constructs/cluster/cluster-ref";
import { AwsScope } from "../../../constructs/core/aws-scope";
import { IrsaRole } from "../../../constructs/iam/irsa-role";
import { EnvironmentConfig } from "../../../config";
import { TEST_LOCATION, testEnvironment, testStack } from "../../support/environments";
import { FAKE_OIDC_ISSUER, Json, SynthesizedPlatform } from "../../support/platform";
import { synthStack } from "../../support/synth";

const oidcProvider = { arn: `arn:aws:iam::123456789012:oidc-provider/${FAKE_OIDC_ISSUER}`, issuer: FAKE_OIDC_ISSUER };
const cluster: ClusterRef = {
  name: "shop-test",
  endpoint: "https://example",
  certificateAuthorityData: "Q0E=",
  oidcProvider,
  nodeSecurityGroup: { id: "sg-1" },
  kubernetesVersion: "1.33",
  region: "eu-central-1",
  vpcId: "vpc-1",
};

/** The installer over `addOns` in a bare stack of its own. */
function install(addOns: readonly AddOn[], environment: EnvironmentConfig = testEnvironment()) {
  const stack = testStack(TEST_LOCATION, "contract");
  const role = (id: string) => new IrsaRole(stack, id, { oidcProvider, roleName: id, namespace: "kube-system", serviceAccount: id });
  new PlatformAddOns(stack, "AddOns", {
    environment,
    cluster,
    kubernetesVersion: "1.33",
    controllerRoles: { clusterAutoscaler: role("ca"), awsLoadBalancerController: role("lbc") },
    addOns,
  });
  return new SynthesizedPlatform(synthStack(stack));
}

/** Every add-on on, each with what it needs, so every hook of every add-on runs. */
const everything = testEnvironment({
  platform: {
    certManager: { enabled: true, acmeEmail: "ops@shop.example.com", hostedZoneIds: ["Z0TEST000000000000001"] },
    externalDns: { enabled: true, hostedZoneIds: ["Z0TEST000000000000001"], domainFilters: ["shop.example.com"] },
    elasticsearch: { enabled: true },
    vault: { enabled: true },
    argoCd: { hostname: "argocd.shop.example.com", hostedZoneId: "Z0TEST000000000000001", access: { mode: "public", allowedCidrs: ["203.0.113.0/24"] } },
  },
});

describe("the add-on contract", () => {
  test("user values merge over the add-on's: maps key by key, lists and scalars replaced, the user wins", () => {
    const ours = { replicas: 2, resources: { requests: { cpu: "50m", memory: "64Mi" } }, args: ["--a", "--b"] };
    const theirs = { resources: { requests: { cpu: "1" } }, args: ["--c"], extra: { x: 1 } };
    expect(mergeValues(ours, theirs)).toEqual({
      replicas: 2,
      resources: { requests: { cpu: "1", memory: "64Mi" } },
      args: ["--c"],
      extra: { x: 1 },
    });
    expect(ours.resources.requests.cpu).toBe("50m");
  });

  test("every add-on of the catalog has a config key, a pinned chart and a reason for any relaxed Pod Security", () => {
    const environment = testEnvironment();
    for (const addOn of PLATFORM_ADD_ONS) {
      expect(environment.platform[addOn.name]).toBeDefined();
      expect(addOn.chart.version).toMatch(/^v?\d+\.\d+\.\d+$/);
      if (addOn.podSecurity.level !== "restricted") expect(addOn.podSecurity.reason.length).toBeGreaterThan(20);
    }
  });

  test("add-ons see a narrow context: no add-on module imports the environment config, only the platform section's types", () => {
    const folder = path.join(__dirname, "../../../constructs/addons");
    const offenders = fs
      .readdirSync(folder)
      .filter((file) => file.endsWith(".ts") && file !== "platform-add-ons.ts")
      .flatMap((file) =>
        [...fs.readFileSync(path.join(folder, file), "utf8").matchAll(/from "(\.\.\/\.\.\/config[^"]*)"/g)]
          .map((match) => match[1])
          .filter((source) => source !== "../../config/schema/platform")
          .map((source) => `${file}: ${source}`),
      );
    expect(offenders).toEqual([]);
  });

  test("values() and manifests() build nothing: every Terraform resource of an add-on comes from resources() or extend()", () => {
    const stack = testStack(TEST_LOCATION, "purity");
    const role = (id: string) => new IrsaRole(stack, id, { oidcProvider, roleName: id, namespace: "kube-system", serviceAccount: id });
    const controllerRoles = { clusterAutoscaler: role("ca"), awsLoadBalancerController: role("lbc"), karpenter: role("karpenter-controller") };
    // What the karpenter add-on reads when it is the environment's autoscaler (the platform stack maps it from config).
    const pool = {
      instanceTypes: ["m7i.large"],
      desiredSize: 1,
      maxSize: 3,
      oneGroupPerAz: false,
      diskSizeGiB: 50,
      labels: {},
      taints: [],
      architecture: "amd64" as const,
    };
    const karpenter = {
      discoveryTag: "shop-test",
      instanceProfile: "shop-test-karpenter-nodes",
      interruptionQueue: "shop-test-karpenter-interruptions",
      volumeKeyArn: "arn:aws:kms:eu-central-1:123456789012:key/example",
      amiAlias: "al2023@v20260120",
      zones: ["eu-central-1a"],
      tags: {},
      pools: { stateful: pool, stateless: pool },
    };
    const constructs = () => stack.node.findAll().length;
    for (const addOn of PLATFORM_ADD_ONS) {
      const scope = new Construct(stack, addOn.name);
      const context: AddOnScope = {
        ...environmentFacts(everything),
        cluster,
        location: AwsScope.of(scope),
        kubernetesVersion: "1.33",
        production: false,
        settings: everything.platform[addOn.name],
        controllerRoles,
        workloadIdentity: { identity: "irsa", oidcProvider, cluster: { name: "shop-test", arn: "arn:aws:eks:eu-central-1:123456789012:cluster/shop-test" } },
        namespace: addOn.namespace,
        storageClassName: "gp3",
        karpenter,
        scope,
        irsaRole: (serviceAccount, statements) =>
          new IrsaRole(scope, serviceAccount, { oidcProvider, roleName: serviceAccount, namespace: addOn.namespace, serviceAccount, statements }),
      };
      const resources = addOn.resources?.(context);
      const before = constructs();
      // Twice, as a reader of an add-on's values (a test, a contract check) may call them again.
      for (let call = 0; call < 2; call++) {
        expect(addOn.values(context, resources)).toBeDefined();
        addOn.manifests?.(context, resources);
      }
      expect({ addOn: addOn.name, constructs: constructs() }).toEqual({ addOn: addOn.name, constructs: before });
    }
  });

  test("the shared security context is what the restricted Pod Security level asks of a container, with a read-only root", () => {
    expect(RESTRICTED_CONTAINER).toEqual({
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      runAsNonRoot: true,
      capabilities: { drop: ["ALL"] },
      seccompProfile: { type: "RuntimeDefault" },
    });
    expect(restrictedPod(100, 1000)).toEqual({ runAsNonRoot: true, runAsUser: 100, runAsGroup: 1000, seccompProfile: { type: "RuntimeDefault" } });
  });

  test("the autoscaler's image follows the cluster's minor and refuses anything else", () => {
    expect(clusterAutoscalerImageTag("1.31")).toBe("v1.31.0");
    expect(() => clusterAutoscalerImageTag("1.33.2")).toThrow('kubernetesVersion "1.33.2" is not a Kubernetes minor such as "1.33"');
  });
});

describe("the installer", () => {
  test("installs in the order add-ons need, not the order of the list", () => {
    const platform = install([argocdImageUpdater, argoCd]);
    expect(platform.waitsFor("argocd-image-updater", "helm_release.AddOns_argoCd_")).toBe(true);
    expect(platform.waitsFor("argo-cd", "helm_release.AddOns_argocdImageUpdater_")).toBe(false);
  });

  test("refuses add-ons that wait for each other", () => {
    const first = { ...argoCd, after: ["argocdImageUpdater"] } as AddOn;
    expect(() => install([first, argocdImageUpdater])).toThrow("add-ons depend on each other in a cycle: argoCd -> argocdImageUpdater -> argoCd");
  });

  test("an add-on that needs secrets without one that provides the secret store is refused", () => {
    const withSso = testEnvironment({
      platform: {
        argoCd: {
          sso: { issuer: "https://login.shop.example.com", clientId: "argocd", clientSecretName: "shop-test/argocd/oidc", groups: { admin: ["ops"] } },
        },
      },
    });
    expect(() => install([argoCd], withSso)).toThrow(
      "add-on argoCd needs secrets, so an add-on that provides the secret store (externalSecrets) must be enabled",
    );
    const platform = install([argoCd, externalSecrets], withSso);
    expect(platform.waitsFor("argo-cd", "helm_release.AddOns_Secrets_")).toBe(true);
    expect(platform.waitsFor("platform-secrets", "helm_release.AddOns_externalSecrets_")).toBe(true);
  });

  test("whatever declares admission webhooks is waited for by every other release, whatever its name", () => {
    const webhooks = { ...externalSecrets, provides: ["admission-webhooks"] } as AddOn;
    const platform = install([argoCd, webhooks]);
    expect(platform.waitsFor("argo-cd", "helm_release.AddOns_externalSecrets_")).toBe(true);
    expect(platform.waitsFor("external-secrets", "helm_release.AddOns_argoCd_")).toBe(false);
    // No add-on there provides the secret store: no stores, no secrets release.
    expect(platform.releases["platform-secrets"]).toBeUndefined();
  });

  test("a release without a timeout of its own waits 10 minutes; kube-prometheus-stack, slow to start, 15", () => {
    const platform = install(PLATFORM_ADD_ONS);
    const timeouts: Json = Object.fromEntries(Object.values(platform.releases).map((release) => [release.name, release.timeout]));
    expect(timeouts).toMatchObject({ "argo-cd": 600, "external-secrets": 600, "kube-prometheus-stack": 900, "platform-secrets": 300 });
  });
});

describe("the platform-manifests chart", () => {
  test("is found from the sources and from the build output alike", () => {
    const root = path.resolve(__dirname, "..", "..", "..");
    expect(manifestsChartDir()).toBe(`${root}/charts/platform-manifests`);
    expect(manifestsChartDir(`${root}/dist/constructs/addons`)).toBe(`${root}/charts/platform-manifests`);
    expect(() => manifestsChartDir("/")).toThrow("charts/platform-manifests not found in / or any folder above it");
  });
});
