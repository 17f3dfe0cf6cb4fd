import { effectivePermissionsContract } from "../../../../tools/contracts/checks/effective-permissions";
import { findingLine } from "../../../../tools/contracts/contracts";
import { ACCOUNT, ENVIRONMENT, policy, REGION, system } from "../fixtures/system";

/**
 * The application's role is created under the environment's permissions boundary and granted `rds-db:connect`, a
 * secret read through a reference and an S3 read of one of the environment's buckets. The passing boundary admits
 * all three; the failing one allows `rds:*` only (the break of issue 20: rds-db is a service prefix of its own, so
 * the grant had no effect) and denies reads of the secret's key outright.
 */
const BOOTSTRAP = "bootstrap";
const EDGE = `${ENVIRONMENT.name}-edge`;
const boundaryArn = `arn:aws:iam::${ACCOUNT}:policy/shop-test-boundary`;
const dbUser = `arn:aws:rds-db:${REGION}:${ACCOUNT}:dbuser:\${data.terraform_remote_state.data.outputs.cluster_resource_id}/web`;

function build(broken: boolean, organization?: Record<string, unknown>) {
  const boundary = policy(
    { Effect: "Allow", Action: ["rds:*", "secretsmanager:*", "kms:*"], Resource: "*" },
    { Effect: "Allow", Action: "s3:*", Resource: ["arn:aws:s3:::shop-test-*", "arn:aws:s3:::shop-test-*/*"] },
    ...(broken
      ? [{ Sid: "NeverDecrypt", Effect: "Deny", Action: "kms:Decrypt", Resource: "*" }]
      : [{ Effect: "Allow", Action: "rds-db:connect", Resource: `arn:aws:rds-db:${REGION}:${ACCOUNT}:dbuser:*/*` }]),
  );
  return system({
    stacks: {
      [BOOTSTRAP]: { resource: { aws_iam_policy: { Boundary: { name: "shop-test-boundary", policy: boundary } } } },
      [EDGE]: {
        resource: {
          aws_s3_bucket: { Logs: { bucket: "shop-test-logs" } },
          aws_kms_key: { Key: {} },
          aws_iam_role: { Web: { name: "shop-test-web", assume_role_policy: "{}", permissions_boundary: boundaryArn } },
          aws_iam_role_policy: {
            Connect: { role: "${aws_iam_role.Web.name}", policy: policy({ Effect: "Allow", Action: "rds-db:connect", Resource: dbUser }) },
            Read: {
              role: "${aws_iam_role.Web.id}",
              policy: policy(
                { Effect: "Allow", Action: "s3:GetObject", Resource: "${aws_s3_bucket.Logs.arn}/*" },
                {
                  Effect: "Allow",
                  Action: "kms:Decrypt",
                  Resource: "${aws_kms_key.Key.arn}",
                  Condition: { StringEquals: { "kms:ViaService": "secretsmanager.x" } },
                },
              ),
            },
          },
          ...(organization ? { aws_organizations_policy: { Guard: { name: "guard", content: JSON.stringify(organization) } } } : {}),
        },
      },
    },
  });
}

describe("the effective-permissions contract", () => {
  it("passes grants the boundary allows, and counts every action on every resource it checked", () => {
    const result = effectivePermissionsContract.check(build(false));
    expect(result.findings).toEqual([]);
    expect(result.checked).toBe(3);
  });

  it("names a grant outside the boundary (rds-db:connect under rds:*) and one the boundary denies", () => {
    const result = effectivePermissionsContract.check(build(true));
    expect(result.findings.map((finding) => [finding.consumer, finding.reference, finding.instead])).toEqual([
      [
        `aws_iam_role_policy.Connect (${EDGE}) of role shop-test-web`,
        `rds-db:connect on ${dbUser}`,
        "its boundary shop-test-boundary does not allow it: the grant has no effect",
      ],
      [
        `aws_iam_role_policy.Read (${EDGE}) of role shop-test-web`,
        "kms:Decrypt on ${aws_kms_key.Key.arn}",
        "denied by NeverDecrypt of its boundary shop-test-boundary or an organization policy",
      ],
    ]);
    expect(findingLine(ENVIRONMENT.name, result.findings[0])).toMatch(/^test effective-permissions: aws_iam_role_policy\.Connect/);
  });

  it("applies the organization policies the project ships as well", () => {
    const scp = { Statement: [{ Effect: "Allow", Action: ["rds-db:*", "kms:*"], Resource: "*" }] };
    const result = effectivePermissionsContract.check(build(false, scp));
    expect(result.findings.map((finding) => finding.reference)).toEqual(["s3:GetObject on ${aws_s3_bucket.Logs.arn}/*"]);
  });

  it("names a boundary no stack creates", () => {
    const model = build(false);
    const { [BOOTSTRAP]: _bootstrap, ...withoutBootstrap } = model.stacks;
    void _bootstrap;
    const result = effectivePermissionsContract.check({ ...model, stacks: withoutBootstrap });
    expect(result.findings.map((finding) => [finding.reference, finding.instead])).toEqual([[`permissions boundary ${boundaryArn}`, "policies: nothing"]]);
  });
});

describe("the effective-permissions contract with Pod Identity", () => {
  /**
   * A boundary that allows S3 reads only to sessions of the logs namespace's service accounts (an ABAC guardrail on
   * the session tags EKS Pod Identity sets): the role bound to logs/shipper keeps its grant, the same role bound to
   * web/web would not.
   */
  function tagged(namespace: string) {
    const boundary = policy({
      Effect: "Allow",
      Action: "s3:*",
      Resource: ["arn:aws:s3:::shop-test-*", "arn:aws:s3:::shop-test-*/*"],
      Condition: { StringEquals: { "aws:PrincipalTag/kubernetes-namespace": "logs" } },
    });
    return system({
      stacks: {
        [BOOTSTRAP]: { resource: { aws_iam_policy: { Boundary: { name: "shop-test-boundary", policy: boundary } } } },
        [EDGE]: {
          resource: {
            aws_s3_bucket: { Logs: { bucket: "shop-test-logs" } },
            aws_iam_role: { Shipper: { name: "shop-test-shipper", assume_role_policy: "{}", permissions_boundary: boundaryArn } },
            aws_iam_role_policy: {
              Read: {
                role: "${aws_iam_role.Shipper.id}",
                policy: policy({ Effect: "Allow", Action: "s3:GetObject", Resource: "${aws_s3_bucket.Logs.arn}/*" }),
              },
            },
            aws_eks_pod_identity_association: {
              Shipper: { cluster_name: "shop-test", namespace, service_account: "shipper", role_arn: "${aws_iam_role.Shipper.arn}" },
            },
          },
        },
      },
    });
  }

  it("evaluates a bound role's grants with the session tags of its association", () => {
    expect(effectivePermissionsContract.check(tagged("logs")).findings).toEqual([]);
    expect(effectivePermissionsContract.check(tagged("web")).findings.map((finding) => finding.reference)).toEqual([
      "s3:GetObject on ${aws_s3_bucket.Logs.arn}/*",
    ]);
  });
});
