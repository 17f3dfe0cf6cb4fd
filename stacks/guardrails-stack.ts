import * as path from "path";
import { Construct } from "constructs";
import { App, Aspects, LocalBackend, TerraformOutput, TerraformStack } from "cdktf";
import { EnvironmentConfig } from "../config";
import { accountGuardrails, AccountGuardrails, GUARDRAILS_NAME_PREFIX } from "../config/schema/guardrails";
import { awsProviderIn, declareAwsStack, RegionalScope } from "../constructs/core/aws-scope";
import { AccountTrail } from "../constructs/guardrails/account-trail";
import { AuditBucket } from "../constructs/guardrails/audit-bucket";
import { ConfigRecorderRole } from "../constructs/guardrails/config-recording";
import { RegionalGuardrails } from "../constructs/guardrails/regional-guardrails";
import { PolicyAspect } from "../constructs/policy/policy-aspect";
import { defaultTags } from "./environment-stack";

/**
 * The `environment` tag of the guardrails stack's resources: no environment's name, and not the bootstrap stack's
 * `account`, so the environment guards' tag condition keeps every environment role off them.
 */
export const GUARDRAILS_TAG = "account-guardrails";

/** The name of an account's guardrails stack. */
export function guardrailsStackName(accountId: string): string {
  return `guardrails-${accountId}`;
}

/** The local state file of an account's guardrails stack, beside the bootstrap stack's. */
export function guardrailsStateFile(stateDirectory: string, accountId: string): string {
  return path.join(path.resolve(stateDirectory), `${guardrailsStackName(accountId)}.tfstate`);
}

export interface GuardrailsStackProps {
  /** Every environment of the account: the stack merges their `guardrails` sections (the loader checks they agree). */
  readonly environments: readonly EnvironmentConfig[];
  /** Folder of the local state file. @default `state/`, as the bootstrap stack's */
  readonly stateDirectory?: string;
}

/**
 * What records and watches API activity in one AWS account, for all its environments: the CloudTrail trail with its
 * Object Lock audit bucket (in the home region), and in every region the account's environments use GuardDuty (with
 * findings to the alert receivers), AWS Config with the EKS conformance pack, Security Hub and IAM Access Analyzer.
 * An administrator applies it with the bootstrap credentials, after the bootstrap stack; no environment role can
 * change it (docs/security.md, Account guardrails).
 */
export class GuardrailsStack extends TerraformStack {
  readonly settings: AccountGuardrails;
  readonly auditBucket?: AuditBucket;
  readonly trail?: AccountTrail;
  /** The regional guardrails by region. */
  readonly regions: Record<string, RegionalGuardrails> = {};

  constructor(scope: Construct, id: string, props: GuardrailsStackProps) {
    super(scope, id);
    const environments = [...props.environments].sort((a, b) => a.name.localeCompare(b.name));
    const [first] = environments;
    const settings = first ? accountGuardrails(environments) : undefined;
    if (!first || !settings) throw new Error(`${id}: needs at least one environment that turns guardrails on`);
    const strangers = environments.filter((environment) => environment.account.id !== first.account.id);
    if (strangers.length > 0) {
      throw new Error(
        `${id}: holds one account's guardrails; ${strangers.map((environment) => environment.name).join(", ")} belong to another account than ${first.name}`,
      );
    }
    this.settings = settings;
    const stateFile = guardrailsStateFile(props.stateDirectory ?? "state", first.account.id);
    new LocalBackend(this, { path: path.relative(path.join(App.of(this).outdir, "stacks", id), stateFile) });
    // Home: the region of the account's state bucket (the bootstrap stack's), else the first environment's.
    const home = first.state.backend === "s3" ? first.state.region : first.account.region;
    declareAwsStack(this, { accountId: first.account.id, region: home, partition: first.partition }, defaultTags(GUARDRAILS_TAG, id, first.project, {}));
    // Names carry no project: environments of one account may belong to different projects, and the account has one stack.
    const namePrefix = GUARDRAILS_NAME_PREFIX;
    const { services } = settings;

    if (services.cloudTrail || services.config) {
      this.auditBucket = new AuditBucket(this, "AuditBucket", {
        bucketName: `${namePrefix}-audit-${first.account.id}`,
        keyAlias: `${namePrefix}-audit`,
        retentionDays: settings.retentionDays,
        objectLockMode: settings.objectLockMode,
      });
      new TerraformOutput(this, "audit_bucket", {
        value: this.auditBucket.bucket.name,
        description: "Object Lock bucket of the trail's log files and AWS Config's records",
      });
    }
    if (this.auditBucket && services.cloudTrail) {
      this.trail = new AccountTrail(this, "Trail", {
        name: `${namePrefix}-account-trail`,
        auditBucket: this.auditBucket,
        logRetentionDays: settings.logRetentionDays,
        s3DataEvents: settings.s3DataEvents,
      });
      new TerraformOutput(this, "trail_arn", { value: this.trail.trail.arn, description: "The account's multi-region CloudTrail trail" });
    }
    const configRole =
      this.auditBucket && services.config
        ? new ConfigRecorderRole(this, "ConfigRole", { name: `${namePrefix}-config`, auditBucket: this.auditBucket })
        : undefined;
    const emails = [...new Set(environments.flatMap((environment) => environment.database.alarms.emails))].sort();
    const [oldestKubernetesVersion = first.cluster.version] = environments
      .map((environment) => environment.cluster.version)
      .sort((a, b) => a.localeCompare(b, "en", { numeric: true }));
    const regions = [...new Set([home, ...environments.map((environment) => environment.account.region)])].sort();
    for (const region of regions) {
      const where = region === home ? this : new RegionalScope(this, `Region-${region}`, { provider: awsProviderIn(this, region, region), region });
      this.regions[region] = new RegionalGuardrails(where, `Guardrails-${region}`, {
        namePrefix,
        settings,
        emails,
        configRole,
        home: region === home,
        oldestKubernetesVersion,
      });
    }
    // Production rules whatever the environments' tiers: this stack watches all of them.
    Aspects.of(this).add(new PolicyAspect({ production: true }));
  }
}
