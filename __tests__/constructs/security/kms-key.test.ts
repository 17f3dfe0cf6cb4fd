import { principalGrantee } from "../../../constructs/core/grants";
import { TerraformStack } from "cdktf";
import { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy";
import { policyDocument } from "../../../constructs/iam/policy-document";
import { KmsKey } from "../../../constructs/security/kms-key";
import { testStack } from "../../support/environments";
import { onlyResource, policyOf, synthStack } from "../../support/synth";

function stack(): TerraformStack {
  return testStack();
}

describe("KmsKey", () => {
  it("rotates yearly, waits 30 days before deletion and delegates to IAM of this account only", () => {
    const scope = stack();
    new KmsKey(scope, "Key", { description: "test", alias: "test" });
    const synthesized = synthStack(scope);
    const key = onlyResource(synthesized, "aws_kms_key");
    expect(key).toMatchObject({ enable_key_rotation: true, rotation_period_in_days: 365, deletion_window_in_days: 30 });
    expect(policyOf(key).Statement).toEqual([
      { Sid: "EnableIamPoliciesOfThisAccount", Effect: "Allow", Principal: { AWS: "arn:aws:iam::123456789012:root" }, Action: "kms:*", Resource: "*" },
    ]);
    expect(onlyResource(synthesized, "aws_kms_alias").name).toBe("alias/test");
  });

  it("grants a service only under the conditions given, and a principal by its ARN, returning what each grant adds", () => {
    const scope = stack();
    const key = new KmsKey(scope, "Key", { description: "test" });
    const service = key.grantService("logs.eu-central-1.amazonaws.com", "Logs", ["kms:Decrypt*"], {
      ArnLike: { "kms:EncryptionContext:aws:logs:arn": "arn:x" },
    });
    const principal = key.grantPrincipal(principalGrantee("arn:aws:iam::123456789012:role/x"), "AutoScaling", ["kms:Decrypt"]);
    const [, ...grants] = policyOf(onlyResource(synthStack(scope), "aws_kms_key")).Statement;
    expect(grants).toEqual([
      {
        Sid: "Logs",
        Effect: "Allow",
        Principal: { Service: "logs.eu-central-1.amazonaws.com" },
        Action: ["kms:Decrypt*"],
        Resource: "*",
        Condition: { ArnLike: { "kms:EncryptionContext:aws:logs:arn": "arn:x" } },
      },
      { Sid: "AutoScaling", Effect: "Allow", Principal: { AWS: "arn:aws:iam::123456789012:role/x" }, Action: ["kms:Decrypt"], Resource: "*" },
    ]);
    expect([...service.statements, ...principal.statements]).toEqual(grants);
  });

  it("gives an identity-policy statement on this key alone for a principal of the account, leaving the key policy as it is", () => {
    const scope = stack();
    const key = new KmsKey(scope, "Key", { description: "test" });
    const statements = [
      ...key.grantIdentity("UseStateKey", ["kms:Decrypt", "kms:Encrypt"]).statements,
      ...key.grantDecryptThrough("secretsmanager", "ReadSecret").statements,
    ];
    new IamRolePolicy(scope, "Policy", { role: "reader", policy: policyDocument(statements) });
    const synthesized = synthStack(scope);
    const keyArn = expect.stringMatching(/^\$\{aws_kms_key\.Key_[A-Z0-9]+\.arn\}$/);
    expect(policyOf(onlyResource(synthesized, "aws_iam_role_policy")).Statement).toEqual([
      { Sid: "UseStateKey", Effect: "Allow", Action: ["kms:Decrypt", "kms:Encrypt"], Resource: keyArn },
      {
        Sid: "ReadSecret",
        Effect: "Allow",
        Action: "kms:Decrypt",
        Resource: keyArn,
        Condition: { StringEquals: { "kms:ViaService": "secretsmanager.eu-central-1.amazonaws.com" } },
      },
    ]);
    expect(policyOf(onlyResource(synthesized, "aws_kms_key")).Statement).toHaveLength(1);
  });
});
