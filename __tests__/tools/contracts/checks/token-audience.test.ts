import { tokenAudienceContract, vaultRoles } from "../../../../tools/contracts/checks/token-audience";
import { association, irsaTrust, object, PLATFORM, podIdentityTrust, serviceAccount, system, workload } from "../fixtures/system";

const ROLE_ARN = "arn:aws:iam::123456789012:role/shop-test-web";
const setupJob = (audience: string) =>
  object(
    `release:${PLATFORM}:vault-config`,
    "Job",
    "vault-setup",
    "vault",
    {
      spec: {
        template: {
          spec: {
            containers: [
              {
                name: "configure",
                command: [
                  "/bin/sh",
                  "-c",
                  `set -e\nvault write auth/kubernetes/role/web bound_service_account_names=web policies=web audience=${audience} token_ttl=1h\n`,
                ],
              },
            ],
          },
        },
      },
    },
    "batch/v1",
  );

/** The web pods log in to Vault with a projected token and to AWS through IRSA; the store asks for STS tokens. */
function build(broken: boolean) {
  const tokenAudience = broken ? undefined : "vault";
  return system({
    stacks: {
      [PLATFORM]: {
        resource: {
          aws_iam_openid_connect_provider: { Cluster: { url: "${aws_eks_cluster.Eks.identity[0].oidc[0].issuer}", client_id_list: ["sts.amazonaws.com"] } },
          aws_iam_role: { Web: { name: "shop-test-web", assume_role_policy: irsaTrust("web:web") } },
        },
      },
    },
    objects: [
      setupJob("vault"),
      serviceAccount("gitops:overlays/test", "web", "web", ROLE_ARN),
      ...(broken
        ? [
            object("gitops:overlays/test", "ServiceAccount", "batch", "web", {
              annotations: { "eks.amazonaws.com/role-arn": ROLE_ARN, "eks.amazonaws.com/audience": "batch" },
            }),
          ]
        : []),
      object(
        "gitops:overlays/test",
        "SecretStore",
        "aws",
        "web",
        {
          spec: { provider: { aws: { auth: { jwt: { serviceAccountRef: { name: "web", ...(broken ? { audiences: ["internal"] } : {}) } } } } } },
        },
        "external-secrets.io/v1",
      ),
    ],
    workloads: [
      workload(
        "web",
        {
          automountServiceAccountToken: false,
          volumes: [
            {
              name: "vault-token",
              projected: { sources: [{ serviceAccountToken: { path: "token", ...(tokenAudience ? { audience: tokenAudience } : {}) } }] },
            },
          ],
          containers: [{ name: "web" }],
        },
        {
          source: "gitops:overlays/test",
          kind: "Rollout",
          namespace: "web",
          owner: "application",
          podAnnotations: {
            "vault.hashicorp.com/agent-inject": "true",
            "vault.hashicorp.com/role": "web",
            "vault.hashicorp.com/agent-service-account-token-volume-name": "vault-token",
          },
        },
      ),
    ],
  });
}

describe("the token-audience contract", () => {
  it("reads each Vault role's audience from the setup Job's script", () => {
    expect(vaultRoles(build(false))).toEqual([{ name: "web", audience: "vault", writtenBy: `Job vault/vault-setup (release:${PLATFORM}:vault-config)` }]);
  });

  it("passes tokens whose audience their Vault role and AWS STS verify", () => {
    const result = tokenAudienceContract.check(build(false));
    expect(result.findings).toEqual([]);
    expect(result.checked).toBe(3);
  });

  it("names the agent token without the role's audience, an IRSA audience the OIDC provider does not know, and a store's extra audience", () => {
    const result = tokenAudienceContract.check(build(true));
    expect(result.findings.map((finding) => [finding.consumer, finding.reference, finding.instead])).toEqual([
      [
        "Rollout web/web (gitops:overlays/test)",
        `Vault role web audience vault (Job vault/vault-setup (release:${PLATFORM}:vault-config))`,
        "its agent's token carries the API server's default audience",
      ],
      ["ServiceAccount web/batch (gitops:overlays/test)", "token audience batch", "client ids of the cluster's OIDC provider: sts.amazonaws.com"],
      ["SecretStore web/aws (gitops:overlays/test)", "token audiences internal", "client ids of the cluster's OIDC provider: sts.amazonaws.com"],
    ]);
  });

  it("names an agent whose role no setup writes", () => {
    const model = build(false);
    const result = tokenAudienceContract.check({ ...model, objects: model.objects.filter(({ object: each }) => each.kind !== "Job") });
    expect(result.findings.map((finding) => [finding.reference, finding.instead])).toEqual([["Vault role web", "roles the setup writes: nothing"]]);
  });
});

/**
 * With Pod Identity: external-dns's association reaches a role that admits sts:AssumeRole and sts:TagSession by
 * pods.eks.amazonaws.com. The failing system's role admits sts:AssumeRole only (EKS always tags the session), and the
 * associated account asks for an IRSA audience its Pod Identity token never carries.
 */
function podIdentity(broken: boolean) {
  const trust = JSON.parse(podIdentityTrust("external-dns:external-dns")) as { Statement: Record<string, unknown>[] };
  if (broken) trust.Statement[0].Action = "sts:AssumeRole";
  return system({
    stacks: {
      [PLATFORM]: {
        resource: {
          aws_iam_role: { Dns: { name: "shop-test-external-dns", assume_role_policy: JSON.stringify(trust) } },
          aws_eks_pod_identity_association: { Dns: association("external-dns", "external-dns", "Dns") },
        },
      },
    },
    objects: [
      object(
        `release:${PLATFORM}:external-dns`,
        "ServiceAccount",
        "external-dns",
        "external-dns",
        broken ? { annotations: { "eks.amazonaws.com/audience": "sts.amazonaws.com" } } : {},
      ),
    ],
  });
}

describe("the token-audience contract with Pod Identity", () => {
  const label = `aws_eks_pod_identity_association.Dns (${PLATFORM}) for external-dns/external-dns`;

  it("passes an association whose role admits what EKS Pod Identity asks for", () => {
    const result = tokenAudienceContract.check(podIdentity(false));
    expect(result.findings).toEqual([]);
    expect(result.checked).toBe(1);
  });

  it("names a role that refuses the session tags and an associated account that asks for an IRSA audience", () => {
    expect(tokenAudienceContract.check(podIdentity(true)).findings.map((finding) => [finding.consumer, finding.reference, finding.instead])).toEqual([
      [label, `sts:TagSession by pods.eks.amazonaws.com at role shop-test-external-dns (${PLATFORM})`, "its trust admits: sts:AssumeRole"],
      [
        `ServiceAccount external-dns/external-dns (release:${PLATFORM}:external-dns)`,
        "token audience sts.amazonaws.com",
        `its Pod Identity token carries pods.eks.amazonaws.com (${label})`,
      ],
    ]);
  });
});
