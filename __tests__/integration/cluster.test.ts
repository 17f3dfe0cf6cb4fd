import { shippedEnvironment } from "../support/environments";
import { dataSources, expectPlanned, nonCreateActions, Plan, planOf, plannedResources, SHIPPED_ENVIRONMENTS } from "./harness";

type Values = Record<string, unknown>;

/** Subnet id → AZ, from the upstream network outputs the plan read (the harness's stand-in remote state). */
function privateSubnetZones(plan: Plan): Map<string, string> {
  const prior = (plan as unknown as { prior_state?: { values?: { root_module?: { resources?: { type: string; values: Values }[] } } } }).prior_state;
  const remoteStates = (prior?.values?.root_module?.resources ?? []).filter((resource) => resource.type === "terraform_remote_state");
  const zones = new Map<string, string>();
  for (const state of remoteStates) {
    for (const [output, value] of Object.entries(state.values.outputs as Record<string, unknown>)) {
      const zone = /PrivateSubnet-([a-z0-9-]+?)_[0-9A-F]{8}id$/.exec(output)?.[1];
      if (zone) zones.set(value as string, zone);
    }
  }
  return zones;
}

/**
 * The trust policy templates of the roles (from the planned configuration: the OIDC issuer inside them is only known
 * after apply), with every Terraform expression blanked to ISSUER/PROVIDER.
 */
function trustPolicies(plan: Plan): { address: string; statements: Values[] }[] {
  const resources = (plan.configuration.root_module.resources ?? []) as unknown as {
    address: string;
    type: string;
    expressions: Record<string, { constant_value?: string }>;
  }[];
  return resources
    .filter((resource) => resource.type === "aws_iam_role")
    .map((resource) => ({
      address: resource.address,
      statements: (JSON.parse(resource.expressions.assume_role_policy.constant_value!.replace(/\$\{[^}]*\}/g, "ISSUER")) as { Statement: Values[] }).Statement,
    }));
}

describe("offline Terraform runs of the cluster stacks", () => {
  it("plans the cluster stack of every shipped environment against the network stack's stand-in state", () => {
    expectPlanned(SHIPPED_ENVIRONMENTS.map((env) => `${env}-cluster`));
  });

  describe.each(SHIPPED_ENVIRONMENTS)("%s-cluster", (env) => {
    const plan = () => planOf(`${env}-cluster`);
    const environment = shippedEnvironment(env);
    const nodeGroups = () => plannedResources(plan(), "aws_eks_node_group").map((resource) => resource.values);
    // With Karpenter only the system pool is a managed node group; its NodePools replace the others.
    const karpenter = environment.cluster.autoscaler === "karpenter" && !environment.cluster.karpenter.keepNodeGroups;
    const managedPools = karpenter ? (["system"] as const) : (["system", "stateful", "stateless"] as const);

    it("only creates and reads no data source that would call AWS", () => {
      expect(nonCreateActions(plan())).toEqual([]);
      expect(dataSources(plan()).filter((type) => type !== "terraform_remote_state")).toEqual([]);
    });

    it("spans every AZ with each node pool", () => {
      const zones = privateSubnetZones(plan());
      expect([...new Set(zones.values())].sort()).toEqual([...environment.network.availabilityZones].sort());
      for (const pool of managedPools) {
        const groups = nodeGroups().filter((group) => (group.labels as Record<string, string>).workload === pool);
        expect(groups.length).toBeGreaterThan(0);
        const covered = new Set(groups.flatMap((group) => (group.subnet_ids as string[]).map((id) => zones.get(id))));
        expect({ pool, zones: [...covered].sort() }).toEqual({ pool, zones: [...environment.network.availabilityZones].sort() });
      }
    });

    it("enforces NetworkPolicies through the VPC CNI add-on", () => {
      const [cni] = plannedResources(plan(), "aws_eks_addon").filter((addon) => addon.values.addon_name === "vpc-cni");
      expect(JSON.parse(cni.values.configuration_values as string)).toMatchObject({ enableNetworkPolicy: "true" });
    });

    it("taints every node group with its pool's configured taints, and tells the Cluster Autoscaler about them", () => {
      const effects: Record<string, string> = { NO_SCHEDULE: "NoSchedule", NO_EXECUTE: "NoExecute", PREFER_NO_SCHEDULE: "PreferNoSchedule" };
      const tags = plannedResources(plan(), "aws_autoscaling_group_tag").map((resource) => (resource.values.tag as Values[])[0]);
      for (const pool of managedPools) {
        const group = environment.cluster.nodeGroups[pool];
        // Node groups are named by prefix (`<pool>-`, or `<pool>-<az>-` with one group per AZ), so replacements are create-first.
        const planned = nodeGroups().filter((candidate) => String(candidate.node_group_name_prefix).startsWith(`${pool}-`));
        expect(planned.length).toBeGreaterThan(0);
        for (const node of planned) {
          expect({ pool, taints: node.taint }).toEqual({ pool, taints: group.taints.map(({ key, value, effect }) => ({ key, value: value ?? null, effect })) });
        }
        for (const taint of group.taints) {
          expect(tags).toContainEqual(
            expect.objectContaining({
              key: `k8s.io/cluster-autoscaler/node-template/taint/${taint.key}`,
              value: `${taint.value ?? ""}:${effects[taint.effect]}`,
            }),
          );
        }
      }
      expect(environment.cluster.nodeGroups.stateful.taints).toContainEqual({ key: "workload", value: "stateful", effect: "NO_SCHEDULE" });
    });

    (karpenter ? it : it.skip)("creates Karpenter's interruption queue, its rules, the node instance profile and the discovery tag", () => {
      expect(plannedResources(plan(), "aws_sqs_queue").map((queue) => queue.values)).toEqual([
        expect.objectContaining({ name: `${environment.prefix}-karpenter-interruptions`, message_retention_seconds: 300, sqs_managed_sse_enabled: true }),
      ]);
      expect(plannedResources(plan(), "aws_cloudwatch_event_rule").length).toBeGreaterThanOrEqual(4);
      expect(plannedResources(plan(), "aws_iam_instance_profile").map((profile) => profile.values.name)).toEqual([`${environment.prefix}-karpenter-nodes`]);
      expect(plannedResources(plan(), "aws_ec2_tag").map((tag) => tag.values)).toEqual([
        expect.objectContaining({ key: "karpenter.sh/discovery", value: environment.prefix }),
      ]);
    });

    (karpenter ? it.skip : it)("runs the spot group over at least three instance types", () => {
      const spot = nodeGroups().filter((group) => group.capacity_type === "SPOT");
      expect(spot).toHaveLength(1);
      expect((spot[0].instance_types as string[]).length).toBeGreaterThanOrEqual(3);
    });

    it("requires IMDSv2 with hop limit 1 in every launch template", () => {
      const templates = plannedResources(plan(), "aws_launch_template");
      expect(templates).toHaveLength(managedPools.length);
      for (const template of templates) {
        expect(template.values.metadata_options).toEqual([
          expect.objectContaining({ http_tokens: "required", http_put_response_hop_limit: 1, http_endpoint: "enabled" }),
        ]);
      }
    });

    it("scopes every service account role's trust to one service account: by :sub and :aud, or by Pod Identity's session tags", () => {
      const podIdentity = environment.cluster.workloadIdentity === "pod-identity";
      const roles = trustPolicies(plan()).filter(({ statements }) =>
        statements.some((statement) =>
          podIdentity ? JSON.stringify(statement.Principal) === '{"Service":"pods.eks.amazonaws.com"}' : statement.Action === "sts:AssumeRoleWithWebIdentity",
        ),
      );
      // The service account roles belong to the cluster construct: aws_iam_role.Eks_<Role>_...
      const autoscalerRole = environment.cluster.autoscaler === "karpenter" ? "KarpenterControllerRole" : "ClusterAutoscalerRole";
      expect(roles.map(({ address }) => /^aws_iam_role\.Eks_([A-Za-z]+)_/.exec(address)?.[1]).sort()).toEqual(
        [autoscalerRole, "EbsCsiDriverRole", "LoadBalancerControllerRole", "VpcCniRole"].sort(),
      );
      for (const { statements } of roles) {
        expect(statements).toHaveLength(podIdentity && environment.cluster.keepIrsaTrust ? 2 : 1);
        expect(statements[0].Condition).toEqual(
          podIdentity
            ? {
                StringEquals: expect.objectContaining({
                  "aws:SourceAccount": environment.account.id,
                  "aws:RequestTag/kubernetes-namespace": "kube-system",
                  "aws:RequestTag/kubernetes-service-account": expect.stringMatching(/^[a-z-]+$/),
                }),
              }
            : { StringEquals: { "ISSUER:sub": expect.stringMatching(/^system:serviceaccount:kube-system:[a-z-]+$/), "ISSUER:aud": "sts.amazonaws.com" } },
        );
      }
    });

    it("turns on all five control-plane log types, retained as configured", () => {
      const [cluster] = plannedResources(plan(), "aws_eks_cluster");
      expect(cluster.values.enabled_cluster_log_types).toEqual(["api", "audit", "authenticator", "controllerManager", "scheduler"]);
      const [logGroup] = plannedResources(plan(), "aws_cloudwatch_log_group");
      expect(logGroup.values).toMatchObject({ name: `/aws/eks/webapp-${env}/cluster`, retention_in_days: environment.cluster.logRetentionDays });
    });

    it("keeps the endpoint private, encrypts secrets and gives the cluster creator no implicit admin", () => {
      const [cluster] = plannedResources(plan(), "aws_eks_cluster");
      expect(cluster.values).toMatchObject({
        version: "1.35",
        vpc_config: [expect.objectContaining({ endpoint_private_access: true, endpoint_public_access: false })],
        access_config: [{ authentication_mode: "API", bootstrap_cluster_creator_admin_permissions: false }],
        encryption_config: [expect.objectContaining({ resources: ["secrets"] })],
      });
    });
  });
});
