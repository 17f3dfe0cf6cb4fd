import type { EnvironmentConfig } from "../../config";
import { evaluate } from "../../constructs/policy/iam-evaluator";
import { resourcesOfType } from "../../tools/contracts/terraform";
import { isGuardrailsStack } from "../../tools/lib/synth-output";
import { arnsOf, breaches, inRegion, Layout, layout, LAYOUTS, principalsOf, roleIdentity } from "./layouts";
import type { Path } from "./paths";

/**
 * Issue 25: the account guardrails are applied with the bootstrap credentials, and no principal of an environment
 * (deploy role, plan role, pull-request plan role, any role under its boundary) may switch them off, blind them or
 * rewrite what they recorded. The names, tag and regions come from the synthesized guardrails stack.
 */
interface GuardrailsFacts {
  readonly trail: string;
  readonly bucket: string;
  readonly logGroup: string;
  readonly rule: string;
  readonly topic: string;
  readonly analyzer: string;
  readonly pack: string;
  readonly tag: string;
}

function guardrailsOf(current: Layout): GuardrailsFacts {
  const stacks = Object.fromEntries(Object.entries(current.stacks).filter(([name]) => isGuardrailsStack(name)));
  if (Object.keys(stacks).length === 0) throw new Error(`no guardrails stack in the ${current.name} layout: its production environment turns them on`);
  const only = (type: string, attribute: string, where: (values: Record<string, unknown>) => boolean = () => true) => {
    const [found] = resourcesOfType(stacks, type).filter((resource) => where(resource.values));
    if (!found) throw new Error(`no ${type} in the guardrails stacks`);
    return String(found.values[attribute]);
  };
  const [json] = Object.values(stacks) as { provider: { aws: { default_tags: { tags: Record<string, string> }[] }[] } }[];
  return {
    trail: only("aws_cloudtrail", "name"),
    bucket: only("aws_s3_bucket", "bucket", (values) => values.object_lock_enabled === true),
    logGroup: only("aws_cloudwatch_log_group", "name"),
    rule: only("aws_cloudwatch_event_rule", "name"),
    topic: only("aws_sns_topic", "name"),
    analyzer: only("aws_accessanalyzer_analyzer", "analyzer_name"),
    pack: only("aws_config_conformance_pack", "name"),
    tag: json.provider.aws[0].default_tags[0].tags.environment,
  };
}

/** What would switch off, blind or rewrite the guardrails of the environment's own account. */
function disablingPaths(environment: EnvironmentConfig, facts: GuardrailsFacts): Path[] {
  const { regional, global } = arnsOf(environment);
  const tagged = { "aws:ResourceTag/environment": facts.tag };
  const object = global("s3", `${facts.bucket}/AWSLogs/${environment.account.id}/CloudTrail/log.json.gz`);
  return [
    ["stop the trail's logging", inRegion(environment, "cloudtrail:StopLogging", regional("cloudtrail", `trail/${facts.trail}`))],
    ["delete the trail", inRegion(environment, "cloudtrail:DeleteTrail", regional("cloudtrail", `trail/${facts.trail}`))],
    ["narrow what the trail records", inRegion(environment, "cloudtrail:PutEventSelectors", regional("cloudtrail", `trail/${facts.trail}`))],
    ["turn log-file validation off", inRegion(environment, "cloudtrail:UpdateTrail", regional("cloudtrail", `trail/${facts.trail}`))],
    ["delete the GuardDuty detector", inRegion(environment, "guardduty:DeleteDetector", regional("guardduty", "detector/0a1b2c3d4e5f"))],
    ["switch a GuardDuty protection plan off", inRegion(environment, "guardduty:UpdateDetector", regional("guardduty", "detector/0a1b2c3d4e5f"))],
    ["archive findings unseen with a filter", inRegion(environment, "guardduty:CreateFilter", regional("guardduty", "detector/0a1b2c3d4e5f/filter/quiet"))],
    ["stop the Config recorder", inRegion(environment, "config:StopConfigurationRecorder", "*")],
    ["delete the Config recorder", inRegion(environment, "config:DeleteConfigurationRecorder", "*")],
    [
      "delete the EKS conformance pack",
      inRegion(environment, "config:DeleteConformancePack", regional("config", `conformance-pack/${facts.pack}/conformance-pack-0a1b`)),
    ],
    ["disable Security Hub", inRegion(environment, "securityhub:DisableSecurityHub", regional("securityhub", "hub/default"))],
    [
      "unsubscribe the Foundational Security Best Practices",
      inRegion(environment, "securityhub:BatchDisableStandards", regional("securityhub", "hub/default")),
    ],
    ["delete the access analyzer", inRegion(environment, "access-analyzer:DeleteAnalyzer", regional("access-analyzer", `analyzer/${facts.analyzer}`))],
    [
      "archive the analyzer's findings by rule",
      inRegion(environment, "access-analyzer:CreateArchiveRule", regional("access-analyzer", `analyzer/${facts.analyzer}/archive-rule/quiet`)),
    ],
    ["bypass the audit bucket's governance lock", inRegion(environment, "s3:BypassGovernanceRetention", object)],
    ["delete a log file version", inRegion(environment, "s3:DeleteObjectVersion", object)],
    ["shorten the audit bucket's lock", inRegion(environment, "s3:PutBucketObjectLockConfiguration", global("s3", facts.bucket))],
    ["rewrite the audit bucket's policy", inRegion(environment, "s3:PutBucketPolicy", global("s3", facts.bucket))],
    ["schedule the audit key's deletion", inRegion(environment, "kms:ScheduleKeyDeletion", regional("kms", "key/0a1b2c3d"), tagged)],
    ["disable the audit key", inRegion(environment, "kms:DisableKey", regional("kms", "key/0a1b2c3d"), tagged)],
    ["delete the trail's log group", inRegion(environment, "logs:DeleteLogGroup", regional("logs", `log-group:${facts.logGroup}`), tagged)],
    ["disable the findings rule", inRegion(environment, "events:DisableRule", regional("events", `rule/${facts.rule}`), tagged)],
    ["delete the findings topic", inRegion(environment, "sns:DeleteTopic", regional("sns", facts.topic), tagged)],
  ];
}

if (LAYOUTS.length > 0)
  describe.each(LAYOUTS)("%s layout: the account guardrails attacked", (name) => {
    it.each(["lower", "higher"] as const)("no principal of the %s environment switches off, blinds or rewrites its account's guardrails", (which) => {
      const current = layout(name);
      const environment = current[which];
      const paths = disablingPaths(environment, guardrailsOf(current));
      const allowed = breaches(principalsOf(current, environment), paths, (decision) => decision !== "explicit-deny");
      expect(allowed).toEqual([]);
    });
  });

if (LAYOUTS.length > 0)
  describe("the guardrail attacks find what they look for", () => {
    it("without the guardrail denies and the tag guard, the deploy role could delete the locked logs and the audit key", () => {
      const current = layout("shared-account");
      const { lower } = current;
      const deploy = roleIdentity(current, `${lower.prefix}-deploy`);
      const unguarded = {
        Statement: deploy.Statement.filter(
          (statement) => !["NeverDisableAccountGuardrails", "NeverTouchTheAuditBucket", "NeverOtherEnvironmentsResources"].includes(statement.Sid ?? ""),
        ),
      };
      const found = disablingPaths(lower, guardrailsOf(current))
        .filter(([, request]) => evaluate(request, [unguarded]) === "allowed")
        .map(([attack]) => attack);
      expect(found).toEqual(expect.arrayContaining(["schedule the audit key's deletion", "delete the trail's log group"]));
    });
  });

// A configuration without an attacked pair of environments (attacks.test.ts says why) has nothing to attack here.
if (LAYOUTS.length === 0)
  it("has no pair of environments to attack in this configuration", () => {
    expect(LAYOUTS).toEqual([]);
  });
