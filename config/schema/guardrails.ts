import { z } from "./zod";
import { retentionDays } from "./common";

/**
 * Object Lock modes of the audit bucket. governance: nobody deletes or shortens a locked log version unless they hold
 * s3:BypassGovernanceRetention and say so in the request (no role of an environment does); compliance: nobody at all,
 * root included, until the retention has passed.
 */
export const OBJECT_LOCK_MODES = ["governance", "compliance"] as const;
export type ObjectLockMode = (typeof OBJECT_LOCK_MODES)[number];

/** GuardDuty severities an EventBridge rule can route from (GuardDuty scores findings 1.0-8.9; 7+ is high). */
export const FINDING_SEVERITIES = { low: 1, medium: 4, high: 7 } as const;

const toggle = (what: string) => z.boolean().optional().describe(`${what} @default guardrails.enabled`);

export const guardrailsSchema = z
  .strictObject({
    enabled: z
      .boolean()
      .optional()
      .describe(
        "The account's guardrails stack (guardrails-<account>): CloudTrail, GuardDuty, AWS Config, Security Hub and IAM Access Analyzer. Environments of one account share it: it is on when any of them turns it on. @default true for a production tier, false otherwise",
      ),
    cloudTrail: z
      .strictObject({
        enabled: toggle("A multi-region trail with log-file validation, KMS and an Object Lock bucket; off where an organization trail records the account."),
        retentionDays: z
          .number()
          .int("must be a whole number of days")
          .min(1, "must be at least 1 day")
          .max(36500, "must be at most 36500 days (100 years, S3 Object Lock's limit)")
          .default(365)
          .describe(
            "Days each log file is locked (Object Lock default retention) and kept in the audit bucket; the account takes the longest of its environments'.",
          ),
        objectLockMode: z
          .enum(OBJECT_LOCK_MODES)
          .default("governance")
          .describe(
            "governance: an administrator can still remove a locked version with s3:BypassGovernanceRetention (no environment role can); compliance: nobody can before the retention ends, root included, and the bucket cannot be emptied or the account's stack torn down until then. The account takes the strictest of its environments'.",
          ),
        logRetentionDays: retentionDays
          .default(90)
          .describe("Retention of the trail's CloudWatch Logs copy (for queries and metric filters); the account takes the longest of its environments'."),
        s3DataEvents: z
          .boolean()
          .default(false)
          .describe(
            "Also record S3 object-level reads and writes of every bucket (priced per 100,000 events); the account records them when any environment asks.",
          ),
      })
      .prefault({})
      .describe("The account's CloudTrail trail and its audit bucket."),
    guardDuty: z
      .strictObject({
        enabled: toggle(
          "The GuardDuty detector with EKS audit-log and runtime monitoring, RDS login and S3 data event protection; off where a delegated administrator manages it.",
        ),
        findingSeverity: z
          .enum(Object.keys(FINDING_SEVERITIES) as [keyof typeof FINDING_SEVERITIES, ...(keyof typeof FINDING_SEVERITIES)[]])
          .default("medium")
          .describe(
            "The lowest severity of the findings sent to the alert receivers (low ≥ 1, medium ≥ 4, high ≥ 7); the account takes the lowest of its environments'.",
          ),
      })
      .prefault({})
      .describe("GuardDuty threat detection; findings go to database.alarms.emails through an EventBridge rule."),
    config: z
      .strictObject({
        enabled: toggle(
          "The AWS Config recorder, delivery channel and the EKS best-practices conformance pack; off where an organization recorder and aggregator cover the account.",
        ),
      })
      .prefault({})
      .describe("AWS Config recording of every resource type, with the EKS operational best-practices conformance pack."),
    securityHub: z
      .strictObject({
        enabled: toggle("Security Hub with the AWS Foundational Security Best Practices standard; off where a delegated administrator enables it centrally."),
      })
      .prefault({})
      .describe("AWS Security Hub (needs AWS Config recording for most controls)."),
    accessAnalyzer: z
      .strictObject({
        enabled: toggle("An account analyzer of IAM Access Analyzer (free): reports resources shared outside the account."),
      })
      .prefault({})
      .describe("IAM Access Analyzer."),
  })
  .prefault({})
  .describe("Account guardrails: what records and watches API activity in the environment's AWS account (docs/security.md, Account guardrails).");

export type GuardrailsInput = z.input<typeof guardrailsSchema>;
export type GuardrailsConfig = z.output<typeof guardrailsSchema>;

/** The services of the guardrails stack, in the order the docs list them. */
export const GUARDRAIL_SERVICES = ["cloudTrail", "guardDuty", "config", "securityHub", "accessAnalyzer"] as const;
export type GuardrailService = (typeof GUARDRAIL_SERVICES)[number];

/** What one environment asks of its account's guardrails, defaults by tier applied. */
export interface EnvironmentGuardrails {
  readonly enabled: boolean;
  readonly services: Readonly<Record<GuardrailService, boolean>>;
}

/** The environment's own answer: `enabled` by tier unless set, each service following `enabled` unless set. */
export function environmentGuardrails(environment: { readonly tier: string; readonly guardrails: GuardrailsConfig }): EnvironmentGuardrails {
  const { guardrails } = environment;
  const enabled = guardrails.enabled ?? environment.tier === "production";
  const services = Object.fromEntries(GUARDRAIL_SERVICES.map((service) => [service, enabled && (guardrails[service].enabled ?? true)])) as Record<
    GuardrailService,
    boolean
  >;
  return { enabled, services };
}

/** The settings of an account's guardrails stack, merged from every environment of the account. */
export interface AccountGuardrails {
  readonly accountId: string;
  readonly services: Readonly<Record<GuardrailService, boolean>>;
  readonly retentionDays: number;
  readonly objectLockMode: ObjectLockMode;
  readonly logRetentionDays: number;
  readonly s3DataEvents: boolean;
  /** The lowest GuardDuty severity score routed to the receivers. */
  readonly findingSeverity: number;
}

export interface GuardrailsEnvironment {
  readonly name: string;
  readonly file: string;
  readonly tier: string;
  readonly project: string;
  readonly account: { readonly id: string };
  readonly guardrails: GuardrailsConfig;
}

/**
 * The prefix of every name the guardrails stack gives (trail, audit bucket, roles, topic, rule, recorder, analyzer):
 * no project, since environments of several projects may share the account. Environment roles are denied everything
 * named with it, so no project may be called that.
 */
export const GUARDRAILS_NAME_PREFIX = "guardrails";

/**
 * The account's guardrails: on when any environment turns them on, each service on when any environment that turns
 * them on wants it, and the strictest of the settings (longest retentions, compliance over governance, the lowest
 * severity routed, data events when any asks). Undefined when no environment of the account turns them on.
 */
export function accountGuardrails(environments: readonly GuardrailsEnvironment[]): AccountGuardrails | undefined {
  const on = environments.filter((environment) => environmentGuardrails(environment).enabled);
  const [first] = on;
  if (!first) return undefined;
  const services = Object.fromEntries(
    GUARDRAIL_SERVICES.map((service) => [service, on.some((environment) => environmentGuardrails(environment).services[service])]),
  ) as Record<GuardrailService, boolean>;
  const trails = on.map((environment) => environment.guardrails.cloudTrail);
  return {
    accountId: first.account.id,
    services,
    retentionDays: Math.max(...trails.map((trail) => trail.retentionDays)),
    objectLockMode: trails.some((trail) => trail.objectLockMode === "compliance") ? "compliance" : "governance",
    logRetentionDays: Math.max(...trails.map((trail) => trail.logRetentionDays)),
    s3DataEvents: trails.some((trail) => trail.s3DataEvents),
    findingSeverity: Math.min(...on.map((environment) => FINDING_SEVERITIES[environment.guardrails.guardDuty.findingSeverity])),
  };
}

/** A disagreement between environments of one account that no merge resolves; `location` is the field to change. */
export interface GuardrailsProblem {
  readonly file: string;
  readonly location: string;
  readonly message: string;
}

/**
 * Environments of one account share one guardrails stack. Settings merge to the strictest; what cannot merge is an
 * environment saying outright that the account has no guardrails (or no trail, detector, ...) while another of the
 * same account turns them on: one of the two files is wrong, and the stack would silently overrule it.
 */
export function checkGuardrailsAcrossEnvironments(environments: readonly GuardrailsEnvironment[]): GuardrailsProblem[] {
  const problems: GuardrailsProblem[] = [];
  for (const environment of environments.filter((candidate) => candidate.project === GUARDRAILS_NAME_PREFIX)) {
    problems.push({
      file: environment.file,
      location: "project",
      message: `"${GUARDRAILS_NAME_PREFIX}" is the prefix of the account guardrails' names, which every environment role is denied; choose another project name`,
    });
  }
  const accounts = [...new Set(environments.map((environment) => environment.account.id))];
  for (const account of accounts) {
    const members = environments.filter((environment) => environment.account.id === account);
    const on = members.filter((environment) => environmentGuardrails(environment).enabled);
    if (on[0] === undefined) continue;
    const names = (list: readonly GuardrailsEnvironment[]) => list.map((environment) => environment.file).join(", ");
    for (const environment of members) {
      if (environment.guardrails.enabled === false) {
        problems.push({
          file: environment.file,
          location: "guardrails.enabled",
          message: `is false, but ${names(on)} turn${on.length === 1 ? "s" : ""} on the guardrails of the same account ${account}, which has one guardrails stack; remove the line (or set true), or set false there too`,
        });
        continue;
      }
      for (const service of GUARDRAIL_SERVICES) {
        if (environment.guardrails[service].enabled !== false) continue;
        const wanting = on.filter((other) => other !== environment && environmentGuardrails(other).services[service]);
        if (wanting.length === 0) continue;
        problems.push({
          file: environment.file,
          location: `guardrails.${service}.enabled`,
          message: `is false, but ${names(wanting)} want${wanting.length === 1 ? "s" : ""} it in the same account ${account}, which has one guardrails stack; remove the line (or set true), or set false there too`,
        });
      }
    }
  }
  return problems;
}
