import { TerraformStack } from "cdktf";
import { EncryptedLogGroup } from "../../constructs/logging/log-group";
import { IrsaRole } from "../../constructs/iam/irsa-role";
import { KmsKey } from "../../constructs/security/kms-key";
import { SecureBucket } from "../../constructs/storage/secure-bucket";
import { kubeConnection } from "../../constructs/cluster/kube-auth";
import { testStack } from "../support/environments";
import { onlyResource, policyOf, resourcesOf, synthStack } from "../support/synth";

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

  it("grants a service only under the conditions given", () => {
    const scope = stack();
    const key = new KmsKey(scope, "Key", { description: "test" });
    key.grantToService("Logs", "logs.eu-central-1.amazonaws.com", ["kms:Decrypt*"], { ArnLike: { "kms:EncryptionContext:aws:logs:arn": "arn:x" } });
    const [, grant] = policyOf(onlyResource(synthStack(scope), "aws_kms_key")).Statement;
    expect(grant).toEqual({
      Sid: "Logs",
      Effect: "Allow",
      Principal: { Service: "logs.eu-central-1.amazonaws.com" },
      Action: ["kms:Decrypt*"],
      Resource: "*",
      Condition: { ArnLike: { "kms:EncryptionContext:aws:logs:arn": "arn:x" } },
    });
  });
});

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

describe("SecureBucket", () => {
  const scope = stack();
  const key = new KmsKey(scope, "Key", { description: "data" });
  const logs = new SecureBucket(scope, "Logs", { bucketName: "logs-bucket" });
  new SecureBucket(scope, "Data", { bucketName: "data-bucket", key, accessLogs: { bucket: logs, prefix: "s3/data/" }, preventDestroy: true });
  const synthesized = synthStack(scope);
  const forBucket = (type: string, id: string) => Object.entries(resourcesOf(synthesized, type)).find(([name]) => name.startsWith(`${id}_`))![1];

  it("blocks all public access and enforces bucket-owner ownership", () => {
    expect(forBucket("aws_s3_bucket_public_access_block", "Data")).toMatchObject({
      block_public_acls: true,
      block_public_policy: true,
      ignore_public_acls: true,
      restrict_public_buckets: true,
    });
    expect(forBucket("aws_s3_bucket_ownership_controls", "Data").rule).toEqual({ object_ownership: "BucketOwnerEnforced" });
  });

  it("encrypts with the CMK when given one, and with SSE-S3 (what log delivery requires) otherwise", () => {
    expect(forBucket("aws_s3_bucket_server_side_encryption_configuration", "Data").rule).toEqual([
      {
        apply_server_side_encryption_by_default: { sse_algorithm: "aws:kms", kms_master_key_id: expect.stringContaining("aws_kms_key.Key") },
        bucket_key_enabled: true,
      },
    ]);
    expect(forBucket("aws_s3_bucket_server_side_encryption_configuration", "Logs").rule).toEqual([
      { apply_server_side_encryption_by_default: { sse_algorithm: "AES256" } },
    ]);
  });

  it("versions objects and expires noncurrent versions", () => {
    expect(forBucket("aws_s3_bucket_versioning", "Data").versioning_configuration).toEqual({ status: "Enabled" });
    expect(forBucket("aws_s3_bucket_lifecycle_configuration", "Data").rule).toMatchObject([
      { status: "Enabled", noncurrent_version_expiration: [{ noncurrent_days: 90 }], abort_incomplete_multipart_upload: [{ days_after_initiation: 7 }] },
    ]);
  });

  it("denies non-TLS requests, and lets S3 log delivery write only this bucket's logs into the log bucket", () => {
    expect(policyOf(forBucket("aws_s3_bucket_policy", "Data")).Statement).toEqual([
      expect.objectContaining({ Sid: "DenyInsecureTransport", Effect: "Deny", Condition: { Bool: { "aws:SecureTransport": false } } }),
    ]);
    expect(policyOf(forBucket("aws_s3_bucket_policy", "Logs")).Statement[1]).toEqual({
      Sid: "S3ServerAccessLogsData",
      Effect: "Allow",
      Principal: { Service: "logging.s3.amazonaws.com" },
      Action: "s3:PutObject",
      Resource: "arn:aws:s3:::logs-bucket/*",
      Condition: { ArnLike: { "aws:SourceArn": "arn:aws:s3:::data-bucket" }, StringEquals: { "aws:SourceAccount": "123456789012" } },
    });
    expect(forBucket("aws_s3_bucket_logging", "Data")).toMatchObject({ target_bucket: "logs-bucket", target_prefix: "s3/data/" });
  });

  it("refuses destroy when asked to", () => {
    expect(forBucket("aws_s3_bucket", "Data").lifecycle).toEqual({ prevent_destroy: true });
    expect(forBucket("aws_s3_bucket", "Logs").lifecycle).toBeUndefined();
  });
});

describe("IrsaRole", () => {
  it("trusts exactly one service account of the cluster's OIDC provider, by :sub and :aud", () => {
    const scope = stack();
    new IrsaRole(scope, "Role", {
      oidcProvider: {
        arn: "arn:aws:iam::123456789012:oidc-provider/oidc.eks.eu-central-1.amazonaws.com/id/ABC",
        issuer: "oidc.eks.eu-central-1.amazonaws.com/id/ABC",
      },
      roleName: "test-external-dns",
      namespace: "external-dns",
      serviceAccount: "external-dns",
      statements: [{ Effect: "Allow", Action: "route53:ChangeResourceRecordSets", Resource: "arn:aws:route53:::hostedzone/Z1" }],
    });
    const synthesized = synthStack(scope);
    const trust = policyOf(onlyResource(synthesized, "aws_iam_role"), "assume_role_policy").Statement;
    expect(trust).toEqual([
      {
        Effect: "Allow",
        Principal: { Federated: "arn:aws:iam::123456789012:oidc-provider/oidc.eks.eu-central-1.amazonaws.com/id/ABC" },
        Action: "sts:AssumeRoleWithWebIdentity",
        Condition: {
          StringEquals: {
            "oidc.eks.eu-central-1.amazonaws.com/id/ABC:sub": "system:serviceaccount:external-dns:external-dns",
            "oidc.eks.eu-central-1.amazonaws.com/id/ABC:aud": "sts.amazonaws.com",
          },
        },
      },
    ]);
    expect(policyOf(onlyResource(synthesized, "aws_iam_role_policy")).Statement).toHaveLength(1);
  });

  it("refuses a role name IAM would reject", () => {
    expect(
      () =>
        new IrsaRole(stack(), "Role", {
          oidcProvider: { arn: "arn", issuer: "issuer" },
          roleName: "x".repeat(65),
          namespace: "ns",
          serviceAccount: "sa",
        }),
    ).toThrow("longer than IAM's 64 characters");
  });
});

describe("kubeConnection", () => {
  it("authenticates with a fresh `aws eks get-token` at every use, never a stored token", () => {
    const connection = kubeConnection({
      name: "shop-prod",
      endpoint: "https://example.eks.amazonaws.com",
      certificateAuthorityData: "Q0E=",
      oidcProvider: { arn: "arn", issuer: "issuer" },
      nodeSecurityGroupId: "sg-1",
      kubernetesVersion: "1.33",
      region: "eu-central-1",
      vpcId: "vpc-1",
    });
    expect(connection.exec).toEqual({
      apiVersion: "client.authentication.k8s.io/v1beta1",
      command: "aws",
      args: ["eks", "get-token", "--cluster-name", "shop-prod", "--region", "eu-central-1", "--output", "json"],
    });
    expect(connection.host).toBe("https://example.eks.amazonaws.com");
  });
});
