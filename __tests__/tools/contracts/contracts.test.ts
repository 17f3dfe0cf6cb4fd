import { CONTRACTS, findingLine } from "../../../tools/contracts/contracts";
import type { Contract, SystemModel } from "../../../tools/contracts/types";
import * as arns from "./fixtures/arns";
import * as crds from "./fixtures/crds";
import * as hosts from "./fixtures/hosts";
import * as irsa from "./fixtures/irsa";
import * as mountedSecrets from "./fixtures/mounted-secrets";
import * as scheduling from "./fixtures/scheduling";
import * as secrets from "./fixtures/secrets";

const FIXTURES: Record<string, { passing: SystemModel; failing: SystemModel }> = {
  secrets,
  arns,
  irsa,
  hosts,
  crds,
  scheduling,
  "mounted-secrets": mountedSecrets,
};

/** What each failing fixture breaks, as [consumer, reference, what exists instead]. */
const EXPECTED: Record<string, [string, string, string][]> = {
  secrets: [
    [
      "role shop-test-ops-reader of SecretStore ops/aws (release:test-platform:stores)",
      "shop-test/app (read only through aws)",
      "granted by aws_iam_role_policy.OpsRead (test-platform)",
    ],
    [
      "ExternalSecret app/app (gitops:overlays/test)",
      "SecretsManager shop-test/missing",
      "no stack creates it and no PushSecret writes it; aws_secretsmanager_secret in this environment: shop-test/app, shop-test/ops, shop-test/db",
    ],
    [
      "ExternalSecret app/app (gitops:overlays/test)",
      "secretsmanager:GetSecretValue on shop-test/db for role shop-test-app-reader of SecretStore aws",
      "that role grants it on: arn:aws:secretsmanager:eu-central-1:123456789012:secret:shop-test/app-??????",
    ],
  ],
  arns: [
    [
      "aws_iam_role_policy.Read (test-platform) policy Statement[0].Resource",
      "arn:aws:secretsmanager:eu-central-1:123456789012:secret:${aws_rds_cluster.Db.master_user_secret[0].secret_arn}-??????",
      "an ARN inside an ARN (${aws_rds_cluster.Db.master_user_secret[0].secret_arn} is an ARN)",
    ],
    ["aws_iam_role_policy.Read (test-platform) policy Statement[0].Resource", "arn:aws:s3:::arn:aws:s3:::bucket", "an ARN inside an ARN"],
    [
      "aws_iam_role_policy.Read (test-platform) policy Statement[0].Resource",
      "arn:aws:ecr:eu-central-1:12345:repository/web",
      'account "12345" is not 12 digits',
    ],
    [
      "aws_iam_role_policy.Read (test-platform) policy Statement[0].Resource",
      "arn:aws:s3",
      "fewer than six fields (arn:partition:service:region:account:resource)",
    ],
    ["aws_iam_role_policy.Read (test-platform) policy Statement[0].Resource", "${aws_kms_key.Key.arn}/arn:aws:kms", "an ARN inside an ARN"],
    [
      "aws_iam_role_policy.Read (test-platform) policy Statement[0].Resource",
      "arn:aws:rds-db:eu-central-1:123456789012:dbuser:${aws_rds_cluster.Gone.cluster_resource_id}/web",
      "a reference inside a literal ARN that resolves to no resource (${aws_rds_cluster.Gone.cluster_resource_id})",
    ],
  ],
  irsa: [
    [
      "aws_iam_role.Controller (test-platform) trust",
      "system:serviceaccount:controller:ghost",
      "service accounts in controller: controller:controller, controller:webhook",
    ],
    [
      "ServiceAccount controller/webhook (release:test-platform:controller)",
      "role shop-test-controller (test-platform)",
      "its trust admits: system:serviceaccount:controller:controller, system:serviceaccount:controller:ghost",
    ],
    ["ServiceAccount web/web (gitops:overlays/test)", "eks.amazonaws.com/role-arn arn:aws:iam::123456789012:role/shop-test-web", "roles: shop-test-controller"],
  ],
  hosts: [
    [
      "Ingress argocd/argo-cd-server (release:test-platform:argo-cd)",
      "certificate for argocd.ops.test.shop.example.com in eu-central-1",
      "certificates in eu-central-1: test.shop.example.com, *.test.shop.example.com, www.test.shop.example.com",
    ],
    ["aws_cloudfront_distribution.Cdn (test-platform)", "certificate for www.test.shop.example.com in us-east-1", "a certificate for it in eu-central-1"],
  ],
  crds: [
    [
      "ClusterIssuer letsencrypt (release:test-platform:config)",
      "installed after cert-manager (test-platform)",
      "helm_release.config (test-platform) waits for: nothing",
    ],
    [
      "ClusterSecretStore aws (release:test-platform:external-secrets)",
      "CRD external-secrets.io/ClusterSecretStore (chart external-secrets)",
      "no release installs it; releases: cert-manager (cert-manager), argo-rollouts (argo-rollouts), argo-cd (argo-cd), external-secrets (external-secrets), config (platform-manifests), apps (argocd-apps)",
    ],
    ["Rollout web/web (gitops:overlays/test)", "installed after argo-rollouts", "no Argo CD Application syncs gitops/overlays/test"],
    [
      "Rollout web/canary (stack:test-platform:kubernetes_manifest.Rollout)",
      "CRD argoproj.io/Rollout at plan time",
      "it comes from a release of the same stack (argo-rollouts); use a later stack or the platform-manifests chart",
    ],
    ["Widget web/w (release:test-platform:config)", "CRD example.com/Widget", "no chart of tools/contracts/chart-workloads.ts ships it"],
    [
      "VolumeSnapshotClass ebs (release:test-platform:config)",
      "CRD snapshot.storage.k8s.io/VolumeSnapshotClass (EKS add-on snapshot-controller)",
      "no upstream stack installs that add-on",
    ],
  ],
  scheduling: [
    [
      "Deployment database/database (release:test-platform:database)",
      "a node pool for workload=stateful whose taints it tolerates",
      "untolerated taints: shop-test-stateful workload=stateful:NoSchedule",
    ],
    [
      "Deployment cache/cache (release:test-platform:cache)",
      "nodes with workload=memory",
      "node pools: shop-test-system {eks.amazonaws.com/capacityType=ON_DEMAND, workload=system}, shop-test-stateful {eks.amazonaws.com/capacityType=ON_DEMAND, workload=stateful}, shop-test-stateless {eks.amazonaws.com/capacityType=SPOT, workload=stateless}",
    ],
    [
      "Deployment web/web (release:test-platform:web)",
      "nodes with topology.kubernetes.io/zone=eu-west-1a",
      "node pools: shop-test-system {eks.amazonaws.com/capacityType=ON_DEMAND, workload=system}, shop-test-stateful {eks.amazonaws.com/capacityType=ON_DEMAND, workload=stateful}, shop-test-stateless {eks.amazonaws.com/capacityType=SPOT, workload=stateless}",
    ],
  ],
  "mounted-secrets": [
    [
      "Rollout web/web (gitops:overlays/test)",
      "Secret web/web-api-key",
      "Secrets produced in web: web-db, web-webhook, web-tls, web-ca-tls, logs-es-elastic-user, logs-es-http-certs-public and 2 more",
    ],
    ["Rollout web/web (gitops:overlays/test)", "Secret web/web-token", "annotated for the Vault injector, but no vault release runs the injector"],
    [
      "ExternalSecret webapp/database-credentials (release:test-platform:secrets)",
      "a workload that reads Secret webapp/database-credentials",
      "workloads in webapp: nothing",
    ],
  ],
};

const contract = (name: string): Contract => {
  const found = CONTRACTS.find((candidate) => candidate.name === name);
  if (!found) throw new Error(`no contract ${name}`);
  return found;
};

describe.each(Object.keys(FIXTURES))("the %s contract", (name) => {
  it("passes a system whose references all resolve, and says what it checked", () => {
    const result = contract(name).check(FIXTURES[name].passing);
    expect(result.findings).toEqual([]);
    expect(result.checked).toBeGreaterThan(0);
  });

  it("names every broken reference of its failing fixture, and nothing else", () => {
    const result = contract(name).check(FIXTURES[name].failing);
    expect(result.findings.map((finding) => [finding.consumer, finding.reference, finding.instead])).toEqual(EXPECTED[name]);
    expect(result.findings.every((finding) => finding.contract === name)).toBe(true);
  });
});

/** Contracts whose fixture pairs live in their own test file (placement.test.ts, metrics.test.ts, checks/<name>.test.ts). */
const OWN_TEST_FILE = [
  "placement",
  "metrics",
  "admission",
  "certificate-reload",
  "token-audience",
  "database-users",
  "effective-permissions",
  "plan-refresh",
  "backups",
  "admission-policies",
];

describe("the contract registry", () => {
  it("has one fixture pair per contract", () => {
    expect(CONTRACTS.map((candidate) => candidate.name).sort()).toEqual([...Object.keys(FIXTURES), ...OWN_TEST_FILE].sort());
  });

  it("prints a finding as one line: environment, contract, consumer, reference and what exists instead", () => {
    const [finding] = contract("irsa").check(irsa.failing).findings;
    expect(findingLine("test", finding)).toBe(
      "test irsa: aws_iam_role.Controller (test-platform) trust references system:serviceaccount:controller:ghost; exists instead: service accounts in controller: controller:controller, controller:webhook",
    );
  });
});
