import { App } from "cdktf";
import { EnvironmentConfig } from "../../config";
import { ClusterStack } from "../../stacks/cluster-stack";
import { NetworkStack } from "../../stacks/network-stack";
import { hasPipelines, shippedEnvironment, testApp, testEnvironment, tier } from "../support/environments";
import { countOf, onlyResource, policyOf, resourcesOf, synthStack, SynthesizedStack } from "../support/synth";

function synthCluster(environment: EnvironmentConfig, app: App = testApp()): { stack: ClusterStack; synthesized: SynthesizedStack } {
  const network = new NetworkStack(app, environment);
  const stack = new ClusterStack(app, environment, { network: network.network });
  return { stack, synthesized: synthStack(stack) };
}

type Resource = Record<string, unknown>;

/** A policy whose text holds Terraform expressions (the OIDC issuer is only known after apply), with them blanked. */
function templatedPolicyOf(resource: Resource, attribute: string): { Statement: Resource[] } {
  return JSON.parse((resource[attribute] as string).replace(/\$\{[^}]*\}/g, "ISSUER")) as { Statement: Resource[] };
}
const zoneOf = (subnetId: string) => subnetId.match(/PrivateSubnet-([a-z0-9-]+?)_/)![1];

describe.each([tier.development.name, tier.staging.name, tier.production.name])("ClusterStack (%s)", (name) => {
  const environment = shippedEnvironment(name);
  const { stack, synthesized } = synthCluster(environment);
  const nodeGroups = Object.values(resourcesOf(synthesized, "aws_eks_node_group"));
  const byPool = (pool: string) => nodeGroups.filter((group) => (group.labels as Record<string, string>).workload === pool);

  // With Karpenter only the system pool is a managed node group; Karpenter's NodePools replace the others.
  const managedPools = environment.cluster.autoscaler === "karpenter" ? ["system"] : ["system", "stateful", "stateless"];

  it("spreads every managed node pool over every AZ of the environment", () => {
    for (const pool of managedPools) {
      const zones = byPool(pool).flatMap((group) => (group.subnet_ids as string[]).map(zoneOf));
      expect(new Set(zones)).toEqual(new Set(environment.network.availabilityZones));
    }
  });

  (managedPools.includes("stateless") ? it : it.skip)("runs the stateless pool on spot over at least three instance types, the others on demand", () => {
    const [stateless] = byPool("stateless");
    expect(stateless.capacity_type).toBe("SPOT");
    expect((stateless.instance_types as string[]).length).toBeGreaterThanOrEqual(3);
    for (const group of [...byPool("system"), ...byPool("stateful")]) expect(group.capacity_type).toBe("ON_DEMAND");
  });

  it("requires IMDSv2 with hop limit 1 on every launch template, and every node group uses one", () => {
    const templates = resourcesOf(synthesized, "aws_launch_template");
    for (const template of Object.values(templates)) {
      expect(template.metadata_options).toMatchObject({ http_tokens: "required", http_put_response_hop_limit: 1 });
    }
    for (const group of nodeGroups) expect((group.launch_template as Resource).id).toMatch(/aws_launch_template\./);
  });

  const podIdentity = environment.cluster.workloadIdentity === "pod-identity";
  const trusts = Object.values(resourcesOf(synthesized, "aws_iam_role")).map((role) => templatedPolicyOf(role, "assume_role_policy").Statement);

  it("scopes every IRSA trust policy to one service account by :sub and :aud", () => {
    const irsa = trusts.filter((statements) => statements.some((statement) => statement.Action === "sts:AssumeRoleWithWebIdentity"));
    // With Pod Identity no role of the cluster layer trusts the OIDC provider (keepIrsaTrust bridges a switch only).
    expect(irsa).toHaveLength(podIdentity && !environment.cluster.keepIrsaTrust ? 0 : 4);
    for (const statements of irsa) {
      const web = statements.filter((statement) => statement.Action === "sts:AssumeRoleWithWebIdentity");
      expect(web).toHaveLength(1);
      const conditions = (web[0].Condition as { StringEquals: Record<string, string> }).StringEquals;
      const keys = Object.keys(conditions);
      expect(keys.sort()).toEqual(["ISSUER:aud", "ISSUER:sub"]);
      expect(conditions["ISSUER:aud"]).toBe("sts.amazonaws.com");
      expect(Object.entries(conditions).find(([key]) => key.endsWith(":sub"))![1]).toMatch(/^system:serviceaccount:kube-system:[a-z-]+$/);
    }
  });

  it("binds the controllers and the VPC CNI and EBS CSI add-ons with the configured workload identity", () => {
    const pods = trusts.filter((statements) => statements.some((statement) => JSON.stringify(statement.Principal) === '{"Service":"pods.eks.amazonaws.com"}'));
    const associations = Object.values(resourcesOf(synthesized, "aws_eks_pod_identity_association"));
    const addons = Object.values(resourcesOf(synthesized, "aws_eks_addon"));
    if (!podIdentity) {
      expect(pods).toHaveLength(0);
      expect(associations).toHaveLength(0);
      return;
    }
    expect(pods).toHaveLength(4);
    for (const statements of pods) {
      const conditions = (statements[0].Condition as { StringEquals: Record<string, string> }).StringEquals;
      expect(statements[0].Action).toEqual(["sts:AssumeRole", "sts:TagSession"]);
      expect(conditions["aws:SourceAccount"]).toBe(environment.account.id);
      expect(Object.keys(conditions).sort()).toEqual([
        "aws:RequestTag/eks-cluster-arn",
        "aws:RequestTag/kubernetes-namespace",
        "aws:RequestTag/kubernetes-service-account",
        "aws:SourceAccount",
        "aws:SourceArn",
      ]);
      expect(conditions["aws:RequestTag/kubernetes-namespace"]).toBe("kube-system");
    }
    // The controllers' own associations wait for the agent; the add-ons carry theirs in pod_identity_association.
    const autoscaler = environment.cluster.autoscaler === "karpenter" ? "karpenter" : "cluster-autoscaler";
    expect(associations.map((association) => association.service_account).sort()).toEqual(["aws-load-balancer-controller", autoscaler].sort());
    const agent = Object.entries(resourcesOf(synthesized, "aws_eks_addon")).find(([, addon]) => addon.addon_name === "eks-pod-identity-agent")![0];
    for (const association of associations) expect(association.depends_on).toContain(`aws_eks_addon.${agent}`);
    const byName = Object.fromEntries(addons.map((addon) => [addon.addon_name as string, addon]));
    for (const [addon, account] of [
      ["vpc-cni", "aws-node"],
      ["aws-ebs-csi-driver", "ebs-csi-controller-sa"],
    ]) {
      expect(byName[addon].service_account_role_arn).toBeUndefined();
      expect(byName[addon].pod_identity_association).toEqual([{ role_arn: expect.any(String), service_account: account }]);
      expect(byName[addon].depends_on).toContain(`aws_eks_addon.${agent}`);
    }
    // The VPC CNI makes nodes Ready with the agent's credentials: the agent is installed before any node joins.
    for (const group of nodeGroups) expect(group.depends_on).toContain(`aws_eks_addon.${agent}`);
  });

  it("turns on all five control-plane log types", () => {
    expect(onlyResource(synthesized, "aws_eks_cluster").enabled_cluster_log_types).toEqual(["api", "audit", "authenticator", "controllerManager", "scheduler"]);
  });

  it("keeps the API endpoint private", () => {
    expect(onlyResource(synthesized, "aws_eks_cluster").vpc_config).toMatchObject({ endpoint_private_access: true, endpoint_public_access: false });
  });

  it("makes the environment's deploy role (when GitHub Actions deploys it) and the configured admins cluster admins, and lets its plan role view", () => {
    // Karpenter's node role has an EC2_LINUX entry of its own (no access policy); these are the people and pipelines.
    const principals = Object.values(resourcesOf(synthesized, "aws_eks_access_entry"))
      .filter((entry) => entry.type === "STANDARD")
      .map((entry) => entry.principal_arn);
    const role = (name: string) => `arn:${environment.partition}:iam::${environment.account.id}:role/${environment.prefix}-${name}`;
    // An environment without pipeline roles (no GitHub repository, or state in Terraform Cloud) has none to grant.
    const deployed = hasPipelines(environment);
    const pullRequests = deployed && environment.tier === "development" ? [role("pr-plan")] : [];
    const pipeline = deployed ? [role("deploy"), role("plan"), ...pullRequests] : [];
    // An environment in Terraform Cloud: its runs' apply role administers the cluster, its plan role views it.
    const inCloud = environment.state.backend === "cloud";
    const cloud = inCloud ? [role("tfc-apply"), role("tfc-plan")] : [];
    // (Synthesized resources are ordered by their construct ids, not by when the stack granted them.)
    expect([...principals].sort()).toEqual([...pipeline, ...cloud, ...environment.cluster.adminPrincipals].sort());
    const policies = Object.values(resourcesOf(synthesized, "aws_eks_access_policy_association")).map((association) =>
      String(association.policy_arn).split("/").pop(),
    );
    expect(policies.filter((policy) => policy === "AmazonEKSAdminViewPolicy")).toHaveLength((deployed ? 1 : 0) + (inCloud ? 1 : 0));
    // Pull requests plan with Kubernetes' view role: no Secrets.
    expect(policies.filter((policy) => policy === "AmazonEKSViewPolicy")).toHaveLength(pullRequests.length);
    expect(countOf(synthesized, "aws_eks_access_policy_association")).toBe(principals.length);
  });

  it("installs the six managed add-ons at the configured versions, with roles for the VPC CNI and the EBS CSI driver", () => {
    const addons: Record<string, Resource> = Object.fromEntries(
      Object.values(resourcesOf(synthesized, "aws_eks_addon")).map((addon) => [addon.addon_name, addon]),
    );
    const { addons: versions } = environment.cluster;
    expect(Object.fromEntries(Object.entries(addons).map(([addonName, addon]) => [addonName, addon.addon_version]))).toEqual({
      "vpc-cni": versions.vpcCni,
      "kube-proxy": versions.kubeProxy,
      coredns: versions.coredns,
      "aws-ebs-csi-driver": versions.ebsCsiDriver,
      "eks-pod-identity-agent": versions.podIdentityAgent,
      "snapshot-controller": versions.snapshotController,
    });
    const roleOf = (addon: Resource) => String(addon.service_account_role_arn ?? (addon.pod_identity_association as Resource[])[0].role_arn);
    expect(roleOf(addons["vpc-cni"])).toMatch(/VpcCniRole/);
    expect(roleOf(addons["aws-ebs-csi-driver"])).toMatch(/EbsCsiDriverRole/);
  });

  it("exposes the cluster, its controllers' roles and one node role per pool to later layers", () => {
    expect(stack.cluster.kubernetesVersion).toBe("1.35");
    expect(stack.cluster.region).toBe(tier.production.account.region);
    const autoscalerRole = environment.cluster.autoscaler === "karpenter" ? stack.controllerRoles.karpenter : stack.controllerRoles.clusterAutoscaler;
    expect(autoscalerRole?.serviceAccount).toBe(environment.cluster.autoscaler);
    expect(stack.controllerRoles.awsLoadBalancerController.serviceAccount).toBe("aws-load-balancer-controller");
    expect(Object.keys(stack.nodeRoles).sort()).toEqual(managedPools.sort());
  });
});

describe("ClusterStack ordering and keys", () => {
  const { synthesized } = synthCluster(tier.production);
  const addonsByName = Object.fromEntries(
    Object.entries(resourcesOf(synthesized, "aws_eks_addon")).map(([id, addon]) => [addon.addon_name as string, { id, addon }]),
  );

  it("installs the VPC CNI and kube-proxy before the nodes, and the add-ons that need nodes after them", () => {
    for (const group of Object.values(resourcesOf(synthesized, "aws_eks_node_group"))) {
      expect(group.depends_on).toEqual([`aws_eks_addon.${addonsByName["vpc-cni"].id}`, `aws_eks_addon.${addonsByName["kube-proxy"].id}`]);
    }
    for (const name of ["coredns", "aws-ebs-csi-driver", "eks-pod-identity-agent"]) {
      expect((addonsByName[name].addon.depends_on as string[]).every((dependency) => dependency.startsWith("aws_eks_node_group."))).toBe(true);
    }
  });

  it("tags node instances, volumes and interfaces with the project's own tags, which default tags do not reach", () => {
    for (const template of Object.values(resourcesOf(synthesized, "aws_launch_template"))) {
      for (const specification of template.tag_specifications as { resource_type: string; tags: Record<string, string> }[]) {
        expect(specification.tags).toMatchObject({
          project: tier.production.project,
          environment: tier.production.name,
          stack: `${tier.production.name}-cluster`,
        });
      }
    }
  });

  it("changes no launch template when the config's tags change, so a tag never rolls a node, and propagates them to new instances", () => {
    const retagged = synthCluster({ ...tier.production, tags: { ...tier.production.tags, "added-tag": "added" } }).synthesized;
    expect(resourcesOf(retagged, "aws_launch_template")).toEqual(resourcesOf(synthesized, "aws_launch_template"));
    expect(resourcesOf(retagged, "aws_eks_node_group")).toEqual(resourcesOf(synthesized, "aws_eks_node_group"));
    const propagated = Object.values(resourcesOf(retagged, "aws_autoscaling_group_tag"))
      .map((resource) => resource.tag as { key: string; value: string; propagate_at_launch: boolean })
      .filter((tag) => tag.key === "added-tag");
    expect(propagated).toHaveLength(Object.keys(resourcesOf(retagged, "aws_eks_node_group")).length);
    for (const tag of propagated) expect(tag).toEqual({ key: "added-tag", value: "added", propagate_at_launch: true });
  });

  it("builds the documented upgrade: the next minor with every pin overridden runs the control plane, nodes and add-ons on it", () => {
    const next = `1.${Number(tier.production.cluster.version.split(".")[1]) + 1}`;
    const builds = {
      vpcCni: "v1.99.0-eksbuild.1",
      coredns: "v1.99.0-eksbuild.1",
      kubeProxy: `v${next}.0-eksbuild.1`,
      ebsCsiDriver: "v1.99.0-eksbuild.1",
      podIdentityAgent: "v1.99.0-eksbuild.1",
      snapshotController: "v8.99.0-eksbuild.1",
    };
    const upgraded = synthCluster(
      testEnvironment({ cluster: { version: next, addons: builds }, platform: { clusterAutoscaler: { version: "9.99.0" } } }),
    ).synthesized;
    expect(onlyResource(upgraded, "aws_eks_cluster").version).toBe(next);
    for (const group of Object.values(resourcesOf(upgraded, "aws_eks_node_group"))) expect(group.version).toBe(next);
    const addonVersions = Object.values(resourcesOf(upgraded, "aws_eks_addon")).map((addon) => addon.addon_version);
    expect(addonVersions.sort()).toEqual(Object.values(builds).sort());
  });

  it("gives prod one stateful node group per AZ, so a pod is rescheduled where its EBS volume lives", () => {
    const stateful = Object.values(resourcesOf(synthesized, "aws_eks_node_group")).filter((group) =>
      String(group.node_group_name_prefix).startsWith("stateful-"),
    );
    expect(stateful.map((group) => group.node_group_name_prefix)).toEqual(tier.production.network.availabilityZones.map((zone) => `stateful-${zone}-`));
  });

  it("lets the Auto Scaling service-linked role use the node volume key, and grants to EC2 only for AWS resources", () => {
    const key = Object.entries(resourcesOf(synthesized, "aws_kms_key")).find(([id]) => id.startsWith("VolumeKey"))![1];
    const statements = policyOf(key).Statement;
    const autoScaling = `arn:aws:iam::${tier.production.account.id}:role/aws-service-role/autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling`;
    const forAutoScaling = statements.filter((statement) => (statement.Principal as Record<string, string>).AWS === autoScaling);
    expect(forAutoScaling).toHaveLength(2);
    expect(
      forAutoScaling.find((statement) => statement.Action === "kms:CreateGrant" || (statement.Action as string[]).includes("kms:CreateGrant"))!.Condition,
    ).toEqual({
      Bool: { "kms:GrantIsForAWSResource": true },
    });
  });

  it("schedules CoreDNS and the EBS CSI controller on the system nodes", () => {
    const onSystem = { nodeSelector: { workload: "system", "eks.amazonaws.com/capacityType": "ON_DEMAND" } };
    expect(JSON.parse(addonsByName.coredns.addon.configuration_values as string)).toEqual(onSystem);
    expect(JSON.parse(addonsByName["aws-ebs-csi-driver"].addon.configuration_values as string)).toEqual({ controller: onSystem });
  });

  it("makes add-ons tolerate the system nodes' taints when the config taints them", () => {
    const tainted = testEnvironment({ cluster: { nodeGroups: { system: { taints: [{ key: "CriticalAddonsOnly", effect: "NO_SCHEDULE" }] } } } });
    const coredns = Object.values(resourcesOf(synthCluster(tainted).synthesized, "aws_eks_addon")).find((addon) => addon.addon_name === "coredns")!;
    expect(JSON.parse(coredns.configuration_values as string).tolerations).toEqual([{ key: "CriticalAddonsOnly", operator: "Exists", effect: "NoSchedule" }]);
  });

  it("opens the public endpoint only to the configured networks", () => {
    const open = testEnvironment({ tier: "staging", cluster: { endpoint: { publicAccess: true, publicAccessCidrs: ["198.51.100.0/24"] } } });
    expect(onlyResource(synthCluster(open).synthesized, "aws_eks_cluster").vpc_config).toMatchObject({
      endpoint_public_access: true,
      public_access_cidrs: ["198.51.100.0/24"],
    });
  });
});
