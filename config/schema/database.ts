import { z } from "./zod";
import { knownAuroraInstanceClass, knownAuroraVersion } from "./aws-catalog";
import { awsRegion, ipv4Cidr, retentionDays } from "./common";
import { overlaps, parseCidr } from "../cidr";
import { checkSubnetPlan, SubnetPlanInput } from "../subnet-plan";

/** Aurora allows at most 15 replicas per cluster, Terraform-managed and autoscaled together. */
export const MAX_AURORA_READERS = 15;

export const DEFAULT_ENGINE_VERSION = "16.6";

const capacity = (what: string, fallback: number) =>
  z
    .number({ error: "must be a number of Aurora capacity units (ACUs)" })
    .min(0, "must be between 0 and 256 ACUs")
    .max(256, "must be between 0 and 256 ACUs")
    .multipleOf(0.5, "must be a multiple of 0.5 ACU")
    .default(fallback)
    .describe(`${what} Aurora Serverless v2 capacity per instance, in ACUs (0-256, steps of 0.5).`);

/** A whole number in [min, max]; `why` says where the bounds come from, in the one-line error. */
const wholeNumber = (min: number, max: number, why = "") =>
  z.number().int("must be a whole number").min(min, `must be between ${min} and ${max}${why}`).max(max, `must be between ${min} and ${max}${why}`);

/** `hh:mm-hh:mm` in UTC; each part is a valid time of day. */
const dailyWindow = z
  .string()
  .regex(/^([01]\d|2[0-3]):[0-5]\d-([01]\d|2[0-3]):[0-5]\d$/, {
    message: "must be a UTC window hh:mm-hh:mm, e.g. 02:00-03:00",
    abort: true,
  })
  .refine((window) => windowLength(parseDaily(window)) >= 30, "must be at least 30 minutes long (an RDS rule)");

/** `ddd:hh:mm-ddd:hh:mm` in UTC. */
const weeklyWindow = z
  .string()
  .regex(/^(mon|tue|wed|thu|fri|sat|sun):([01]\d|2[0-3]):[0-5]\d-(mon|tue|wed|thu|fri|sat|sun):([01]\d|2[0-3]):[0-5]\d$/, {
    message: "must be a UTC window ddd:hh:mm-ddd:hh:mm with ddd one of mon..sun, e.g. sun:04:00-sun:05:00",
    abort: true,
  })
  .refine((window) => windowLength(parseWeekly(window)) >= 30, "must be at least 30 minutes long (an RDS rule)");

const PERFORMANCE_INSIGHTS_RETENTION = [7, ...Array.from({ length: 23 }, (_, month) => (month + 1) * 31), 731];

/** Required in both recovery modes; `checkDatabaseRules` says so, and that it differs from the primary region. */
const recoveryRegion = awsRegion.optional().describe("The disaster recovery region; must differ from the environment's region.");

/** Set in the modes that make no backup copies; `checkDatabaseRules` keeps it off the primary region. */
const retainRecoveryPoints = z
  .strictObject({
    region: awsRegion.describe("The region of the earlier backup-copy mode's recovery vault."),
  })
  .optional()
  .describe(
    "Keeps the vaults and the recovery-region key of an earlier backup-copy mode, with the recovery points they hold, after a switch away from it; remove it to delete them once they are empty (docs/database.md).",
  );

const disasterRecoverySchema = z
  .discriminatedUnion(
    "mode",
    [
      z.strictObject({ mode: z.literal("none").describe("No copy of the database outside the environment's region."), retainRecoveryPoints }),
      z.strictObject({
        mode: z.literal("backup-copy").describe("AWS Backup copies every backup to a vault in the recovery region."),
        region: recoveryRegion,
        copyRetentionDays: wholeNumber(7, 3650, " days").default(35).describe("Days the copies are kept in the DR vault."),
        schedule: z
          .string()
          .regex(/^cron\(.+\)$/, "must be an AWS cron expression such as cron(0 3 * * ? *)")
          .default("cron(0 3 * * ? *)")
          .describe("When the backup (and its copy) runs: an AWS cron expression in UTC."),
      }),
      z.strictObject({
        mode: z.literal("global-database").describe("An Aurora global database with a read-only secondary cluster in the recovery region."),
        region: recoveryRegion,
        cidr: ipv4Cidr.optional().describe("CIDR of the secondary region's VPC; must not overlap the primary VPC (they may be peered)."),
        availabilityZones: z
          .array(z.string())
          .min(2, "needs at least 2 availability zones (an Aurora subnet group spans two)")
          .optional()
          .describe("Availability zones of the secondary region's VPC, e.g. [eu-central-1a, eu-central-1b]."),
        secondaryInstances: wholeNumber(0, 16).default(1).describe("Instances of the secondary cluster; 0 = headless (cheaper, slower to fail over)."),
        retainRecoveryPoints,
      }),
    ],
    { error: 'must be "none", "backup-copy" or "global-database"' },
  )
  .prefault({ mode: "none" })
  .describe("Cross-region disaster recovery of the database.");

export const databaseSchema = z
  .strictObject({
    engineVersion: z
      .string({ error: 'must be an Aurora PostgreSQL version in quotes, e.g. "16.6" (YAML reads 16.10 as the number 16.1)' })
      .regex(/^\d{1,2}\.\d{1,2}$/, { message: 'must be an Aurora PostgreSQL major.minor version such as "16.6"', abort: true })
      .superRefine(knownAuroraVersion)
      .default(DEFAULT_ENGINE_VERSION)
      .describe("Pinned aurora-postgresql engine version (major.minor)."),
    instanceClass: z
      .string()
      .regex(/^db\.(serverless|[a-z][a-z0-9-]*\.[a-z0-9]+)$/, {
        message: "must be an RDS instance class such as db.r7g.large, or db.serverless for Aurora Serverless v2",
        abort: true,
      })
      .superRefine(knownAuroraInstanceClass)
      .default("db.r7g.large")
      .describe("Instance class of the writer and the readers; db.serverless uses the serverless capacity range."),
    serverless: z
      .strictObject({
        minCapacity: capacity("Minimum", 0.5),
        maxCapacity: capacity("Maximum", 8),
      })
      .prefault({})
      .describe("Aurora Serverless v2 capacity range; used when instanceClass is db.serverless."),
    readers: wholeNumber(0, MAX_AURORA_READERS, " (Aurora's replica limit)")
      .default(2)
      .describe("Readers Terraform keeps (the minimum), placed round-robin in the AZs after the writer's."),
    readerAutoscaling: z
      .strictObject({
        enabled: z.boolean().default(false).describe("Add burst readers with Application Auto Scaling."),
        min: wholeNumber(0, MAX_AURORA_READERS).optional().describe("Fewest readers autoscaling keeps. @default database.readers"),
        max: wholeNumber(1, MAX_AURORA_READERS, " (Aurora's replica limit, counting every reader)")
          .default(MAX_AURORA_READERS)
          .describe("Most readers in total, Terraform's and autoscaled ones."),
        metric: z.enum(["cpu", "connections"]).default("cpu").describe("Reader metric to track: average CPU (%) or average connections."),
        target: z
          .number()
          .positive("must be a positive number")
          .default(70)
          .describe("Target value of the metric (percent for cpu, connections per reader for connections)."),
        scaleInCooldownSeconds: z.number().int().min(0).default(300).describe("Wait after a scale-in."),
        scaleOutCooldownSeconds: z.number().int().min(0).default(300).describe("Wait after a scale-out."),
      })
      .refine((scaling) => scaling.metric !== "cpu" || scaling.target <= 100, {
        path: ["target"],
        message: "must be at most 100 when metric is cpu (a percentage)",
      })
      .prefault({})
      .describe("Application Auto Scaling of Aurora readers (burst readers are not in Terraform state)."),
    backupRetentionDays: wholeNumber(7, 35, " days (below 7 point-in-time recovery is too short; Aurora keeps at most 35)")
      .default(35)
      .describe("Days of automated backups and point-in-time recovery; a production tier needs 35."),
    backupWindow: dailyWindow.default("02:00-03:00").describe("Daily UTC window of automated backups."),
    maintenanceWindow: weeklyWindow.default("sun:04:00-sun:05:00").describe("Weekly UTC maintenance window; must not overlap the backup window."),
    applyImmediately: z
      .boolean()
      .optional()
      .describe(
        "Apply a change of the instance class (or another setting that needs a restart) at once instead of in maintenanceWindow. @default false in a production tier, true otherwise",
      ),
    storageType: z
      .enum(["standard", "io-optimized"])
      .default("standard")
      .describe("Aurora Standard (pay per I/O) or I/O-Optimized (no I/O charges, higher instance and storage price)."),
    performanceInsightsRetentionDays: z
      .number()
      .refine((days) => PERFORMANCE_INSIGHTS_RETENTION.includes(days), "must be 7, a multiple of 31 up to 713, or 731 days")
      .default(7)
      .describe("Performance Insights retention (7 days is free)."),
    monitoringIntervalSeconds: z
      .union([0, 1, 5, 10, 15, 30, 60].map((seconds) => z.literal(seconds)) as unknown as [z.ZodLiteral<number>, z.ZodLiteral<number>], {
        error: "must be one of 0 (off), 1, 5, 10, 15, 30 or 60 seconds",
      })
      .default(60)
      .describe("Enhanced Monitoring interval in seconds; 0 turns it off."),
    logRetentionDays: retentionDays.default(30).describe("Retention of the exported postgresql log."),
    slowQueryMilliseconds: z
      .number()
      .int("must be a whole number")
      .min(-1, "must be -1 (off) or a duration in milliseconds")
      .default(1000)
      .describe("Log statements slower than this (log_min_duration_statement); -1 turns it off."),
    alarms: z
      .strictObject({
        emails: z.array(z.email("must be an email address")).default([]).describe("Addresses subscribed to the alarm topic (each confirms by email)."),
        cpuPercent: z.number().min(1).max(100).default(80).describe("CPU utilization alarm threshold."),
        freeableMemoryMiB: z.number().positive().default(512).describe("Alarm when freeable memory falls below this."),
        connections: z.number().int().positive().default(1000).describe("Alarm when connections exceed this."),
        replicaLagMilliseconds: z.number().positive().default(2000).describe("Alarm when reader lag exceeds this."),
        freeLocalStorageMiB: z.number().positive().default(5120).describe("Alarm when local (temp) storage falls below this."),
      })
      .prefault({})
      .describe("CloudWatch alarms to a KMS-encrypted SNS topic."),
    disasterRecovery: disasterRecoverySchema,
  })
  .prefault({})
  .describe("The Aurora PostgreSQL cluster of the <env>-data stack.");

export type DatabaseInput = z.input<typeof databaseSchema>;
export type DatabaseConfig = z.output<typeof databaseSchema>;

interface DatabaseContext {
  readonly tier: string;
  readonly account: { readonly region: string };
  readonly network: { readonly cidr: string };
  readonly database: DatabaseConfig;
}

/** Rules that need the tier, the region or several database fields; issues point at the field to change. */
export function checkDatabaseRules(env: DatabaseContext, ctx: z.RefinementCtx): void {
  const { database } = env;
  const issue = (path: (string | number)[], message: string) => ctx.addIssue({ code: "custom", path: ["database", ...path], message });
  if (env.tier === "production") {
    if (database.readers < 1) {
      issue(["readers"], `a production tier needs at least 1 reader in another AZ to fail over to, got ${database.readers}`);
    }
    if (database.backupRetentionDays < 35) {
      issue(["backupRetentionDays"], `a production tier keeps 35 days of backups, got ${database.backupRetentionDays}`);
    }
  }
  const { minCapacity, maxCapacity } = database.serverless;
  if (minCapacity > maxCapacity) {
    issue(["serverless", "minCapacity"], `must not exceed serverless.maxCapacity (${maxCapacity} ACUs); got ${minCapacity}`);
  }
  const scaling = database.readerAutoscaling;
  if (scaling.min !== undefined && scaling.min > scaling.max) {
    issue(["readerAutoscaling", "min"], `must not exceed readerAutoscaling.max (${scaling.max}); got ${scaling.min}`);
  } else if (scaling.enabled) {
    const min = scaling.min ?? database.readers;
    if (scaling.max <= min) {
      issue(["readerAutoscaling", "max"], `must be greater than the ${min} readers autoscaling keeps at least, or nothing can scale; got ${scaling.max}`);
    }
  }
  if (windowsOverlap(parseDaily(database.backupWindow), parseWeekly(database.maintenanceWindow))) {
    issue(["maintenanceWindow"], `overlaps the backup window ${database.backupWindow} (RDS rejects overlapping windows); got "${database.maintenanceWindow}"`);
  }
  const dr = database.disasterRecovery;
  if (dr.mode !== "none") {
    if (dr.region === undefined) {
      issue(["disasterRecovery", "region"], `is required when mode is ${dr.mode}: the region to recover in`);
    } else if (dr.region === env.account.region) {
      issue(["disasterRecovery", "region"], `must differ from the environment's region ${env.account.region}; got "${dr.region}"`);
    }
  }
  if (dr.mode === "global-database") {
    checkSecondaryNetwork(dr, env.network.cidr, issue);
  }
  if (dr.mode !== "backup-copy" && dr.retainRecoveryPoints?.region === env.account.region) {
    issue(
      ["disasterRecovery", "retainRecoveryPoints", "region"],
      `must be the earlier backup-copy mode's recovery region, which is never the environment's region ${env.account.region}; got "${env.account.region}"`,
    );
  }
}

type GlobalDatabaseInput = Extract<DatabaseConfig["disasterRecovery"], { mode: "global-database" }>;

/** The secondary region of a global database gets its own VPC: it needs a CIDR apart from the primary's and zones there. */
function checkSecondaryNetwork(dr: GlobalDatabaseInput, primaryCidr: string, issue: (path: (string | number)[], message: string) => void): void {
  if (dr.cidr === undefined) {
    issue(["disasterRecovery", "cidr"], "is required when mode is global-database: the secondary region's VPC CIDR");
  }
  if (dr.availabilityZones === undefined) {
    issue(["disasterRecovery", "availabilityZones"], "is required when mode is global-database: the secondary VPC's zones");
  } else if (dr.region !== undefined) {
    dr.availabilityZones.forEach((zone, index) => {
      if (!new RegExp(`^${dr.region}[a-z]$`).test(zone)) {
        issue(["disasterRecovery", "availabilityZones", index], `"${zone}" is not an availability zone of ${dr.region}`);
      }
    });
  }
  if (dr.cidr === undefined || dr.availabilityZones === undefined) return;
  const problems = checkSubnetPlan(secondaryNetworkInput(dr.cidr, dr.availabilityZones));
  for (const problem of problems) {
    issue(["disasterRecovery", ...problem.path], problem.message);
  }
  if (problems.length === 0 && overlaps(parseCidr(dr.cidr), parseCidr(primaryCidr))) {
    issue(["disasterRecovery", "cidr"], `overlaps the primary VPC ${primaryCidr}; pick a range the two regions do not share; got "${dr.cidr}"`);
  }
}

/** The secondary VPC's subnet layout: the default subnet sizes in every zone. */
export function secondaryNetworkInput(cidr: string, availabilityZones: string[]): SubnetPlanInput {
  return { cidr, availabilityZones, subnets: { public: {}, private: {}, database: {} } };
}

const MINUTES_PER_DAY = 24 * 60;
const MINUTES_PER_WEEK = 7 * MINUTES_PER_DAY;
const DAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];

/** A window as [start, end) in minutes; end may exceed the period when the window wraps midnight or the week. */
interface Window {
  readonly start: number;
  readonly end: number;
  readonly period: number;
}

function minutesOf(time: string): number {
  // The schema's pattern has checked the form (hh:mm) before any window is parsed.
  const [hours = 0, minutes = 0] = time.split(":").map(Number);
  return hours * 60 + minutes;
}

function toWindow(start: number, end: number, period: number): Window {
  return { start, end: end > start ? end : end + period, period };
}

function parseDaily(window: string): Window {
  const [from = "", to = ""] = window.split("-");
  return toWindow(minutesOf(from), minutesOf(to), MINUTES_PER_DAY);
}

function parseWeekly(window: string): Window {
  const [from = "", to = ""] = window.split("-");
  const at = (part: string) => DAYS.indexOf(part.slice(0, 3)) * MINUTES_PER_DAY + minutesOf(part.slice(4));
  return toWindow(at(from), at(to), MINUTES_PER_WEEK);
}

function windowLength(window: Window): number {
  return window.end - window.start;
}

/** The daily window repeats every day of the week; compare each repetition with the weekly one (and its wrap). */
function windowsOverlap(daily: Window, weekly: Window): boolean {
  for (let day = -1; day <= 7; day++) {
    const start = daily.start + day * MINUTES_PER_DAY;
    const end = daily.end + day * MINUTES_PER_DAY;
    for (const shift of [-MINUTES_PER_WEEK, 0, MINUTES_PER_WEEK]) {
      if (start < weekly.end + shift && weekly.start + shift < end) return true;
    }
  }
  return false;
}
