import { Construct } from "constructs";
import { EksManagedAddon } from "../../../constructs/cluster/addons";
import { POD_IDENTITY_AGENT_ADDON } from "../../../constructs/cluster/eks-cluster";
import { IrsaRole } from "../../../constructs/iam/irsa-role";
import { PodIdentityRole } from "../../../constructs/iam/pod-identity-role";
import { workloadRole, WorkloadIdentityOptions } from "../../../constructs/iam/workload-identity";
import { WorkloadIdentity } from "../../../constructs/iam/workload-role";
import { testControlPlane } from "../../support/cluster-fixtures";
import { TEST_LOCATION } from "../../support/environments";
import { onlyResource, policyOf, resourcesOf, SynthesizedStack, synthScoped } from "../../support/synth";

const { accountId, region } = TEST_LOCATION;
const OIDC = { arn: `arn:aws:iam::${accountId}:oidc-provider/oidc.eks.${region}.amazonaws.com/id/ABC`, issuer: `oidc.eks.${region}.amazonaws.com/id/ABC` };
const CLUSTER = { name: "shop-test", arn: `arn:aws:eks:${region}:${accountId}:cluster/shop-test` };
const ROLE = { roleName: "shop-test-external-dns", namespace: "external-dns", serviceAccount: "external-dns" };

function synth(build: (scope: Construct) => void): SynthesizedStack {
  return JSON.parse(synthScoped(build)) as SynthesizedStack;
}

const options = (identity: WorkloadIdentity, keepIrsaTrust = false): WorkloadIdentityOptions => ({
  identity,
  cluster: CLUSTER,
  oidcProvider: OIDC,
  keepIrsaTrust,
});

describe("PodIdentityRole", () => {
  const synthesized = synth((scope) => new PodIdentityRole(scope, "Role", { ...ROLE, cluster: CLUSTER }));

  it("trusts EKS Pod Identity of this account's cluster for exactly one namespace and service account, and may tag the session", () => {
    expect(policyOf(onlyResource(synthesized, "aws_iam_role"), "assume_role_policy").Statement).toEqual([
      {
        Effect: "Allow",
        Principal: { Service: "pods.eks.amazonaws.com" },
        Action: ["sts:AssumeRole", "sts:TagSession"],
        Condition: {
          StringEquals: {
            "aws:SourceAccount": accountId,
            "aws:SourceArn": CLUSTER.arn,
            "aws:RequestTag/eks-cluster-arn": CLUSTER.arn,
            "aws:RequestTag/kubernetes-namespace": "external-dns",
            "aws:RequestTag/kubernetes-service-account": "external-dns",
          },
        },
      },
    ]);
  });

  it("binds the role to the service account with one association on the cluster", () => {
    expect(onlyResource(synthesized, "aws_eks_pod_identity_association")).toMatchObject({
      cluster_name: "shop-test",
      namespace: "external-dns",
      service_account: "external-dns",
      role_arn: expect.stringMatching(/^\$\{aws_iam_role\..+\.arn\}$/),
    });
  });

  it("also trusts its own service account's IRSA token while an environment switches, and nothing wider", () => {
    const bridged = synth((scope) => new PodIdentityRole(scope, "Role", { ...ROLE, cluster: CLUSTER, keepIrsaTrustOf: OIDC }));
    const [, web] = policyOf(onlyResource(bridged, "aws_iam_role"), "assume_role_policy").Statement;
    expect(web).toEqual({
      Effect: "Allow",
      Principal: { Federated: OIDC.arn },
      Action: "sts:AssumeRoleWithWebIdentity",
      Condition: { StringEquals: { [`${OIDC.issuer}:sub`]: "system:serviceaccount:external-dns:external-dns", [`${OIDC.issuer}:aud`]: "sts.amazonaws.com" } },
    });
  });

  it("creates no association when an EKS managed add-on binds the role", () => {
    const unassociated = synth((scope) => new PodIdentityRole(scope, "Role", { ...ROLE, cluster: CLUSTER, associate: false }));
    expect(resourcesOf(unassociated, "aws_eks_pod_identity_association")).toEqual({});
  });
});

describe("workloadRole", () => {
  it("is the same role at the same address with either identity, so a switch updates its trust in place", () => {
    const roles = (["irsa", "pod-identity"] as const).map((identity) =>
      Object.entries(
        resourcesOf(
          synth((scope) => workloadRole(scope, "Irsa-external-dns", options(identity), ROLE)),
          "aws_iam_role",
        ),
      ).map(([id, role]) => [id, role.name]),
    );
    expect(roles[0]).toEqual(roles[1]);
  });

  it("annotates the service account with the role only under IRSA", () => {
    synth((scope) => {
      const irsa = workloadRole(new Construct(scope, "A"), "Role", options("irsa"), ROLE);
      const pods = workloadRole(new Construct(scope, "B"), "Role", options("pod-identity"), ROLE);
      expect(irsa).toBeInstanceOf(IrsaRole);
      expect(irsa.serviceAccountAnnotations).toEqual({ "eks.amazonaws.com/role-arn": irsa.arn });
      expect(pods).toBeInstanceOf(PodIdentityRole);
      expect(pods.serviceAccountAnnotations).toEqual({});
    });
  });

  it("bridges IRSA only when asked", () => {
    const statements = (keep: boolean) =>
      policyOf(
        onlyResource(
          synth((scope) => workloadRole(scope, "Role", options("pod-identity", keep), ROLE)),
          "aws_iam_role",
        ),
        "assume_role_policy",
      ).Statement.map((statement) => statement.Action);
    expect(statements(false)).toEqual([["sts:AssumeRole", "sts:TagSession"]]);
    expect(statements(true)).toEqual([["sts:AssumeRole", "sts:TagSession"], "sts:AssumeRoleWithWebIdentity"]);
  });
});

describe("the cluster's service account roles with Pod Identity", () => {
  it("need the Pod Identity agent first, and their associations wait for it", () => {
    expect(() =>
      synth((scope) => testControlPlane(scope, { workloadIdentity: "pod-identity" }).addServiceAccountRole("CaRole", { name: "ca", serviceAccount: "ca" })),
    ).toThrow(/add the eks-pod-identity-agent add-on before the Pod Identity role CaRole/);
    const synthesized = synth((scope) => {
      const eks = testControlPlane(scope, { workloadIdentity: "pod-identity" });
      eks.addManagedAddon(POD_IDENTITY_AGENT_ADDON, { version: "v1.3.10-eksbuild.1", runsOnNodes: false });
      eks.addServiceAccountRole("CaRole", { name: "ca", serviceAccount: "ca" });
    });
    const [agent] = Object.keys(resourcesOf(synthesized, "aws_eks_addon"));
    expect(onlyResource(synthesized, "aws_eks_pod_identity_association").depends_on).toEqual([`aws_eks_addon.${agent}`]);
  });

  it("bind an EKS add-on through its pod_identity_association block, never service_account_role_arn", () => {
    const synthesized = synth((scope) => {
      const eks = testControlPlane(scope, { workloadIdentity: "pod-identity" });
      eks.addManagedAddon(POD_IDENTITY_AGENT_ADDON, { version: "v1.3.10-eksbuild.1", runsOnNodes: false });
      const role = eks.addServiceAccountRole("CniRole", { name: "vpc-cni", serviceAccount: "aws-node", managedAddon: true });
      eks.addManagedAddon("vpc-cni", { version: "v1.20.0-eksbuild.1", runsOnNodes: false, serviceAccountRole: role });
    });
    const addon = Object.values(resourcesOf(synthesized, "aws_eks_addon")).find((candidate) => candidate.addon_name === "vpc-cni")!;
    expect(addon.service_account_role_arn).toBeUndefined();
    expect(addon.pod_identity_association).toEqual([{ role_arn: expect.stringMatching(/CniRole/), service_account: "aws-node" }]);
    expect(resourcesOf(synthesized, "aws_eks_pod_identity_association")).toEqual({});
  });

  it("refuse an add-on role that brings an association of its own (EKS would find two)", () => {
    expect(() =>
      synth((scope) => {
        const eks = testControlPlane(scope, { workloadIdentity: "pod-identity" });
        const role = new PodIdentityRole(scope, "Own", { ...ROLE, namespace: "kube-system", cluster: CLUSTER });
        new EksManagedAddon(scope, "Addon", { cluster: eks, addonName: "vpc-cni", version: "v1", serviceAccountRole: role });
      }),
    ).toThrow(/create the role with managedAddon: true/);
  });
});
