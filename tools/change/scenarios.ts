import { ChangeAction, ReplacementOrder } from "./classes";
import { lockedVersions } from "../../config/charts";
import type { ConfigDocument } from "./rung";

/**
 * The change scenarios of rung 6b: everyday edits of an environment's config, each with what SHOULD happen to what is
 * running. Every resource change a scenario's plans contain must match one expectation (stack layer, resource type,
 * optionally the address, the action and, for a replacement, its order); a destroy-first replacement or a deletion of
 * anything not stateless fails unless an expectation names it with `outage: true`.
 */
export interface Expectation {
  /** The stack's layer (`cluster`, `data`, ...); any when omitted. */
  readonly layer?: string;
  /** Resource type; any when omitted. */
  readonly type?: string;
  /** Matches the resource address. */
  readonly address?: RegExp;
  readonly action: ChangeAction;
  /** For replacements: the order required. */
  readonly order?: ReplacementOrder;
  /** Attributes (top-level) that must not change for an update to be acceptable: e.g. a node group's launch template. */
  readonly unchanged?: readonly string[];
  /** The scenario accepts this destroy-first replacement or deletion (it says so in `change`). */
  readonly outage?: boolean;
}

export interface Scenario {
  readonly id: string;
  /** The change, as the operations table names it. */
  readonly change: string;
  /** Edits the environment's shipped config document into the changed one. */
  readonly edit: (config: ConfigDocument) => void;
  /**
   * A starting point other than the shipped config (its applied state is built first): the change is then from this
   * edit of the shipped config to `edit`'s (the added AZ starts with fewer AZs and ends with the shipped ones).
   */
  readonly from?: { readonly id: string; readonly edit: (config: ConfigDocument) => void };
  readonly expect: readonly Expectation[];
}

const NODE_GROUP_ROLL = ["launch_template", "instance_types", "ami_type", "release_version", "version"];

/** What the cluster stack creates for Karpenter (constructs/cluster/karpenter.ts) and its controller role. */
const KARPENTER_RESOURCES = [
  "aws_iam_role",
  "aws_iam_role_policy",
  "aws_iam_role_policy_attachment",
  "aws_iam_instance_profile",
  "aws_eks_access_entry",
  "aws_ec2_tag",
  "aws_sqs_queue",
  "aws_sqs_queue_policy",
  "aws_cloudwatch_event_rule",
  "aws_cloudwatch_event_target",
];

export const SCENARIOS: readonly Scenario[] = [
  {
    id: "tag",
    change: "add a tag",
    edit: (config) => {
      config.tags = { ...(config.tags ?? {}), "change-rung": "tag-scenario" };
    },
    // Tags are updated in place everywhere; no node group gets a new launch template version (no node rolls).
    // The config's tags reach nodes through their Auto Scaling groups (one tag resource per group and tag, created).
    expect: [
      { type: "aws_eks_node_group", action: "update", unchanged: NODE_GROUP_ROLL },
      { layer: "cluster", type: "aws_autoscaling_group_tag", action: "create" },
      { action: "update" },
    ],
  },
  {
    id: "system-instance-types",
    change: "system pool: other instance types",
    edit: (config) => {
      config.cluster!.nodeGroups!.system!.instanceTypes = ["m7i.xlarge"];
    },
    expect: [
      { layer: "cluster", type: "aws_eks_node_group", address: /system/, action: "replace", order: "create-first" },
      { layer: "cluster", type: "aws_autoscaling_group_tag", address: /system/, action: "replace" },
      { layer: "cluster", type: "aws_launch_template", address: /system/i, action: "update" },
    ],
  },
  {
    id: "stateless-sizes",
    change: "stateless pool: other sizes",
    edit: (config) => {
      const pool = config.cluster!.nodeGroups!.stateless!;
      pool.maxSize = (pool.maxSize ?? 20) + 10;
      pool.desiredSize = (pool.desiredSize ?? 2) + 1;
    },
    expect: [{ layer: "cluster", type: "aws_eks_node_group", address: /stateless/, action: "update", unchanged: NODE_GROUP_ROLL }],
  },
  {
    id: "stateful-instance-types",
    change: "stateful pool: other instance types",
    edit: (config) => {
      config.cluster!.nodeGroups!.stateful!.instanceTypes = ["r7i.2xlarge"];
    },
    expect: [
      { layer: "cluster", type: "aws_eks_node_group", address: /stateful/, action: "replace", order: "create-first" },
      { layer: "cluster", type: "aws_autoscaling_group_tag", address: /stateful/, action: "replace" },
      { layer: "cluster", type: "aws_launch_template", address: /stateful/i, action: "update" },
    ],
  },
  {
    id: "new-pool",
    change: "stateless pool split into one group per AZ (new node groups)",
    edit: (config) => {
      config.cluster!.nodeGroups!.stateless!.oneGroupPerAz = true;
    },
    expect: [
      { layer: "cluster", type: "aws_eks_node_group", address: /stateless/, action: "create" },
      { layer: "cluster", type: "aws_autoscaling_group_tag", address: /stateless/, action: "create" },
      // The single group goes once its per-AZ successors exist (create happens first in the same apply).
      { layer: "cluster", type: "aws_eks_node_group", address: /stateless/, action: "delete", outage: true },
      { layer: "cluster", type: "aws_autoscaling_group_tag", address: /stateless/, action: "delete" },
    ],
  },
  {
    id: "added-az",
    // A production tier needs three AZs (and eu-west-1 has three), so the AZ is added to a staging-tier copy of the
    // environment: from its first two AZs to all of them.
    change: "add an availability zone (staging-tier copy: production requires three)",
    from: {
      id: "two-azs",
      edit: (config) => {
        config.tier = "staging";
        config.network.availabilityZones = config.network.availabilityZones.slice(0, 2);
      },
    },
    edit: (config) => {
      config.tier = "staging";
    },
    expect: [
      { layer: "network", action: "create" },
      { layer: "network", action: "update" },
      { layer: "cluster", type: "aws_eks_node_group", action: "create" },
      { layer: "cluster", type: "aws_autoscaling_group_tag", action: "create" },
      { layer: "cluster", type: "aws_eks_node_group", action: "replace", order: "create-first" },
      { layer: "cluster", type: "aws_autoscaling_group_tag", action: "replace" },
      { layer: "cluster", action: "update" },
      { layer: "data", type: "aws_rds_cluster_instance", action: "create" },
      // Instances spread over every AZ: the second instance of the first AZ gives way to one in the new AZ (a reader;
      // the writer and the other readers keep serving while it goes).
      { layer: "data", type: "aws_rds_cluster_instance", address: /-2_/, action: "delete", outage: true },
      { layer: "data", action: "update" },
      { layer: "edge", action: "update" },
      { layer: "runner", action: "update" },
    ],
  },
  {
    id: "reordered-azs",
    change: "reorder the availability zones",
    edit: (config) => {
      const [first = "", ...rest] = config.network.availabilityZones;
      config.network.availabilityZones = [...rest, first];
    },
    // Nothing moves: at most a list re-sorted in place.
    expect: [{ action: "update", type: "aws_eks_node_group", unchanged: NODE_GROUP_ROLL }, { action: "update" }],
  },
  {
    id: "aurora-instance-class",
    change: "Aurora instance class",
    edit: (config) => {
      config.database!.instanceClass = "db.r7g.2xlarge";
    },
    expect: [
      { layer: "data", type: "aws_rds_cluster_instance", action: "update" },
      { layer: "data", type: "aws_cloudwatch_metric_alarm", action: "update" },
    ],
  },
  {
    id: "reader",
    change: "one more Aurora reader",
    edit: (config) => {
      config.database!.readers = (config.database!.readers ?? 0) + 1;
    },
    expect: [
      { layer: "data", type: "aws_rds_cluster_instance", action: "create" },
      { layer: "data", type: "aws_cloudwatch_metric_alarm", action: "create" },
      { layer: "data", action: "update" },
    ],
  },
  {
    // Point-in-time recovery is fixed at Aurora's maximum (35 days) for a production tier; the copies' retention is not.
    id: "backup-retention",
    change: "backup retention of the recovery-region copies",
    edit: (config) => {
      const recovery = config.database!.disasterRecovery as { copyRetentionDays?: number };
      recovery.copyRetentionDays = (recovery.copyRetentionDays ?? 35) * 2;
    },
    expect: [{ layer: "data", type: "aws_backup_plan", action: "update" }],
  },
  {
    id: "dr-global-database",
    change: "disaster recovery: backup-copy → global-database",
    edit: (config) => {
      const current = config.database!.disasterRecovery;
      const region = current && "region" in current ? current.region : "eu-central-1";
      // As docs/database.md says to switch: keep the existing recovery points (vaults and key) in their region.
      config.database!.disasterRecovery = {
        mode: "global-database",
        region,
        cidr: "10.130.0.0/16",
        availabilityZones: [`${region}a`, `${region}b`],
        retainRecoveryPoints: { region },
      } as NonNullable<ConfigDocument["database"]>["disasterRecovery"];
    },
    // The global database is added; the vaults and the recovery-region key stay with every recovery point in them. The
    // plan that made new copies, its selection and its role go: no new copies is what the switch means.
    expect: [
      { layer: "data", action: "create" },
      { layer: "data", action: "update" },
      { layer: "data", type: "aws_backup_plan", action: "delete", outage: true },
      { layer: "data", type: "aws_backup_selection", action: "delete", outage: true },
      { layer: "data", type: "aws_iam_role", address: /BackupCopy/, action: "delete", outage: true },
      { layer: "data", type: "aws_iam_role_policy_attachment", address: /BackupCopy/, action: "delete", outage: true },
    ],
  },
  {
    id: "domain",
    change: "another domain",
    edit: (config) => {
      config.edge!.domainName = `new-${config.edge!.domainName}`;
    },
    expect: [
      { layer: "edge", type: "aws_acm_certificate", action: "replace", order: "create-first" },
      // A record-keeping resource: replacing it stops nothing.
      { layer: "edge", type: "aws_acm_certificate_validation", action: "replace", outage: true },
      // The old name stops resolving: that is what moving to another domain means.
      { layer: "edge", type: "aws_route53_record", action: "replace", outage: true },
      { layer: "edge", type: "aws_route53_record", action: "create" },
      { layer: "edge", type: "aws_route53_record", action: "delete", outage: true },
      { layer: "edge", action: "update" },
    ],
  },
  {
    id: "waf-limits",
    change: "WAF rate limit",
    edit: (config) => {
      config.edge!.waf = { ...config.edge!.waf, rateLimit: (config.edge!.waf?.rateLimit ?? 2000) * 2 };
    },
    expect: [{ layer: "edge", type: "aws_wafv2_web_acl", action: "update" }],
  },
  {
    id: "kubernetes-minor",
    change: "the next Kubernetes minor",
    edit: (config) => {
      const [major = 1, minor = 0] = String(config.cluster!.version).split(".").map(Number);
      const next = `${major}.${minor + 1}`;
      config.cluster!.version = next;
      // The documented upgrade path (docs/cluster.md): every add-on build and the Cluster Autoscaler chart pinned anew
      // for the next minor (illustrative builds: the plan does not ask AWS which exist).
      config.cluster!.addons = {
        vpcCni: "v1.21.2-eksbuild.1",
        coredns: "v1.13.3-eksbuild.1",
        kubeProxy: `v${next}.0-eksbuild.1`,
        ebsCsiDriver: "v1.55.0-eksbuild.1",
        podIdentityAgent: "v1.3.11-eksbuild.1",
        snapshotController: "v8.3.0-eksbuild.1",
      };
      // With Karpenter, its nodes' AMI release is a pin of the minor too (illustrative release).
      if (config.cluster!.autoscaler === "karpenter") config.cluster!.karpenter = { ...(config.cluster!.karpenter ?? {}), amiRelease: "v20260301" };
      const platform = (config.platform ?? {}) as Record<string, Record<string, unknown> | undefined>;
      // The chart version must be the one charts.lock.json pins (the loader refuses another): the lock's version stands
      // for the next chart, pinned there first (docs/cluster.md); only AWS-only stacks are planned here.
      platform.clusterAutoscaler = { ...(platform.clusterAutoscaler ?? {}), version: lockedVersions().get("cluster-autoscaler") };
      config.platform = platform;
    },
    expect: [
      { layer: "cluster", type: "aws_eks_cluster", action: "update" },
      { layer: "cluster", type: "aws_eks_node_group", action: "update" },
      { layer: "cluster", type: "aws_eks_addon", action: "update" },
      { layer: "cluster", type: "aws_launch_template", action: "update" },
    ],
  },
  {
    id: "pod-identity",
    // The first step of docs/cluster.md's migration: Pod Identity with the IRSA trust kept, so pods started before the
    // switch keep refreshing their credentials until they restart.
    change: "workload identity: IRSA → EKS Pod Identity (first step: IRSA trust kept)",
    edit: (config) => {
      config.cluster = { ...(config.cluster ?? {}), workloadIdentity: "pod-identity", keepIrsaTrust: true };
    },
    // Every role keeps its name and address: its trust (and description) is updated in place, never destroyed under
    // the pods that use it; each is bound by a new association; the EKS add-ons swap service_account_role_arn for their
    // pod_identity_association in place.
    expect: [
      { type: "aws_iam_role", action: "update", unchanged: ["name", "permissions_boundary"] },
      { type: "aws_eks_pod_identity_association", action: "create" },
      { layer: "cluster", type: "aws_eks_addon", action: "update", unchanged: ["addon_version", "configuration_values"] },
    ],
  },
  {
    id: "autoscaler-karpenter",
    // Step 1 of docs/cluster.md "Migrating to Karpenter": Karpenter's AWS side arrives and the Cluster Autoscaler's role
    // goes, while the stateful and stateless node groups stay untouched (keepNodeGroups) until their pods have moved.
    change: "switch the autoscaler to Karpenter, node groups kept while their pods move (migration step 1)",
    edit: (config) => {
      config.cluster = { ...(config.cluster ?? {}), autoscaler: "karpenter", karpenter: { ...(config.cluster?.karpenter ?? {}), keepNodeGroups: true } };
    },
    expect: [
      // The discovery tag on the private subnets.
      { layer: "network", type: "aws_subnet", address: /PrivateSubnet/, action: "update" },
      ...KARPENTER_RESOURCES.map((type) => ({ layer: "cluster", type, address: /Karpenter/, action: "create" as const })),
      // The Cluster Autoscaler's role goes with its release (the platform stack uninstalls it in the same change); an
      // identity deletion counts as an outage for the classifier, which cannot know nothing else uses the role.
      { layer: "cluster", type: "aws_iam_role", address: /ClusterAutoscalerRole/, action: "delete", outage: true },
      { layer: "cluster", type: "aws_iam_role_policy", address: /ClusterAutoscalerRole/, action: "delete", outage: true },
    ],
  },
  {
    id: "karpenter-node-groups-removed",
    // Step 3 of the migration: the drained stateful and stateless node groups go. Their nodes are cordoned and empty by
    // then (the pods run on Karpenter's nodes), so the deletions carry no pod; the plan cannot know that, hence `outage`.
    change: "remove the drained node groups after the move to Karpenter (migration step 3)",
    from: {
      id: "karpenter-keeping-node-groups",
      edit: (config) => {
        config.cluster = { ...(config.cluster ?? {}), autoscaler: "karpenter", karpenter: { ...(config.cluster?.karpenter ?? {}), keepNodeGroups: true } };
      },
    },
    edit: (config) => {
      config.cluster = { ...(config.cluster ?? {}), autoscaler: "karpenter", karpenter: { ...(config.cluster?.karpenter ?? {}), keepNodeGroups: false } };
    },
    expect: [
      { layer: "cluster", type: "aws_eks_node_group", address: /state(ful|less)/, action: "delete", outage: true },
      { layer: "cluster", type: "aws_autoscaling_group_tag", address: /state(ful|less)/, action: "delete" },
      { layer: "cluster", type: "aws_launch_template", address: /state(ful|less)/, action: "delete", outage: true },
      { layer: "cluster", type: "aws_iam_role", address: /NodeRole-state(ful|less)/, action: "delete", outage: true },
      { layer: "cluster", type: "aws_iam_role_policy_attachment", address: /NodeRole-state(ful|less)/, action: "delete", outage: true },
    ],
  },
  {
    id: "project-rename",
    change: "rename the project (everything is new: expected to replace)",
    edit: (config) => {
      config.project = `${config.project}x`;
    },
    expect: [{ action: "replace", outage: true }, { action: "update" }, { action: "create" }, { action: "delete", outage: true }],
  },
];
