import { TerraformStack } from "cdktf";
import { EncryptedLogGroup } from "../../../constructs/logging/log-group";
import { KmsKey } from "../../../constructs/security/kms-key";
import { testStack } from "../../support/environments";
import { onlyResource, policyOf, synthStack } from "../../support/synth";

function stack(): TerraformStack {
  return testStack();
}

describe("EncryptedLogGroup", () => {
  it("is encrypted with the key, expires events, and lets CloudWatch Logs use the key for this group only", () => {
    const scope = stack();
    const key = new KmsKey(scope, "Key", { description: "logs" });
    new EncryptedLogGroup(scope, "Group", { name: "/test/group", retentionDays: 90, key });
    const synthesized = synthStack(scope);
    expect(onlyResource(synthesized, "aws_cloudwatch_log_group")).toMatchObject({ name: "/test/group", retention_in_days: 90 });
    expect(onlyResource(synthesized, "aws_cloudwatch_log_group").kms_key_id).toMatch(/^\$\{aws_kms_key\.Key_.*\.arn\}$/);
    const grant = policyOf(onlyResource(synthesized, "aws_kms_key")).Statement[1];
    expect(grant.Condition).toEqual({ ArnEquals: { "kms:EncryptionContext:aws:logs:arn": "arn:aws:logs:eu-central-1:123456789012:log-group:/test/group" } });
  });
});
