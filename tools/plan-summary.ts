// Summarizes saved Terraform plans (`terraform show -json <planfile>`) for a pull request comment or job summary:
// per stack, what is created, updated, deleted and replaced; every replacement with its order (create-first or
// destroy-first) and the attributes that force it; every destroy-first replacement or deletion of anything that is not
// stateless called out first as an outage; and, across the stacks given together, which downstream change follows
// which upstream output.
// usage: node --require tsx/cjs tools/plan-summary.ts <stack>=<plan.json> [<stack>=<plan.json> ...]
import * as fs from "fs";
import { crossStackReadAt, originOfRemoteState } from "../constructs/core/cdktf-internals";

/** One entry of `resource_changes` in `terraform show -json`. */
export interface PlanResourceChange {
  readonly address: string;
  readonly type: string;
  readonly mode?: string;
  readonly name?: string;
  readonly action_reason?: string;
  readonly change: {
    readonly actions: readonly string[];
    readonly replace_paths?: readonly (readonly (string | number)[])[];
    /** The planned values; the summary reads `apply_immediately` of RDS resources. */
    readonly after?: unknown;
  };
}

/** A resource block of the plan's `configuration`: where its expressions read from. */
interface PlanConfigResource {
  readonly address: string;
  readonly expressions?: unknown;
}

/** The part of `terraform show -json` the summary reads. */
export interface PlanJson {
  readonly resource_changes?: readonly PlanResourceChange[];
  readonly output_changes?: Readonly<Record<string, { readonly actions: readonly string[] }>>;
  readonly configuration?: { readonly root_module?: { readonly resources?: readonly PlanConfigResource[] } };
}

/**
 * What a resource type stands for when it is replaced or deleted (docs/verification.md, "change plans"):
 * - stateful: holds data or runs workloads (databases, the cluster, node groups and their launch templates, Helm
 *   releases, buckets, keys, vaults, secrets, log groups, repositories); losing it loses data or capacity.
 * - identity: a name or ARN that something outside the stack trusts or was handed (IAM roles and policies, OIDC
 *   providers, access entries, key aliases, alarm topics and their confirmed subscriptions, the GitHub connection).
 * - network: addresses and paths (VPC, subnets, routes, NAT and its public IP, security groups and rules, endpoints,
 *   the cluster's networking add-ons); a replacement cuts connections.
 * - edge: what clients reach (DNS records, certificates, CloudFront, WAF, the load balancer and its listener).
 * - stateless: configuration that can be replaced in any order without an interruption (alarms, scaling policies,
 *   parameter groups, which the project replaces create-first, backup plans, bucket settings, RBAC objects).
 */
export type ResourceClass = "stateful" | "identity" | "network" | "edge" | "stateless";

/** Every resource type the project emits; `__tests__/tools/plan-summary.test.ts` fails when a synthesized type is missing. */
export const RESOURCE_CLASSES: Readonly<Record<string, ResourceClass>> = {
  aws_backup_vault: "stateful",
  tfe_project: "stateful",
  tfe_workspace: "stateful",
  aws_cloudwatch_log_group: "stateful",
  aws_ecr_repository: "stateful",
  aws_eks_cluster: "stateful",
  aws_eks_node_group: "stateful",
  // Karpenter's interruption queue holds the messages of the last five minutes.
  aws_sqs_queue: "stateful",
  aws_kms_key: "stateful",
  aws_launch_template: "stateful",
  aws_rds_cluster: "stateful",
  aws_rds_cluster_instance: "stateful",
  aws_rds_global_cluster: "stateful",
  aws_s3_bucket: "stateful",
  aws_secretsmanager_secret: "stateful",
  aws_secretsmanager_secret_version: "stateful",
  helm_release: "stateful",
  kubernetes_manifest: "stateful",
  kubernetes_namespace_v1: "stateful",

  aws_codebuild_source_credential: "identity",
  // Terraform Cloud: who may run where (the agent pool and its workspaces) and with which AWS roles (variable sets).
  tfe_agent_pool: "identity",
  tfe_agent_pool_allowed_workspaces: "identity",
  tfe_project_variable_set: "identity",
  tfe_variable: "identity",
  tfe_variable_set: "identity",
  aws_codeconnections_connection: "identity",
  aws_eks_access_entry: "identity",
  aws_eks_access_policy_association: "identity",
  // Binds a role to a service account; a destroy-first replacement leaves its pods without credentials until re-created.
  aws_eks_pod_identity_association: "identity",
  aws_iam_openid_connect_provider: "identity",
  aws_iam_policy: "identity",
  aws_iam_role: "identity",
  aws_iam_role_policy: "identity",
  aws_iam_role_policy_attachment: "identity",
  aws_iam_instance_profile: "identity",
  aws_sqs_queue_policy: "identity",
  aws_iam_service_linked_role: "identity",
  aws_kms_alias: "identity",
  aws_sns_topic: "identity",
  aws_sns_topic_subscription: "identity",
  kubernetes_role_binding_v1: "identity",
  kubernetes_role_v1: "identity",
  kubernetes_service_account_v1: "identity",

  aws_db_subnet_group: "network",
  aws_default_security_group: "network",
  aws_eip: "network",
  aws_eks_addon: "network",
  aws_flow_log: "network",
  aws_internet_gateway: "network",
  aws_nat_gateway: "network",
  aws_network_acl: "network",
  aws_network_acl_rule: "network",
  aws_route: "network",
  aws_route_table: "network",
  aws_route_table_association: "network",
  aws_security_group: "network",
  aws_subnet: "network",
  aws_vpc: "network",
  aws_vpc_endpoint: "network",
  aws_vpc_security_group_egress_rule: "network",
  aws_vpc_security_group_ingress_rule: "network",

  aws_acm_certificate: "edge",
  aws_acm_certificate_validation: "edge",
  aws_cloudfront_cache_policy: "edge",
  aws_cloudfront_distribution: "edge",
  aws_cloudfront_vpc_origin: "edge",
  aws_lb: "edge",
  aws_lb_listener: "edge",
  aws_lb_target_group: "edge",
  aws_route53_record: "edge",
  aws_route53_zone: "edge",
  aws_wafv2_web_acl: "edge",
  aws_wafv2_web_acl_association: "edge",

  aws_appautoscaling_policy: "stateless",
  aws_appautoscaling_target: "stateless",
  aws_autoscaling_group_tag: "stateless",
  aws_cloudwatch_event_rule: "stateless",
  aws_cloudwatch_event_target: "stateless",
  aws_ec2_tag: "stateless",
  aws_backup_plan: "stateless",
  aws_backup_selection: "stateless",
  aws_cloudwatch_log_delivery: "stateless",
  aws_cloudwatch_log_delivery_destination: "stateless",
  aws_cloudwatch_log_delivery_source: "stateless",
  aws_cloudwatch_metric_alarm: "stateless",
  aws_codebuild_project: "stateless",
  // Terraform Cloud environments: the agents (ECS, ephemeral per run) and the workspaces that hold every stack's state.
  aws_ecs_cluster: "stateless",
  aws_ecs_service: "stateless",
  aws_ecs_task_definition: "stateless",
  tfe_workspace_settings: "stateless",
  aws_codebuild_webhook: "stateless",
  aws_db_parameter_group: "stateless",
  aws_ecr_lifecycle_policy: "stateless",
  aws_rds_cluster_parameter_group: "stateless",
  aws_s3_bucket_lifecycle_configuration: "stateless",
  aws_s3_bucket_logging: "stateless",
  aws_s3_bucket_ownership_controls: "stateless",
  aws_s3_bucket_policy: "stateless",
  aws_s3_bucket_public_access_block: "stateless",
  aws_s3_bucket_server_side_encryption_configuration: "stateless",
  aws_s3_bucket_versioning: "stateless",
  aws_s3_bucket_replication_configuration: "stateless",
  aws_wafv2_web_acl_logging_configuration: "stateless",
  kubernetes_cron_job_v1: "stateless",
  kubernetes_storage_class_v1: "stateless",
  terraform_data: "stateless",
  // The account guardrails (stacks/guardrails-stack.ts): the trail, detector, recorder and Security Hub keep history
  // (a replacement is a gap in what the account records, and deleting Security Hub or a detector drops its findings);
  // their settings, rules and analyzer are configuration.
  aws_cloudtrail: "stateful",
  aws_config_configuration_recorder: "stateful",
  aws_guardduty_detector: "stateful",
  aws_securityhub_account: "stateful",
  aws_sns_topic_policy: "identity",
  aws_accessanalyzer_analyzer: "stateless",
  aws_config_configuration_recorder_status: "stateless",
  aws_config_conformance_pack: "stateless",
  aws_config_delivery_channel: "stateless",
  aws_guardduty_detector_feature: "stateless",
  aws_s3_bucket_object_lock_configuration: "stateless",
  aws_securityhub_standards_subscription: "stateless",
};

/** The class of a resource type; undefined when the project does not know it (the summary treats it as not stateless). */
export function resourceClass(type: string): ResourceClass | undefined {
  return Object.prototype.hasOwnProperty.call(RESOURCE_CLASSES, type) ? RESOURCE_CLASSES[type] : undefined;
}

export type ReplacementOrder = "create-first" | "destroy-first";

/** Terraform writes a replacement as ["create","delete"] under create_before_destroy and ["delete","create"] otherwise. */
export function replacementOrder(actions: readonly string[]): ReplacementOrder | undefined {
  if (actions.length !== 2) return undefined;
  if (actions[0] === "create" && actions[1] === "delete") return "create-first";
  if (actions[0] === "delete" && actions[1] === "create") return "destroy-first";
  return undefined;
}

export type ChangeAction = "create" | "update" | "replace" | "delete";

/** One resource change, classified. */
export interface ClassifiedChange {
  readonly address: string;
  readonly type: string;
  readonly resourceClass: ResourceClass | undefined;
  readonly action: ChangeAction;
  /** Replacements only. */
  readonly order?: ReplacementOrder;
  /** The attributes that force a replacement (`availability_zone`, `launch_template.0.id`), when Terraform says. */
  readonly replacePaths: readonly string[];
  /** A destroy-first replacement or a deletion of anything not stateless: what it holds or serves is gone for a while. */
  readonly outage: boolean;
  /** `<upstream stack>.<output>` (or just the stack) whose change this change follows, when planned together. */
  readonly causedBy: readonly string[];
  /** An in-place update RDS holds for the next maintenance window (`apply_immediately = false`). */
  readonly deferred: boolean;
}

/** RDS resources whose in-place changes wait for the maintenance window unless `apply_immediately` is set. */
const MAINTENANCE_WINDOW_TYPES = ["aws_rds_cluster", "aws_rds_cluster_instance"];

function waitsForMaintenanceWindow(change: PlanResourceChange): boolean {
  const after = change.change.after;
  return (
    MAINTENANCE_WINDOW_TYPES.includes(change.type) &&
    typeof after === "object" &&
    after !== null &&
    (after as Record<string, unknown>).apply_immediately === false
  );
}

function actionOf(actions: readonly string[]): ChangeAction | undefined {
  if (replacementOrder(actions)) return "replace";
  if (actions.length !== 1) return undefined;
  const [action] = actions;
  return action === "create" || action === "update" || action === "delete" ? action : undefined;
}

/** One resource change of a plan, classified; undefined for no-ops, reads and data sources. */
export function classifyChange(change: PlanResourceChange, causedBy: readonly string[] = []): ClassifiedChange | undefined {
  if (change.mode === "data") return undefined;
  const action = actionOf(change.change.actions);
  if (!action) return undefined;
  const order = replacementOrder(change.change.actions);
  const cls = resourceClass(change.type);
  const destructive = order === "destroy-first" || action === "delete";
  return {
    address: change.address,
    type: change.type,
    resourceClass: cls,
    action,
    ...(order ? { order } : {}),
    replacePaths: (change.change.replace_paths ?? []).map((path) => path.join(".")),
    outage: destructive && cls !== "stateless",
    causedBy,
    deferred: action === "update" && waitsForMaintenanceWindow(change),
  };
}

/** The input: one plan per stack, each the parsed `terraform show -json` of that stack's saved plan. */
export interface StackPlan {
  readonly stack: string;
  readonly planJson: PlanJson;
}

export interface StackPlanSummary {
  readonly stack: string;
  readonly changes: readonly ClassifiedChange[];
  readonly creates: string[];
  readonly updates: string[];
  readonly deletes: string[];
  /** `address [order] (attribute, ...)` of every replacement. */
  readonly replacements: string[];
  /** One line per destroy-first replacement or deletion of anything not stateless. */
  readonly outages: string[];
}

function describe(change: ClassifiedChange): string {
  const order = change.order ? ` [${change.order}]` : "";
  const paths = change.replacePaths.length > 0 ? ` (${change.replacePaths.join(", ")})` : "";
  const follows = change.causedBy.length > 0 ? ` ← ${change.causedBy.join(", ")}` : "";
  const deferred = change.deferred ? " (applies in the maintenance window)" : "";
  return `${change.address}${order}${paths}${deferred}${follows}`;
}

function outageLine(change: ClassifiedChange): string {
  const verb = change.action === "delete" ? "deletes" : "replaces destroy-first";
  return `${verb} ${change.resourceClass ?? "unclassified"} ${describe(change)}`;
}

/** Every `references` string in a configuration expression tree. */
function referencesIn(expressions: unknown): string[] {
  if (Array.isArray(expressions)) return expressions.flatMap(referencesIn);
  if (typeof expressions !== "object" || expressions === null) return [];
  return Object.entries(expressions).flatMap(([key, value]) =>
    key === "references" && Array.isArray(value) ? value.filter((entry): entry is string => typeof entry === "string") : referencesIn(value),
  );
}

const REMOTE_STATE_REFERENCE = /^data\.terraform_remote_state\.([A-Za-z0-9_-]+)(?:\.outputs(?:\.([A-Za-z0-9_-]+)|\["([A-Za-z0-9_-]+)"\]))?/;

/** The upstream outputs (or whole upstream stacks) a resource of `plan` reads, by its address. */
function upstreamReadsOf(plan: PlanJson): Map<string, { readonly stack: string; readonly output?: string }[]> {
  const reads = new Map<string, { readonly stack: string; readonly output?: string }[]>();
  for (const resource of plan.configuration?.root_module?.resources ?? []) {
    const found = new Map<string, { readonly stack: string; readonly output?: string }>();
    for (const reference of referencesIn(resource.expressions)) {
      const read = crossStackReadAt(reference);
      if (read) {
        found.set(`${read.originStack}.${read.outputId}`, { stack: read.originStack, output: read.outputId });
        continue;
      }
      const match = REMOTE_STATE_REFERENCE.exec(reference);
      const origin = match ? originOfRemoteState(match[1]!) : undefined;
      if (!origin) continue;
      const output = match![2] ?? match![3];
      found.set(output ? `${origin}.${output}` : origin, { stack: origin, ...(output ? { output } : {}) });
    }
    // Terraform lists `data.terraform_remote_state.<name>` beside each `...outputs.<id>` read: the whole stack counts
    // only when no single output of it is named.
    const all = [...found.values()];
    reads.set(
      resource.address,
      all.filter((read) => read.output !== undefined || !all.some((other) => other.stack === read.stack && other.output !== undefined)),
    );
  }
  return reads;
}

function changedOutputs(plan: PlanJson): string[] {
  return Object.entries(plan.output_changes ?? {})
    .filter(([, change]) => !change.actions.every((action) => action === "no-op"))
    .map(([name]) => name);
}

/** `aws_eks_node_group.Foo["a"]` → `aws_eks_node_group.Foo` (configuration addresses carry no instance keys). */
function configAddress(address: string): string {
  return address.replace(/\[[^\]]*\]$/, "");
}

/**
 * Summaries of several stacks' plans. A downstream change is attributed to the upstream outputs it reads through
 * cdktf's cross-stack remote state when those outputs change in the upstream plan given alongside.
 */
export function summarizePlans(plans: readonly StackPlan[]): StackPlanSummary[] {
  const changedByStack = new Map(plans.map(({ stack, planJson }) => [stack, new Set(changedOutputs(planJson))]));
  return plans.map(({ stack, planJson }) => {
    const reads = upstreamReadsOf(planJson);
    const causes = (address: string): string[] =>
      (reads.get(configAddress(address)) ?? []).flatMap(({ stack: origin, output }) => {
        const changed = changedByStack.get(origin);
        if (!changed || changed.size === 0) return [];
        if (output === undefined) return [origin];
        return changed.has(output) ? [`${origin}.${output}`] : [];
      });
    return summarizeChanges(
      stack,
      (planJson.resource_changes ?? []).flatMap((change) => classifyChange(change, causes(change.address)) ?? []),
    );
  });
}

/** The summary of one stack's plan on its own (no cross-stack attribution). */
export function summarizePlan(stack: string, plan: PlanJson): StackPlanSummary {
  return summarizePlans([{ stack, planJson: plan }])[0]!;
}

function summarizeChanges(stack: string, changes: readonly ClassifiedChange[]): StackPlanSummary {
  const of = (action: ChangeAction) => changes.filter((change) => change.action === action);
  return {
    stack,
    changes,
    creates: of("create").map(describe),
    updates: of("update").map(describe),
    deletes: of("delete").map(describe),
    replacements: of("replace").map(describe),
    outages: changes.filter((change) => change.outage).map(outageLine),
  };
}

export function hasChanges(summary: StackPlanSummary): boolean {
  return summary.changes.length > 0;
}

function section(title: string, entries: readonly string[]): string[] {
  return entries.length === 0
    ? []
    : [`<details><summary>${title} (${entries.length})</summary>`, "", ...entries.map((entry) => `- \`${entry}\``), "", "</details>"];
}

function replaceCount(summary: StackPlanSummary): string {
  const replaces = summary.changes.filter((change) => change.action === "replace");
  const destroyFirst = replaces.filter((change) => change.order === "destroy-first").length;
  return destroyFirst > 0 ? `${replaces.length} (${destroyFirst} destroy-first)` : String(replaces.length);
}

/** Markdown for a job summary or pull request comment: a table of counts, then the outages and the lists. */
export function renderSummaries(summaries: readonly StackPlanSummary[]): string {
  const lines = ["### Terraform plans", "", "| stack | create | update | replace | delete | outages |", "|---|---:|---:|---:|---:|---|"];
  for (const s of summaries) {
    lines.push(
      `| \`${s.stack}\` | ${s.creates.length} | ${s.updates.length} | ${replaceCount(s)} | ${s.deletes.length} | ${s.outages.length > 0 ? `⚠️ ${s.outages.length}` : "none"} |`,
    );
  }
  for (const s of summaries) {
    if (!hasChanges(s)) continue;
    lines.push("", `#### ${s.stack}`);
    if (s.outages.length > 0) {
      lines.push(
        "",
        "> [!WARNING]",
        "> Destroyed before a replacement exists, or deleted: what these hold or serve is gone until the apply finishes, data unless restored.",
        ...s.outages.map((entry) => `> - \`${entry}\``),
      );
    }
    const deferred = s.changes.filter((change) => change.deferred);
    if (deferred.length > 0) {
      lines.push(
        "",
        "> [!NOTE]",
        "> Held by RDS for the next maintenance window (`database.applyImmediately: false`); the apply finishes before they take effect.",
        ...deferred.map((change) => `> - \`${change.address}\``),
      );
    }
    lines.push(...section("replaced", s.replacements), ...section("deleted", s.deletes), ...section("updated", s.updates), ...section("created", s.creates));
  }
  if (summaries.every((s) => !hasChanges(s))) lines.push("", "No changes.");
  return `${lines.join("\n")}\n`;
}

if (process.argv[1] === __filename) {
  const pairs = process.argv.slice(2);
  const malformed = pairs.filter((pair) => !/^[^=]+=.+$/.test(pair));
  if (pairs.length === 0 || malformed.length > 0) {
    process.stderr.write(`usage: plan-summary.ts <stack>=<plan.json> ...${malformed.length > 0 ? ` (not <stack>=<file>: ${malformed.join(", ")})` : ""}\n`);
    process.exit(1);
  }
  const plans = pairs.map((pair): StackPlan => {
    const [stack, file] = [pair.slice(0, pair.indexOf("=")), pair.slice(pair.indexOf("=") + 1)];
    try {
      return { stack, planJson: JSON.parse(fs.readFileSync(file, "utf8")) as PlanJson };
    } catch (error) {
      process.stderr.write(`${file}: not a plan in \`terraform show -json\` format (${(error as Error).message})\n`);
      process.exit(1);
    }
  });
  process.stdout.write(renderSummaries(summarizePlans(plans)));
}
