// Summarizes saved Terraform plans (`terraform show -json <planfile>`) for a pull request comment or job summary:
// per stack, what is created, updated, deleted and replaced, with replacements and deletions of stateful resources
// (databases, clusters, buckets, keys, volumes, secrets) called out first.
// usage: node --require tsx/cjs tools/plan-summary.ts <stack>=<plan.json> [<stack>=<plan.json> ...]
import * as fs from "fs";

/** The part of `terraform show -json` the summary reads. */
export interface PlanJson {
  readonly resource_changes?: readonly {
    readonly address: string;
    readonly type: string;
    readonly mode?: string;
    readonly action_reason?: string;
    readonly change: { readonly actions: readonly string[]; readonly replace_paths?: readonly (readonly (string | number)[])[] };
  }[];
}

/** Resource types whose replacement or deletion loses data or identity: a reviewer must see them first. */
export const STATEFUL_TYPES = [
  "aws_rds_cluster",
  "aws_rds_cluster_instance",
  "aws_db_instance",
  "aws_eks_cluster",
  "aws_s3_bucket",
  "aws_kms_key",
  "aws_ebs_volume",
  "aws_secretsmanager_secret",
  "aws_secretsmanager_secret_version",
  "aws_efs_file_system",
  "aws_dynamodb_table",
  "aws_elasticache_replication_group",
  "aws_ecr_repository",
  "aws_backup_vault",
  "aws_route53_zone",
  "aws_cloudwatch_log_group",
  "aws_iam_openid_connect_provider",
  "kubernetes_persistent_volume_claim",
  "kubernetes_persistent_volume_claim_v1",
  "kubernetes_namespace",
  "kubernetes_namespace_v1",
];

export interface StackPlanSummary {
  readonly stack: string;
  readonly creates: string[];
  readonly updates: string[];
  readonly deletes: string[];
  /** `address (attribute, ...)`: the attributes that force the replacement, when Terraform says. */
  readonly replacements: string[];
  /** Replacements and deletions of {@link STATEFUL_TYPES}. */
  readonly stateful: string[];
}

function isReplace(actions: readonly string[]): boolean {
  return actions.includes("create") && actions.includes("delete");
}

export function summarizePlan(stack: string, plan: PlanJson): StackPlanSummary {
  const summary: StackPlanSummary = { stack, creates: [], updates: [], deletes: [], replacements: [], stateful: [] };
  for (const change of plan.resource_changes ?? []) {
    if (change.mode === "data") continue;
    const { actions } = change.change;
    const paths = (change.change.replace_paths ?? []).map((path) => path.join("."));
    const described = paths.length > 0 ? `${change.address} (${paths.join(", ")})` : change.address;
    if (isReplace(actions)) summary.replacements.push(described);
    else if (actions.includes("create")) summary.creates.push(change.address);
    else if (actions.includes("update")) summary.updates.push(change.address);
    else if (actions.includes("delete")) summary.deletes.push(change.address);
    else continue;
    if (STATEFUL_TYPES.includes(change.type) && (isReplace(actions) || actions.includes("delete"))) {
      summary.stateful.push(`${isReplace(actions) ? "replaces" : "deletes"} ${described}`);
    }
  }
  return summary;
}

export function hasChanges(summary: StackPlanSummary): boolean {
  return summary.creates.length + summary.updates.length + summary.deletes.length + summary.replacements.length > 0;
}

function section(title: string, addresses: readonly string[]): string[] {
  return addresses.length === 0
    ? []
    : [`<details><summary>${title} (${addresses.length})</summary>`, "", ...addresses.map((address) => `- \`${address}\``), "", "</details>"];
}

/** Markdown for a job summary or pull request comment: a table of counts, then the stateful warnings and the lists. */
export function renderSummaries(summaries: readonly StackPlanSummary[]): string {
  const lines = ["### Terraform plans", "", "| stack | create | update | replace | delete | stateful |", "|---|---:|---:|---:|---:|---|"];
  for (const s of summaries) {
    lines.push(
      `| \`${s.stack}\` | ${s.creates.length} | ${s.updates.length} | ${s.replacements.length} | ${s.deletes.length} | ${s.stateful.length > 0 ? `⚠️ ${s.stateful.length}` : "none"} |`,
    );
  }
  for (const s of summaries) {
    if (!hasChanges(s)) continue;
    lines.push("", `#### ${s.stack}`);
    if (s.stateful.length > 0) {
      lines.push(
        "",
        "> [!WARNING]",
        "> Stateful resources are replaced or deleted: data or identity is lost unless restored.",
        ...s.stateful.map((entry) => `> - \`${entry}\``),
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
  const summaries = pairs.map((pair) => {
    const [stack, file] = [pair.slice(0, pair.indexOf("=")), pair.slice(pair.indexOf("=") + 1)];
    try {
      return summarizePlan(stack, JSON.parse(fs.readFileSync(file, "utf8")) as PlanJson);
    } catch (error) {
      process.stderr.write(`${file}: not a plan in \`terraform show -json\` format (${(error as Error).message})\n`);
      process.exit(1);
    }
  });
  process.stdout.write(renderSummaries(summaries));
}
