import * as fs from "fs";
import * as path from "path";
import { parseDocument } from "yaml";
import { EnvironmentConfig, validateEnvironment } from "../../../config";
import { instanceMemoryGiB, instanceVcpus } from "../../../constructs/addons/karpenter";
import { podPlacement } from "../../../constructs/cluster/node-group";
import { SHIPPED_CONFIG_DIR, shippedEnvironments, tier } from "../../support/environments";
import { Json, synthPlatform } from "../../support/platform";

/** An environment from its own file with `cluster.autoscaler: karpenter` (the shipped file when it already says so). */
function withKarpenter(environment: EnvironmentConfig): EnvironmentConfig {
  if (environment.cluster.autoscaler === "karpenter") return environment;
  const file = path.join(SHIPPED_CONFIG_DIR, `${environment.name}.yaml`);
  const document = parseDocument(fs.readFileSync(file, "utf8"));
  document.setIn(["cluster", "autoscaler"], "karpenter");
  const result = validateEnvironment(environment.name, file, document.toJSON());
  if ("problems" in result) throw new Error(result.problems.map((problem) => `${problem.location}: ${problem.message}`).join("\n"));
  return result.environment;
}

describe("the shipped environments", () => {
  it("include one with Karpenter, so its path is synthesized, planned and contract-checked", () => {
    expect(shippedEnvironments().some((environment) => environment.cluster.autoscaler === "karpenter")).toBe(true);
  });
});

describe.each([
  ["production", withKarpenter(tier.production)],
  ["non-production", withKarpenter(shippedEnvironments().find((environment) => !environment.isProduction)!)],
])("Karpenter in a %s environment", (_kind, environment) => {
  const platform = synthPlatform(environment);
  const values = platform.values("karpenter");
  const objects = platform.manifests("karpenter-config");
  const object = (kind: string, name: string) => objects.find((candidate) => candidate.kind === kind && candidate.metadata.name === name)!;
  const { nodeGroups } = environment.cluster;

  it("installs the pinned chart from its OCI registry, and no Cluster Autoscaler", () => {
    expect(platform.release("karpenter")).toMatchObject({ chart: "karpenter", repository: "oci://public.ecr.aws/karpenter", version: "1.14.1" });
    expect(Object.keys(platform.releases)).not.toContain("cluster-autoscaler");
  });

  it("runs the controller on the system node group and never on a node Karpenter manages", () => {
    expect(values.nodeSelector).toMatchObject(podPlacement(nodeGroups.system).nodeSelector);
    expect(values.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms).toEqual([
      { matchExpressions: [{ key: "karpenter.sh/nodepool", operator: "DoesNotExist" }] },
    ]);
  });

  it(`runs ${environment.isProduction ? "two replicas" : "one replica"} with the chart's PodDisruptionBudget`, () => {
    expect(values.replicas).toBe(environment.isProduction ? 2 : 1);
    expect(values.podDisruptionBudget).toEqual({ name: "karpenter", maxUnavailable: 1 });
  });

  it("names the cluster and the interruption queue, and uses the controller's role", () => {
    expect(values.settings).toEqual({ clusterName: environment.prefix, interruptionQueue: `${environment.prefix}-karpenter-interruptions` });
    // IRSA annotates the service account; Pod Identity binds it by association and must not annotate it.
    if (environment.cluster.workloadIdentity === "pod-identity") expect(values.serviceAccount.annotations).toEqual({});
    else expect(values.serviceAccount.annotations["eks.amazonaws.com/role-arn"]).toMatch(/aws_iam_role|arn:aws/);
  });

  it("gives the stateful NodePool on-demand capacity with the stateful group's labels and taints", () => {
    const pool = object("NodePool", "stateful");
    const template = pool.spec.template;
    expect(template.metadata.labels).toMatchObject(podPlacement(nodeGroups.stateful).nodeSelector);
    expect(template.spec.taints).toEqual(podPlacement(nodeGroups.stateful).tolerations.map(({ key, value, effect }) => ({ key, value, effect })));
    expect(template.spec.requirements).toContainEqual({ key: "karpenter.sh/capacity-type", operator: "In", values: ["on-demand"] });
    expect(pool.spec.disruption).toMatchObject({ consolidationPolicy: "WhenEmpty" });
  });

  it("gives the stateless NodePool spot with on-demand fallback over the configured families, and its group's taints", () => {
    const pool = object("NodePool", "stateless");
    const requirements: Json[] = pool.spec.template.spec.requirements;
    expect(requirements).toContainEqual({ key: "karpenter.sh/capacity-type", operator: "In", values: ["spot", "on-demand"] });
    const families = requirements.find((requirement) => requirement.key === "karpenter.k8s.aws/instance-family")!.values;
    expect([...families].sort()).toEqual([...new Set(nodeGroups.stateless.instanceTypes.map((type) => type.split(".")[0]))].sort());
    expect(pool.spec.template.metadata.labels).toMatchObject(nodeGroups.stateless.labels);
    expect(pool.spec.disruption).toMatchObject({ consolidationPolicy: "WhenEmptyOrUnderutilized" });
    expect(pool.spec.disruption.budgets[0]).toEqual({ nodes: "10%" });
  });

  it(`${environment.isProduction ? "stops" : "does not stop"} consolidation of underutilized nodes during business hours`, () => {
    const frozen = (object("NodePool", "stateless").spec.disruption.budgets as Json[]).filter((budget) => budget.nodes === "0");
    expect(frozen).toEqual(environment.isProduction ? [{ nodes: "0", reasons: ["Underutilized"], schedule: "0 8 * * mon-fri", duration: "10h" }] : []);
  });

  it("limits each NodePool to what its node group could reach at its largest configured type", () => {
    for (const name of ["stateful", "stateless"] as const) {
      const group = nodeGroups[name];
      const nodes = group.maxSize * (group.oneGroupPerAz ? environment.network.availabilityZones.length : 1);
      expect(object("NodePool", name).spec.limits).toEqual({
        cpu: String(nodes * Math.max(...group.instanceTypes.map(instanceVcpus))),
        memory: `${nodes * Math.max(...group.instanceTypes.map(instanceMemoryGiB))}Gi`,
      });
    }
  });

  it("boots a pinned AL2023 release with IMDSv2 only, encrypted gp3 root volumes and the discovery tags", () => {
    for (const name of ["stateful", "stateless"] as const) {
      const spec = object("EC2NodeClass", name).spec;
      expect(spec.amiSelectorTerms).toEqual([{ alias: `al2023@${environment.cluster.karpenter.amiRelease}` }]);
      expect(spec.amiSelectorTerms[0].alias).not.toMatch(/@latest$/);
      expect(spec.metadataOptions).toMatchObject({ httpTokens: "required", httpPutResponseHopLimit: 1 });
      expect(spec.blockDeviceMappings[0]).toMatchObject({
        rootVolume: true,
        ebs: { volumeType: "gp3", encrypted: true, volumeSize: `${nodeGroups[name].diskSizeGiB}Gi` },
      });
      expect(spec.blockDeviceMappings[0].ebs.kmsKeyID).toBeTruthy();
      expect(spec.instanceProfile).toBe(`${environment.prefix}-karpenter-nodes`);
      expect(spec.subnetSelectorTerms).toEqual([{ tags: { "karpenter.sh/discovery": environment.prefix } }]);
      expect(spec.securityGroupSelectorTerms).toEqual([{ tags: { "karpenter.sh/discovery": environment.prefix } }]);
      expect(spec.tags).toMatchObject({ environment: environment.name, project: environment.project });
    }
  });

  it("applies the NodePools and EC2NodeClasses after the release that installs their CRDs", () => {
    expect(platform.waitsFor("karpenter-config", "helm_release.AddOns_karpenter")).toBe(true);
  });
});

describe("instance shapes", () => {
  it("follow EC2's sizes and the categories' memory per vCPU", () => {
    expect([instanceVcpus("m7i.large"), instanceVcpus("m7i.xlarge"), instanceVcpus("r7i.4xlarge")]).toEqual([2, 4, 16]);
    expect([instanceMemoryGiB("m7i.xlarge"), instanceMemoryGiB("r7i.xlarge"), instanceMemoryGiB("c7i.large")]).toEqual([16, 32, 4]);
  });
});
