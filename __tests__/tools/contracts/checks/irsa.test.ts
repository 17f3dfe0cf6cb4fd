import { irsaContract, podIdentitySubjects } from "../../../../tools/contracts/checks/irsa";
import { podIdentityAssociations } from "../../../../tools/contracts/model";
import { association, PLATFORM, podIdentityTrust, serviceAccount, system } from "../fixtures/system";

const CLUSTER = "test-cluster";
const ROLE_ARN = "${aws_iam_role.Dns.arn}";

/**
 * With Pod Identity: external-dns's association binds its service account to a role whose trust pins that account,
 * and the VPC CNI add-on's block binds aws-node. The failing system also associates an account nothing creates, a
 * role whose trust pins another account, a role whose trust pins none, a second association for external-dns, and
 * annotates an associated account with an IRSA role.
 */
function build(broken: boolean) {
  return system({
    stacks: {
      [CLUSTER]: {
        resource: {
          aws_iam_role: { Cni: { name: "shop-test-vpc-cni", assume_role_policy: podIdentityTrust("kube-system:aws-node") } },
          aws_eks_addon: { Cni: { addon_name: "vpc-cni", pod_identity_association: [{ role_arn: "${aws_iam_role.Cni.arn}", service_account: "aws-node" }] } },
        },
      },
      [PLATFORM]: {
        resource: {
          aws_iam_role: {
            Dns: { name: "shop-test-external-dns", assume_role_policy: podIdentityTrust("external-dns:external-dns") },
            Open: { name: "shop-test-open", assume_role_policy: podIdentityTrust() },
          },
          aws_eks_pod_identity_association: {
            Dns: association("external-dns", "external-dns", "Dns"),
            ...(broken
              ? {
                  Ghost: association("external-dns", "ghost", "Dns"),
                  Stolen: association("web", "web", "Dns"),
                  Open: association("web", "batch", "Open"),
                  Twice: association("external-dns", "external-dns", "Dns"),
                }
              : {}),
          },
        },
      },
    },
    objects: [
      serviceAccount(`stack:${CLUSTER}:aws_eks_addon.Cni`, "kube-system", "aws-node"),
      serviceAccount(`release:${PLATFORM}:external-dns`, "external-dns", "external-dns", broken ? ROLE_ARN : undefined),
      serviceAccount("gitops:overlays/test", "web", "web"),
      serviceAccount("gitops:overlays/test", "web", "batch"),
    ],
  });
}

describe("the irsa contract with Pod Identity", () => {
  it("reads the associations of both kinds: own resources and EKS add-on blocks", () => {
    expect(podIdentityAssociations(build(false).stacks).map(({ address, namespace, serviceAccount }) => [address, `${namespace}/${serviceAccount}`])).toEqual([
      ["aws_eks_pod_identity_association.Dns", "external-dns/external-dns"],
      ["aws_eks_addon.Cni", "kube-system/aws-node"],
    ]);
  });

  it("reads the namespace and service account a Pod Identity trust pins, and sees one that pins none", () => {
    expect(podIdentitySubjects({ values: { assume_role_policy: podIdentityTrust("web:web") } })).toEqual({ pinned: ["web:web"], unpinned: false });
    expect(podIdentitySubjects({ values: { assume_role_policy: podIdentityTrust() } })).toEqual({ pinned: [], unpinned: true });
  });

  it("passes associations that bind created service accounts, alone, to roles whose trust pins them", () => {
    const result = irsaContract.check(build(false));
    expect(result.findings).toEqual([]);
    expect(result.checked).toBe(2);
  });

  it("names every broken association and the account with both an annotation and an association", () => {
    const label = (name: string, subject: string) => `aws_eks_pod_identity_association.${name} (${PLATFORM}) for ${subject}`;
    expect(irsaContract.check(build(true)).findings.map((finding) => [finding.consumer, finding.reference, finding.instead])).toEqual([
      // The annotation names a role that trusts Pod Identity, not the account's web identity.
      [`ServiceAccount external-dns/external-dns (release:${PLATFORM}:external-dns)`, `role shop-test-external-dns (${PLATFORM})`, "its trust admits: nothing"],
      [label("Ghost", "external-dns/ghost"), "service account external-dns/ghost", "service accounts in external-dns: external-dns:external-dns"],
      [label("Ghost", "external-dns/ghost"), `role shop-test-external-dns (${PLATFORM})`, "its trust admits Pod Identity for: external-dns:external-dns"],
      [label("Stolen", "web/web"), `role shop-test-external-dns (${PLATFORM})`, "its trust admits Pod Identity for: external-dns:external-dns"],
      [
        label("Open", "web/batch"),
        `role shop-test-open (${PLATFORM})`,
        "its trust admits Pod Identity without pinning aws:RequestTag/kubernetes-namespace and kubernetes-service-account",
      ],
      [label("Twice", "external-dns/external-dns"), "one association per service account", `also bound by ${label("Dns", "external-dns/external-dns")}`],
      [
        `ServiceAccount external-dns/external-dns (release:${PLATFORM}:external-dns)`,
        `eks.amazonaws.com/role-arn ${ROLE_ARN} and the Pod Identity association ${label("Dns", "external-dns/external-dns")}`,
        "one of the two: the annotation's web identity would win over Pod Identity in the SDK's credential chain",
      ],
    ]);
  });
});
