import * as path from "path";
import { AddOn, mergeValues } from "../../constructs/addons/add-on";
import { argoCd } from "../../constructs/addons/argo-cd";
import { argocdImageUpdater } from "../../constructs/addons/argocd-image-updater";
import { PLATFORM_ADD_ONS } from "../../constructs/addons/catalog";
import { clusterAutoscalerImageTag } from "../../constructs/addons/cluster-autoscaler";
import { manifestsChartDir, PlatformAddOns } from "../../constructs/addons/platform-add-ons";
import { IrsaRole } from "../../constructs/iam/irsa-role";
import { TEST_LOCATION, testEnvironment, testStack } from "../support/environments";
import { FAKE_OIDC_ISSUER } from "../support/platform";

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

  test("an add-on listed before one it must follow is refused", () => {
    const stack = testStack(TEST_LOCATION, "contract");
    const oidcProvider = { arn: `arn:aws:iam::123456789012:oidc-provider/${FAKE_OIDC_ISSUER}`, issuer: FAKE_OIDC_ISSUER };
    const role = (id: string) => new IrsaRole(stack, id, { oidcProvider, roleName: id, namespace: "kube-system", serviceAccount: id });
    const build = (addOns: AddOn[]) =>
      new PlatformAddOns(stack, `AddOns${addOns.length}`, {
        environment: testEnvironment(),
        account: { accountId: "123456789012", region: "eu-central-1", partition: "aws" },
        cluster: {
          name: "shop-test",
          endpoint: "https://example",
          certificateAuthorityData: "Q0E=",
          oidcProvider,
          nodeSecurityGroupId: "sg-1",
          kubernetesVersion: "1.33",
          region: "eu-central-1",
          vpcId: "vpc-1",
        },
        kubernetesVersion: "1.33",
        controllerRoles: { clusterAutoscaler: role("ca"), awsLoadBalancerController: role("lbc") },
        addOns,
      });
    expect(() => build([argocdImageUpdater, argoCd])).toThrow("add-on argocdImageUpdater must come after argoCd in the add-on list");
  });

  test("the autoscaler's image follows the cluster's minor and refuses anything else", () => {
    expect(clusterAutoscalerImageTag("1.31")).toBe("v1.31.0");
    expect(() => clusterAutoscalerImageTag("1.33.2")).toThrow('kubernetesVersion "1.33.2" is not a Kubernetes minor such as "1.33"');
  });
});

describe("the platform-manifests chart", () => {
  test("is found from the sources and from the build output alike", () => {
    const root = path.resolve(__dirname, "..", "..");
    expect(manifestsChartDir()).toBe(`${root}/charts/platform-manifests`);
    expect(manifestsChartDir(`${root}/dist/constructs/addons`)).toBe(`${root}/charts/platform-manifests`);
    expect(() => manifestsChartDir("/")).toThrow("charts/platform-manifests not found in / or any folder above it");
  });
});
