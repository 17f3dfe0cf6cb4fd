import { accountGuardrails } from "../../config/schema/guardrails";
import { guardrailsStackName } from "../../stacks/guardrails-stack";
import { shippedEnvironments } from "../support/environments";
import { countsByType, dataSources, expectPlanned, nonCreateActions, planOf, plannedResources } from "./harness";

/** Every account of the shipped environments whose guardrails are on, with the merged settings its stack is built from. */
const environments = shippedEnvironments();
const GUARDRAILS = [...new Set(environments.map((environment) => environment.account.id))].sort().flatMap((account) => {
  const members = environments.filter((environment) => environment.account.id === account);
  const settings = accountGuardrails(members);
  return settings
    ? [{ stack: guardrailsStackName(account), account, settings, regions: new Set(members.map((environment) => environment.account.region)).size }]
    : [];
});

describe("offline Terraform runs of the account guardrails stacks", () => {
  it("has a guardrails stack for every account where an environment turns them on (production tiers by default)", () => {
    expect(GUARDRAILS.length).toBeGreaterThan(0);
  });

  it("plans every account's guardrails stack", () => {
    expectPlanned(GUARDRAILS.map(({ stack }) => stack));
  });

  describe.each(GUARDRAILS)("$stack", ({ stack, account, settings, regions }) => {
    const plan = () => planOf(stack);
    const one = (type: string) => {
      const found = plannedResources(plan(), type);
      expect(found).toHaveLength(1);
      return found[0].values;
    };

    it("only creates, with no data source that would call AWS", () => {
      expect(nonCreateActions(plan())).toEqual([]);
      expect(dataSources(plan())).toEqual([]);
    });

    it("plans one validated multi-region trail into the Object Lock bucket, with the retention and mode of the config", () => {
      expect(one("aws_cloudtrail")).toMatchObject({
        is_multi_region_trail: true,
        include_global_service_events: true,
        enable_log_file_validation: true,
        s3_bucket_name: `guardrails-audit-${account}`,
      });
      const bucket = plannedResources(plan(), "aws_s3_bucket").find((candidate) => candidate.values.bucket === `guardrails-audit-${account}`);
      expect(bucket?.values.object_lock_enabled).toBe(true);
      expect(one("aws_s3_bucket_object_lock_configuration").rule).toEqual([
        { default_retention: [{ mode: settings.objectLockMode.toUpperCase(), days: settings.retentionDays, years: null }] },
      ]);
    });

    it("plans GuardDuty, AWS Config, Security Hub and Access Analyzer in every region of the account", () => {
      expect(countsByType(plan())).toMatchObject({
        aws_guardduty_detector: regions,
        aws_config_configuration_recorder: regions,
        aws_config_conformance_pack: regions,
        aws_securityhub_standards_subscription: regions,
        aws_accessanalyzer_analyzer: regions,
        aws_cloudwatch_event_rule: regions,
      });
    });
  });
});
