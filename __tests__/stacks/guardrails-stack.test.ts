import * as path from "path";
import { App } from "cdktf";
import { parse } from "yaml";
import { Cloudtrail } from "@cdktf/provider-aws/lib/cloudtrail";
import { S3Bucket } from "@cdktf/provider-aws/lib/s3-bucket";
import { S3BucketObjectLockConfigurationA } from "@cdktf/provider-aws/lib/s3-bucket-object-lock-configuration";
import { S3BucketPublicAccessBlock } from "@cdktf/provider-aws/lib/s3-bucket-public-access-block";
import { S3BucketVersioningA } from "@cdktf/provider-aws/lib/s3-bucket-versioning";
import { GuarddutyDetector } from "@cdktf/provider-aws/lib/guardduty-detector";
import { ConfigConfigurationRecorderStatus } from "@cdktf/provider-aws/lib/config-configuration-recorder-status";
import { SecurityhubStandardsSubscription } from "@cdktf/provider-aws/lib/securityhub-standards-subscription";
import { AccessanalyzerAnalyzer } from "@cdktf/provider-aws/lib/accessanalyzer-analyzer";
import { EnvironmentConfig } from "../../config";
import { accountGuardrails, environmentGuardrails } from "../../config/schema/guardrails";
import { evaluatePolicy } from "../../constructs/policy/evaluate";
import { formatFinding } from "../../constructs/policy/report";
import { guardrailsStacks } from "../../main";
import { GUARDRAILS_TAG, GuardrailsStack, guardrailsStackName, guardrailsStateFile } from "../../stacks/guardrails-stack";
import { shippedEnvironments, testApp, testEnvironment, tier } from "../support/environments";
import { json, onlyResource, policyOf, resourcesOf, SynthesizedStack, synthStack } from "../support/synth";

type Input = Parameters<typeof testEnvironment>[0];

/** The guardrails stack of an account built as main.ts builds it, from every environment of the account. */
function guardrailsOf(environments: readonly EnvironmentConfig[]): { stack: GuardrailsStack; synthesized: SynthesizedStack } {
  const [stack] = guardrailsStacks(testApp(), environments, environments);
  if (!stack) throw new Error("no guardrails stack was built");
  return { stack, synthesized: synthStack(stack) };
}

const production = tier.production;
const account = shippedEnvironments().filter((environment) => environment.account.id === production.account.id);
const settings = accountGuardrails(account)!;
const { stack, synthesized } = guardrailsOf(account);
const homeRegion = (synthesized.provider!.aws[0] as { region: string }).region;
const statementsOf = (type: string, addressPart: string) => {
  const [resource] = Object.entries(resourcesOf(synthesized, type)).filter(([address]) => address.includes(addressPart));
  if (!resource) throw new Error(`no ${type} at ${addressPart}`);
  return policyOf(resource[1]).Statement;
};

describe("guardrails stacks of the shipped environments", () => {
  it("exist for exactly the accounts where an environment turns guardrails on: every production tier by default, no other tier unless it says so", () => {
    const environments = shippedEnvironments();
    const built = guardrailsStacks(testApp(), environments, environments).map((built) => built.node.id);
    const expected = [
      ...new Set(
        environments
          .filter((environment) => environment.guardrails.enabled ?? environment.isProduction)
          .map((environment) => guardrailsStackName(environment.account.id)),
      ),
    ].sort();
    expect(built).toEqual(expected);
    expect(built).toContain(`guardrails-${production.account.id}`);
    for (const environment of environments.filter((candidate) => !candidate.isProduction && candidate.guardrails.enabled === undefined)) {
      expect(environmentGuardrails(environment).enabled).toBe(false);
    }
  });

  it("are built for a partial synth from every environment of the selected account", () => {
    const environments = shippedEnvironments();
    const [partial] = guardrailsStacks(testApp(), [production], environments);
    expect(partial.settings).toEqual(settings);
  });

  it("keep their state locally beside the bootstrap stack's, outside the output folder", () => {
    const { path: statePath } = (synthesized.terraform?.backend as { local: { path: string } }).local;
    const resolved = path.resolve(path.join(App.of(stack).outdir, "stacks", stack.node.id), statePath);
    expect(resolved).toBe(guardrailsStateFile("state", production.account.id));
    expect(path.basename(resolved)).toBe(`guardrails-${production.account.id}.tfstate`);
    expect(path.isAbsolute(statePath)).toBe(false);
  });

  it("tag every resource as the account's guardrails, which no environment's guards admit", () => {
    const [provider] = synthesized.provider!.aws as { default_tags: { tags: Record<string, string> }[]; allowed_account_ids: string[] }[];
    expect(provider.default_tags[0].tags.environment).toBe("account-guardrails");
    expect(GUARDRAILS_TAG).toBe("account-guardrails");
    expect(provider.allowed_account_ids).toEqual([production.account.id]);
  });

  it("pass every policy rule with the production rules", () => {
    const errors = evaluatePolicy(stack, { production: true })
      .findings.filter((finding) => finding.severity === "error")
      .map(formatFinding);
    expect(errors).toEqual([]);
  });
});

describe("the account trail", () => {
  const trailArn = `arn:${production.partition}:cloudtrail:${homeRegion}:${production.account.id}:trail/guardrails-account-trail`;

  it("records every region and global services, validates its log files, and encrypts them with the audit key", () => {
    expect(json(synthesized)).toHaveResourceWithProperties(Cloudtrail, {
      name: "guardrails-account-trail",
      is_multi_region_trail: true,
      include_global_service_events: true,
      enable_log_file_validation: true,
      enable_logging: true,
      s3_bucket_name: `guardrails-audit-${production.account.id}`,
    });
    const trail = onlyResource(synthesized, "aws_cloudtrail");
    expect(trail.kms_key_id).toMatch(/^\$\{aws_kms_key\.AuditBucket_Key_[A-Z0-9]+\.arn\}$/);
    expect(trail.cloud_watch_logs_group_arn).toMatch(/^\$\{aws_cloudwatch_log_group\.Trail_Logs_LogGroup_[A-Z0-9]+\.arn\}:\*$/);
    expect(trail.cloud_watch_logs_role_arn).toMatch(/^\$\{aws_iam_role\.Trail_LogsRole_[A-Z0-9]+\.arn\}$/);
  });

  it("lets only this trail use the key, with the CloudTrail encryption context, and CloudWatch Logs only for its group", () => {
    const statements = statementsOf("aws_kms_key", "AuditBucket_Key");
    expect(statements).toContainEqual(
      expect.objectContaining({
        Principal: { Service: "cloudtrail.amazonaws.com" },
        Action: ["kms:GenerateDataKey*"],
        Condition: {
          StringEquals: { "aws:SourceArn": trailArn },
          StringLike: { "kms:EncryptionContext:aws:cloudtrail:arn": `arn:${production.partition}:cloudtrail:*:${production.account.id}:trail/*` },
        },
      }),
    );
    for (const statement of statements.filter((candidate) => (candidate.Principal as Record<string, string>).Service)) {
      expect(statement.Condition).toBeDefined();
    }
  });

  it("delivers to CloudWatch Logs with a role of its own that writes only the trail's log group", () => {
    const role = Object.values(resourcesOf(synthesized, "aws_iam_role")).find((candidate) => candidate.name === "guardrails-account-trail-logs")!;
    expect(policyOf(role, "assume_role_policy").Statement).toEqual([
      expect.objectContaining({
        Principal: { Service: "cloudtrail.amazonaws.com" },
        Condition: { StringEquals: { "aws:SourceAccount": production.account.id, "aws:SourceArn": trailArn } },
      }),
    ]);
    expect(statementsOf("aws_iam_role_policy", "Trail_LogsPolicy")).toEqual([
      expect.objectContaining({
        Action: ["logs:CreateLogStream", "logs:PutLogEvents"],
        Resource: expect.stringContaining(":log-group:/aws/cloudtrail/guardrails-account-trail:log-stream:*"),
      }),
    ]);
    const group = onlyResource(synthesized, "aws_cloudwatch_log_group");
    expect(group).toMatchObject({ name: "/aws/cloudtrail/guardrails-account-trail", retention_in_days: settings.logRetentionDays });
  });

  it("records S3 data events only when an environment of the account asks, never of the audit bucket itself", () => {
    const selectors = (environments: EnvironmentConfig[]) =>
      onlyResource(guardrailsOf(environments).synthesized, "aws_cloudtrail").advanced_event_selector as { field_selector: Record<string, unknown>[] }[];
    expect(selectors([testEnvironment()])).toHaveLength(1);
    const withData = selectors([testEnvironment({ guardrails: { cloudTrail: { s3DataEvents: true } } })]);
    expect(withData).toHaveLength(2);
    expect(withData[1].field_selector).toEqual(
      expect.arrayContaining([
        { field: "resources.type", equals: ["AWS::S3::Object"] },
        { field: "resources.ARN", not_starts_with: ["arn:aws:s3:::guardrails-audit-123456789012/"] },
      ]),
    );
  });
});

describe("the audit bucket", () => {
  const bucketName = `guardrails-audit-${production.account.id}`;

  it("is created with Object Lock and locks every version for the configured retention in the configured mode", () => {
    expect(json(synthesized)).toHaveResourceWithProperties(S3Bucket, { bucket: bucketName, object_lock_enabled: true, lifecycle: { prevent_destroy: true } });
    expect(json(synthesized)).toHaveResourceWithProperties(S3BucketObjectLockConfigurationA, {
      rule: { default_retention: { mode: settings.objectLockMode.toUpperCase(), days: settings.retentionDays } },
    });
  });

  it("uses governance mode unless an environment of the account asks for compliance, and the longest retention of them", () => {
    const lock = (inputs: Input[]) =>
      onlyResource(guardrailsOf(inputs.map((input, index) => testEnvironment(input, `env${index}`))).synthesized, "aws_s3_bucket_object_lock_configuration")
        .rule as { default_retention: { mode: string; days: number } };
    expect(lock([{}]).default_retention).toEqual({ mode: "GOVERNANCE", days: 365 });
    expect(
      lock([{ guardrails: { cloudTrail: { retentionDays: 400 } } }, { guardrails: { cloudTrail: { objectLockMode: "compliance", retentionDays: 90 } } }])
        .default_retention,
    ).toEqual({
      mode: "COMPLIANCE",
      days: 400,
    });
  });

  it("is versioned, private and TLS-only, and admits CloudTrail's writes for this trail only", () => {
    const buckets = resourcesOf(synthesized, "aws_s3_bucket_versioning");
    expect(Object.keys(buckets).some((address) => address.startsWith("AuditBucket_Versioning"))).toBe(true);
    expect(json(synthesized)).toHaveResourceWithProperties(S3BucketVersioningA, { versioning_configuration: { status: "Enabled" } });
    expect(json(synthesized)).toHaveResourceWithProperties(S3BucketPublicAccessBlock, {
      block_public_acls: true,
      block_public_policy: true,
      ignore_public_acls: true,
      restrict_public_buckets: true,
    });
    const statements = statementsOf("aws_s3_bucket_policy", "AuditBucket_Policy");
    expect(statements).toContainEqual(
      expect.objectContaining({ Effect: "Deny", Principal: "*", Action: "s3:*", Condition: { Bool: { "aws:SecureTransport": false } } }),
    );
    expect(statements).toContainEqual(
      expect.objectContaining({
        Principal: { Service: "cloudtrail.amazonaws.com" },
        Action: "s3:PutObject",
        Resource: `arn:${production.partition}:s3:::${bucketName}/AWSLogs/${production.account.id}/*`,
        Condition: { StringEquals: expect.objectContaining({ "s3:x-amz-acl": "bucket-owner-full-control" }) },
      }),
    );
  });
});

describe("GuardDuty", () => {
  it("runs a detector with EKS audit logs, runtime monitoring with the GuardDuty-managed EKS agent, RDS login and S3 data events", () => {
    expect(json(synthesized)).toHaveResourceWithProperties(GuarddutyDetector, { enable: true });
    const features = Object.fromEntries(Object.values(resourcesOf(synthesized, "aws_guardduty_detector_feature")).map((feature) => [feature.name, feature]));
    for (const name of ["EKS_AUDIT_LOGS", "RUNTIME_MONITORING", "RDS_LOGIN_EVENTS", "S3_DATA_EVENTS"]) expect(features[name]?.status).toBe("ENABLED");
    expect(features.RUNTIME_MONITORING.additional_configuration).toContainEqual({ name: "EKS_ADDON_MANAGEMENT", status: "ENABLED" });
  });

  it("sends findings from the configured severity to a KMS-encrypted topic the database alarm receivers subscribe to", () => {
    const rule = onlyResource(synthesized, "aws_cloudwatch_event_rule");
    expect(JSON.parse(rule.event_pattern as string)).toEqual({
      source: ["aws.guardduty"],
      "detail-type": ["GuardDuty Finding"],
      detail: { severity: [{ numeric: [">=", settings.findingSeverity] }] },
    });
    const target = onlyResource(synthesized, "aws_cloudwatch_event_target");
    expect(target.arn).toMatch(/^\$\{aws_sns_topic\.[A-Za-z0-9_-]+\.arn\}$/);
    expect(onlyResource(synthesized, "aws_sns_topic").kms_master_key_id).toMatch(/^\$\{aws_kms_key\./);
    const receivers = [...new Set(account.flatMap((environment) => environment.database.alarms.emails))].sort();
    const subscribed = Object.values(resourcesOf(synthesized, "aws_sns_topic_subscription"))
      .map((subscription) => subscription.endpoint)
      .sort();
    expect(subscribed).toEqual(receivers);
    expect(receivers.length).toBeGreaterThan(0);
    const ruleArn = `arn:${production.partition}:events:${homeRegion}:${production.account.id}:rule/${String(rule.name)}`;
    expect(statementsOf("aws_sns_topic_policy", "Alerts_Policy")).toEqual([
      expect.objectContaining({
        Principal: { Service: "events.amazonaws.com" },
        Action: "sns:Publish",
        Condition: { ArnEquals: { "aws:SourceArn": ruleArn } },
      }),
    ]);
  });
});

describe("AWS Config", () => {
  it("records every supported resource type (global ones in the home region) and delivers to the audit bucket with its key", () => {
    const recorder = onlyResource(synthesized, "aws_config_configuration_recorder");
    expect(recorder.recording_group).toEqual({ all_supported: true, include_global_resource_types: true });
    const channel = onlyResource(synthesized, "aws_config_delivery_channel");
    expect(channel.s3_bucket_name).toBe(`guardrails-audit-${production.account.id}`);
    expect(channel.s3_kms_key_arn).toMatch(/^\$\{aws_kms_key\.AuditBucket_Key_/);
    expect(json(synthesized)).toHaveResourceWithProperties(ConfigConfigurationRecorderStatus, { is_enabled: true });
  });

  it("deploys the EKS best-practices conformance pack with the managed EKS rules, after the recorder is on", () => {
    const pack = onlyResource(synthesized, "aws_config_conformance_pack");
    const template = parse(pack.template_body as string) as {
      Resources: Record<string, { Properties: { Source: { SourceIdentifier: string }; InputParameters?: Record<string, string> } }>;
    };
    const rules = Object.values(template.Resources).map((resource) => resource.Properties);
    expect(rules.map((rule) => rule.Source.SourceIdentifier)).toEqual(
      expect.arrayContaining(["EKS_ENDPOINT_NO_PUBLIC_ACCESS", "EKS_SECRETS_ENCRYPTED", "EKS_CLUSTER_LOGGING_ENABLED", "EKS_CLUSTER_SUPPORTED_VERSION"]),
    );
    const oldest = account.map((environment) => environment.cluster.version).sort((a, b) => a.localeCompare(b, "en", { numeric: true }))[0];
    expect(rules.find((rule) => rule.Source.SourceIdentifier === "EKS_CLUSTER_SUPPORTED_VERSION")?.InputParameters).toEqual({ oldestVersionSupported: oldest });
    expect(pack.depends_on).toEqual([expect.stringMatching(/^aws_config_configuration_recorder_status\./)]);
  });
});

describe("Security Hub and Access Analyzer", () => {
  it("subscribes Security Hub to AWS Foundational Security Best Practices and no default standard", () => {
    expect(onlyResource(synthesized, "aws_securityhub_account")).toMatchObject({ enable_default_standards: false });
    const region = homeRegion;
    expect(json(synthesized)).toHaveResourceWithProperties(SecurityhubStandardsSubscription, {
      standards_arn: `arn:${production.partition}:securityhub:${region}::standards/aws-foundational-security-best-practices/v/1.0.0`,
    });
  });

  it("runs an account analyzer", () => {
    expect(json(synthesized)).toHaveResourceWithProperties(AccessanalyzerAnalyzer, { type: "ACCOUNT" });
  });
});

describe("services an environment turns off", () => {
  it("leaves out exactly that service, where an organization-level one replaces it", () => {
    const { synthesized: without } = guardrailsOf([
      testEnvironment({ guardrails: { cloudTrail: { enabled: false }, guardDuty: { enabled: false }, securityHub: { enabled: false } } }),
    ]);
    expect(resourcesOf(without, "aws_cloudtrail")).toEqual({});
    expect(resourcesOf(without, "aws_guardduty_detector")).toEqual({});
    expect(resourcesOf(without, "aws_securityhub_account")).toEqual({});
    // Config still delivers to the audit bucket.
    expect(Object.keys(resourcesOf(without, "aws_config_configuration_recorder"))).toHaveLength(1);
    expect(Object.keys(resourcesOf(without, "aws_s3_bucket_object_lock_configuration"))).toHaveLength(1);
    expect(Object.keys(resourcesOf(without, "aws_accessanalyzer_analyzer"))).toHaveLength(1);
  });

  it("builds no stack for an account whose environments leave guardrails off", () => {
    expect(guardrailsStacks(testApp(), [testEnvironment({ tier: "staging" })], [testEnvironment({ tier: "staging" })])).toEqual([]);
    expect(guardrailsStacks(testApp(), [testEnvironment({ guardrails: { enabled: false } })], [testEnvironment({ guardrails: { enabled: false } })])).toEqual(
      [],
    );
  });
});

describe("an account whose environments use two regions", () => {
  const inRegion = (name: string, region: string, extra: Input = {}) =>
    testEnvironment(
      {
        ...extra,
        account: { id: "123456789012", region },
        network: { cidr: "10.0.0.0/16", availabilityZones: [`${region}a`, `${region}b`, `${region}c`] },
      },
      name,
    );
  const environments = [inRegion("alpha", "eu-central-1"), inRegion("beta", "eu-west-1", { tier: "staging" })];
  const { synthesized: twoRegions } = guardrailsOf(environments);

  it("keeps one trail in the home region and runs GuardDuty, Config, Security Hub and Access Analyzer in each region", () => {
    expect(Object.keys(resourcesOf(twoRegions, "aws_cloudtrail"))).toHaveLength(1);
    for (const type of [
      "aws_guardduty_detector",
      "aws_config_configuration_recorder",
      "aws_securityhub_account",
      "aws_accessanalyzer_analyzer",
      "aws_sns_topic",
    ]) {
      expect([type, Object.keys(resourcesOf(twoRegions, type)).length]).toEqual([type, 2]);
    }
    const providers = twoRegions.provider!.aws as { alias?: string; region: string }[];
    const other = Object.values(resourcesOf(twoRegions, "aws_guardduty_detector")).find((detector) => detector.provider !== undefined)!;
    expect(other.provider).toBe("aws.eu-west-1");
    expect(providers.map((provider) => provider.region).sort()).toEqual(["eu-central-1", "eu-west-1"]);
  });

  it("records global resource types in the home region only", () => {
    const recorders = Object.values(resourcesOf(twoRegions, "aws_config_configuration_recorder"));
    expect(
      recorders.map((recorder) => [recorder.provider ?? "home", (recorder.recording_group as Record<string, unknown>).include_global_resource_types]).sort(),
    ).toEqual([
      ["aws.eu-west-1", false],
      ["home", true],
    ]);
  });
});
