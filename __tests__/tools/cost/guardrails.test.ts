import { Testing } from "cdktf";
import { EnvironmentConfig } from "../../../config";
import { estimate, LineItem } from "../../../tools/cost/estimate";
import prices from "../../../tools/cost/prices.json";
import { SynthesizedStack } from "../../../tools/lib/synth-output";
import { guardrailsStacks } from "../../../main";
import { testApp, testEnvironment } from "../../support/environments";

/** The guardrails stack of one test environment, as the estimator reads a synthesized stack. */
function guardrailsOf(environment: EnvironmentConfig): SynthesizedStack {
  const [stack] = guardrailsStacks(testApp(), [environment], [environment]);
  return { name: stack.node.id, dependencies: [], json: JSON.parse(Testing.synth(stack)) as SynthesizedStack["json"] };
}

const itemsOf = (environment: EnvironmentConfig): LineItem[] => {
  const report = estimate([guardrailsOf(environment)]);
  expect(report.unknown).toEqual([]);
  expect(report.unpriced).toEqual([]);
  expect(report.environments).toEqual([]);
  return [...report.account[0].items];
};
const find = (items: readonly LineItem[], text: string) => items.filter((item) => item.description.includes(text));
const global = prices.global;
const assumed = prices.assumptions;

describe("the account guardrails in the cost estimate", () => {
  const items = itemsOf(testEnvironment());

  it("prices the account's first trail's management events at nothing, and S3 data events only when recorded", () => {
    expect(find(items, "management events, the account's first trail").map((item) => item.monthly)).toEqual([0]);
    expect(find(items, "S3 data events").filter((item) => item.address.startsWith("aws_cloudtrail"))).toEqual([]);
    const withData = itemsOf(testEnvironment({ guardrails: { cloudTrail: { s3DataEvents: true } } }));
    const [data] = find(withData, "S3 data events").filter((item) => item.address.startsWith("aws_cloudtrail"));
    expect(data.monthly).toBeCloseTo(assumed.cloudtrailS3DataEventsMillions.value * 10 * global.cloudtrailDataEventsPer100k, 2);
  });

  it("prices GuardDuty per event, GB and vCPU of each protection plan on, and nothing for plans off", () => {
    const guardDuty = items.filter((item) => item.description.startsWith("GuardDuty"));
    expect(guardDuty.map((item) => item.description).sort()).toEqual(
      [
        "GuardDuty: CloudTrail management events analysed",
        "GuardDuty: VPC flow and DNS logs analysed",
        "GuardDuty EKS audit log events",
        "GuardDuty runtime monitoring of EKS nodes",
        "GuardDuty RDS login events",
        "GuardDuty S3 data events",
      ].sort(),
    );
    expect(find(items, "runtime monitoring")[0].monthly).toBeCloseTo(assumed.guarddutyRuntimeVcpus.value * global.guarddutyRuntimeMonitoringPerVcpuMonth, 2);
  });

  it("prices AWS Config per configuration item and conformance pack evaluation, Security Hub per check", () => {
    expect(find(items, "configuration items")[0].monthly).toBeCloseTo(assumed.configItemsRecorded.value * global.configItemRecorded, 2);
    expect(find(items, "conformance pack")[0].monthly).toBeCloseTo(assumed.configConformancePackEvaluations.value * global.configConformancePackEvaluation, 2);
    expect(find(items, "Security Hub")[0].monthly).toBeCloseTo(assumed.securityHubChecks.value * global.securityHubCheck, 2);
  });

  it("charges nothing for the account analyzer", () => {
    expect(items.filter((item) => item.address.startsWith("aws_accessanalyzer_analyzer"))).toEqual([]);
  });

  it("marks every paid guardrails figure as an estimate, as derived figures are marked", () => {
    const paid = items.filter((item) => /GuardDuty|Config|conformance|Security Hub|S3 data events/.test(item.description));
    expect(paid.length).toBeGreaterThan(5);
    for (const item of paid) expect(item.derived).toMatch(/account guardrails: an estimate/);
  });
});
