import { ALL_RULES } from "../../../constructs/policy/rules";
import { AUDIT_FIXTURES } from "./fixtures/audit";
import { ADMISSION_FIXTURES } from "./fixtures/admission";
import { COMPUTE_FIXTURES } from "./fixtures/compute";
import { DATABASE_FIXTURES } from "./fixtures/database";
import { EDGE_FIXTURES } from "./fixtures/edge";
import { IAM_FIXTURES } from "./fixtures/iam";
import { NETWORK_FIXTURES } from "./fixtures/network";
import { PRIVATE_FIXTURES } from "./fixtures/private";
import { RELIABILITY_FIXTURES } from "./fixtures/reliability";
import { SERVICE_FIXTURES } from "./fixtures/services";
import { STORAGE_FIXTURES } from "./fixtures/storage";
import { RuleFixture, runFixture } from "./support";

const FIXTURES: RuleFixture[] = [
  ...COMPUTE_FIXTURES,
  ...DATABASE_FIXTURES,
  ...STORAGE_FIXTURES,
  ...SERVICE_FIXTURES,
  ...NETWORK_FIXTURES,
  ...EDGE_FIXTURES,
  ...IAM_FIXTURES,
  ...RELIABILITY_FIXTURES,
  ...PRIVATE_FIXTURES,
  ...AUDIT_FIXTURES,
  ...ADMISSION_FIXTURES,
];

describe("policy rules", () => {
  describe.each(FIXTURES.map((fixture) => [`${fixture.rule} ${fixture.name}`, fixture] as const))("%s", (_, fixture) => {
    it("flags exactly the failing resources", () => {
      expect(runFixture(fixture).flagged).toEqual([...fixture.failing].sort());
    });
  });

  it("has a passing and a failing fixture for every rule", () => {
    const coverage = new Map(ALL_RULES.map((rule) => [rule.id, { passing: 0, failing: 0 }]));
    for (const fixture of FIXTURES) {
      const { flagged, passed } = runFixture(fixture);
      const counts = coverage.get(fixture.rule)!;
      counts.passing += passed.length;
      counts.failing += flagged.length;
    }
    const uncovered = [...coverage].filter(([, counts]) => counts.passing === 0 || counts.failing === 0).map(([id]) => id);
    expect(uncovered).toEqual([]);
  });

  it("gives every rule a stable id, a title, a fix and the scanner ids it mirrors in their own formats", () => {
    for (const rule of ALL_RULES) {
      expect(rule.id).toMatch(/^PLT-[A-Z0-9]+-\d{3}$/);
      expect(rule.title.length).toBeGreaterThan(0);
      expect(rule.remediation.length).toBeGreaterThan(0);
      expect(rule.resourceTypes.length).toBeGreaterThan(0);
      for (const id of [...(rule.checkov ?? []), ...(rule.checkovRelated ?? []).map((entry) => entry.id)]) expect(id).toMatch(/^CKV2?_AWS_\d+$/);
      for (const entry of rule.checkovRelated ?? []) expect(entry.differs.length).toBeGreaterThan(0);
      for (const id of rule.trivy ?? []) expect(id).toMatch(/^AVD-AWS-\d{4}$/);
    }
  });

  // Facts about Checkov (checkov/terraform/checks/resource/aws/*.py, 3.2): the resource types each check runs on, for
  // the ids a review found claimed by rules of other types.
  const CHECKOV_SUPPORTED_RESOURCES: Record<string, readonly string[]> = {
    CKV_AWS_8: ["aws_instance", "aws_launch_configuration"],
    CKV_AWS_358: ["aws_iam_policy_document"],
    CKV_AWS_379: ["aws_s3_bucket_acl"],
  };

  it("claims a Checkov id only for a rule that checks a resource type the Checkov check runs on", () => {
    const claims = ALL_RULES.flatMap((rule) =>
      (rule.checkov ?? [])
        .filter((id) => id in CHECKOV_SUPPORTED_RESOURCES && !rule.resourceTypes.some((type) => CHECKOV_SUPPORTED_RESOURCES[id].includes(type)))
        .map((id) => `${rule.id}: ${id}`),
    );
    expect(claims).toEqual([]);
  });

  it("does not claim CKV_AWS_86 (legacy logging_config only) for the rule that accepts standard logging v2", () => {
    const logging = ALL_RULES.find((rule) => rule.id === "PLT-CF-004")!;
    expect(logging.checkov ?? []).not.toContain("CKV_AWS_86");
    expect(logging.checkovRelated?.map((entry) => entry.id)).toContain("CKV_AWS_86");
  });
});
