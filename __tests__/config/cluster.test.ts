import { validateEnvironment } from "../../config";
import { environmentInput, shippedEnvironments, testEnvironment } from "../support/environments";

type Overrides = Parameters<typeof environmentInput>[0];

/** The one-line problems of an input, as `<location>: <message>`. */
function problemsOf(overrides: Overrides): string[] {
  const result = validateEnvironment("test", "config/test.yaml", environmentInput(overrides));
  return "problems" in result ? result.problems.map((problem) => `${problem.location}: ${problem.message}`) : [];
}

function expectProblem(overrides: Overrides, location: string, fragment: string): void {
  const problems = problemsOf(overrides);
  expect(problems).toContainEqual(expect.stringContaining(`${location}: `));
  expect(problems.find((problem) => problem.startsWith(`${location}: `))).toContain(fragment);
}

describe("cluster config", () => {
  it("gives an environment without a cluster section a private 1.35 cluster with pinned add-ons and three node groups", () => {
    const { cluster } = testEnvironment();
    expect(cluster.version).toBe("1.35");
    expect(cluster.endpoint).toEqual({ publicAccess: false, publicAccessCidrs: [], privateAccessCidrs: [] });
    // The EKS builds published for Kubernetes 1.35 (aws eks describe-addon-versions --kubernetes-version 1.35).
    expect(cluster.addons).toEqual({
      vpcCni: "v1.21.1-eksbuild.7",
      coredns: "v1.13.2-eksbuild.4",
      kubeProxy: "v1.35.3-eksbuild.2",
      ebsCsiDriver: "v1.54.0-eksbuild.1",
      podIdentityAgent: "v1.3.10-eksbuild.1",
      snapshotController: "v8.2.0-eksbuild.1",
    });
    expect(cluster.nodeGroups.system.capacityType).toBe("ON_DEMAND");
    expect(cluster.nodeGroups.stateful.capacityType).toBe("ON_DEMAND");
    expect(cluster.nodeGroups.stateless.capacityType).toBe("SPOT");
    expect(cluster.nodeGroups.stateless.instanceTypes.length).toBeGreaterThanOrEqual(3);
  });

  it("ships dev, staging and prod with spot stateless groups of at least three instance types and dev smallest", () => {
    const byName = Object.fromEntries(shippedEnvironments().map((environment) => [environment.name, environment.cluster]));
    for (const cluster of Object.values(byName)) {
      expect(cluster.nodeGroups.stateless.capacityType).toBe("SPOT");
      expect(cluster.nodeGroups.stateless.instanceTypes.length).toBeGreaterThanOrEqual(3);
      expect(cluster.endpoint.publicAccess).toBe(false);
    }
    expect(byName.dev.nodeGroups.stateless.maxSize).toBeLessThan(byName.prod.nodeGroups.stateless.maxSize);
    expect(byName.dev.nodeGroups.system.minSize).toBeLessThan(byName.prod.nodeGroups.system.minSize);
  });

  it("refuses a desired size outside min and max with one line naming the group", () => {
    const problems = problemsOf({ cluster: { nodeGroups: { stateless: { minSize: 2, desiredSize: 1, maxSize: 5 } } } });
    expect(problems).toEqual(["cluster.nodeGroups.stateless.desiredSize: needs minSize ≤ desiredSize ≤ maxSize, got 2 ≤ 1 ≤ 5"]);
    expectProblem(
      { cluster: { nodeGroups: { system: { minSize: 1, desiredSize: 4, maxSize: 3 } } } },
      "cluster.nodeGroups.system.desiredSize",
      "got 1 ≤ 4 ≤ 3",
    );
  });

  it("refuses an on-demand stateless group and a stateless group with fewer than three instance types", () => {
    expectProblem({ cluster: { nodeGroups: { stateless: { capacityType: "ON_DEMAND" } } } }, "cluster.nodeGroups.stateless.capacityType", "must be SPOT");
    expectProblem(
      { cluster: { nodeGroups: { stateless: { instanceTypes: ["m7i.large", "m6i.large"] } } } },
      "cluster.nodeGroups.stateless.instanceTypes",
      "needs at least 3 instance types",
    );
  });

  it("refuses spot capacity for the system and stateful groups", () => {
    expectProblem({ cluster: { nodeGroups: { stateful: { capacityType: "SPOT" } } } }, "cluster.nodeGroups.stateful.capacityType", "must be ON_DEMAND");
    expectProblem({ cluster: { nodeGroups: { system: { capacityType: "SPOT" } } } }, "cluster.nodeGroups.system.capacityType", "must be ON_DEMAND");
  });

  it("refuses a group that mixes Graviton and x86 instance types", () => {
    expectProblem(
      { cluster: { nodeGroups: { stateless: { instanceTypes: ["m7g.large", "m7i.large", "m6i.large"] } } } },
      "cluster.nodeGroups.stateless.instanceTypes",
      "mixes Graviton (m7g.large) and x86",
    );
  });

  it("refuses a public endpoint open to 0.0.0.0/0 in production but allows it in development", () => {
    const open = { cluster: { endpoint: { publicAccess: true, publicAccessCidrs: ["0.0.0.0/0"] } } };
    expectProblem(open, "cluster.endpoint.publicAccessCidrs[0]", "opens the API endpoint to the whole internet");
    expect(problemsOf({ ...open, tier: "development" })).toEqual([]);
  });

  it("refuses a public endpoint without CIDRs, and CIDRs without a public endpoint", () => {
    expectProblem({ cluster: { endpoint: { publicAccess: true } } }, "cluster.endpoint.publicAccessCidrs", "must list the networks");
    expectProblem(
      { cluster: { endpoint: { publicAccessCidrs: ["203.0.113.0/24"] } } },
      "cluster.endpoint.publicAccessCidrs",
      "has no effect while publicAccess is false",
    );
  });

  it("refuses an admin principal that is not an IAM role or user ARN", () => {
    expectProblem({ cluster: { adminPrincipals: ["platform-admins"] } }, "cluster.adminPrincipals[0]", "must be an IAM role or user ARN");
    expect(problemsOf({ cluster: { adminPrincipals: ["arn:aws:iam::123456789012:role/team/platform-admins"] } })).toEqual([]);
  });

  it("refuses an add-on version that is not an exact EKS build", () => {
    expectProblem({ cluster: { addons: { vpcCni: "latest" } } }, "cluster.addons.vpcCni", "exact EKS add-on version");
  });

  describe("upgrading Kubernetes past the pinned minor", () => {
    const { cluster } = testEnvironment();
    const next = `1.${Number(cluster.version.split(".")[1]) + 1}`;
    /** A build of each add-on other than the default one, kube-proxy's for the next minor. */
    const nextBuilds = {
      vpcCni: "v1.99.0-eksbuild.1",
      coredns: "v1.99.0-eksbuild.1",
      kubeProxy: `v${next}.0-eksbuild.1`,
      ebsCsiDriver: "v1.99.0-eksbuild.1",
      podIdentityAgent: "v1.99.0-eksbuild.1",
      snapshotController: "v8.99.0-eksbuild.1",
    };

    it("accepts the next minor once every add-on and the Cluster Autoscaler chart are overridden", () => {
      expect(problemsOf({ cluster: { version: next, addons: nextBuilds }, platform: { clusterAutoscaler: { version: "9.99.0" } } })).toEqual([]);
      // Without the autoscaler there is no chart pin to override.
      expect(problemsOf({ cluster: { version: next, addons: nextBuilds }, platform: { clusterAutoscaler: { enabled: false } } })).toEqual([]);
    });

    it("refuses it otherwise in one line naming every pin still to override", () => {
      const problems = problemsOf({ cluster: { version: next, addons: { kubeProxy: nextBuilds.kubeProxy, vpcCni: nextBuilds.vpcCni } } });
      expect(problems).toEqual([
        `cluster.version: "${next}" is newer than the ${cluster.version} the pinned add-ons and charts are built for: give ${next} builds for cluster.addons.coredns, cluster.addons.ebsCsiDriver, cluster.addons.podIdentityAgent, cluster.addons.snapshotController, platform.clusterAutoscaler.version (docs/cluster.md, "Upgrading Kubernetes")`,
      ]);
    });

    it("still refuses a kube-proxy build of another minor", () => {
      expectProblem(
        { cluster: { version: next, addons: { ...nextBuilds, kubeProxy: "v1.20.0-eksbuild.1" } }, platform: { clusterAutoscaler: { version: "9.99.0" } } },
        "cluster.addons.kubeProxy",
        "is the kube-proxy build for 1.20",
      );
    });
  });

  it("refuses a Kubernetes version given as a YAML number or without a minor", () => {
    expectProblem({ cluster: { version: "1" } }, "cluster.version", "Kubernetes minor version in quotes");
  });

  it("refuses a taint with an unknown effect and an unknown node group", () => {
    expectProblem(
      { cluster: { nodeGroups: { stateful: { taints: [{ key: "workload", value: "stateful", effect: "NoSchedule" as never }] } } } },
      "cluster.nodeGroups.stateful.taints[0].effect",
      "NO_SCHEDULE",
    );
    expectProblem({ cluster: { nodeGroups: { gpu: {} } as never } }, "cluster.nodeGroups.gpu", "unknown key");
  });

  it("uses IRSA unless an environment chooses EKS Pod Identity", () => {
    expect(testEnvironment().cluster.workloadIdentity).toBe("irsa");
    expect(testEnvironment({ cluster: { workloadIdentity: "pod-identity" } }).cluster).toMatchObject({
      workloadIdentity: "pod-identity",
      keepIrsaTrust: false,
    });
  });

  it("refuses another workload identity in one line naming the allowed ones", () => {
    const [problem] = problemsOf({ cluster: { workloadIdentity: "kiam" as never } });
    expect(problem).toMatch(/^cluster\.workloadIdentity: /);
    expect(problem).toContain('"irsa"');
    expect(problem).toContain('"pod-identity"');
    expect(problem).not.toContain("\n");
  });

  it("refuses the IRSA bridge of a switch to Pod Identity in an environment that stays on IRSA", () => {
    expect(problemsOf({ cluster: { keepIrsaTrust: true } })).toEqual([
      "cluster.keepIrsaTrust: bridges a switch to pod-identity and has no effect with workloadIdentity irsa; remove it or set workloadIdentity: pod-identity",
    ]);
    expect(problemsOf({ cluster: { workloadIdentity: "pod-identity", keepIrsaTrust: true } })).toEqual([]);
  });
});

describe("cluster.autoscaler", () => {
  it("defaults to the Cluster Autoscaler, with Karpenter's AMI release pinned for when it is chosen", () => {
    const { cluster } = testEnvironment();
    expect(cluster.autoscaler).toBe("cluster-autoscaler");
    expect(cluster.karpenter.amiRelease).toMatch(/^v\d{8}$/);
    expect(cluster.karpenter.keepNodeGroups).toBe(false);
  });

  it("accepts karpenter and refuses anything else in one line naming the allowed values", () => {
    expect(problemsOf({ cluster: { autoscaler: "karpenter" } })).toEqual([]);
    const problems = problemsOf({ cluster: { autoscaler: "kapenter" as never } });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^cluster\.autoscaler: .*cluster-autoscaler.*karpenter/);
    expect(problems[0]).not.toContain("\n");
  });

  it("refuses an AMI alias that is not a pinned release (no @latest)", () => {
    expectProblem({ cluster: { autoscaler: "karpenter", karpenter: { amiRelease: "latest" } } }, "cluster.karpenter.amiRelease", "v20260120");
  });

  it("refuses keepNodeGroups without Karpenter, where it would mean nothing", () => {
    expect(problemsOf({ cluster: { karpenter: { keepNodeGroups: true } } })).toEqual([
      "cluster.karpenter.keepNodeGroups: has no effect while autoscaler is cluster-autoscaler (the node groups exist anyway); remove it or set autoscaler: karpenter",
    ]);
  });

  it("refuses Karpenter chosen with its add-on switched off: nothing would launch the stateful and stateless nodes", () => {
    expect(problemsOf({ cluster: { autoscaler: "karpenter" }, platform: { karpenter: { enabled: false } } })).toEqual([
      "platform.karpenter.enabled: must be true while cluster.autoscaler is karpenter: nothing else would launch the stateful and stateless nodes",
    ]);
  });

  it("names Karpenter's AMI release among the pins a newer Kubernetes minor must override", () => {
    const problems = problemsOf({ cluster: { version: "1.36", autoscaler: "karpenter" } });
    expect(problems.find((problem) => problem.startsWith("cluster.version: "))).toContain("cluster.karpenter.amiRelease");
    expect(problems.find((problem) => problem.startsWith("cluster.version: "))).not.toContain("platform.clusterAutoscaler.version");
  });
});
