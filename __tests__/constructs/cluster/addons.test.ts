import { EksManagedAddon } from "../../../constructs/cluster/addons";
import { IrsaRole } from "../../../constructs/iam/irsa-role";
import { testControlPlane } from "../../support/cluster-fixtures";
import { onlyResource, SynthesizedStack, synthScoped } from "../../support/synth";

function synthAddon(namespace = "kube-system"): SynthesizedStack {
  return JSON.parse(
    synthScoped((scope) => {
      const cluster = testControlPlane(scope);
      const role = new IrsaRole(scope, "Role", {
        oidcProvider: cluster.oidcProvider,
        roleName: "shop-test-ebs",
        namespace,
        serviceAccount: "ebs-csi-controller-sa",
      });
      new EksManagedAddon(scope, "Ebs", {
        cluster,
        addonName: "aws-ebs-csi-driver",
        version: "v1.54.0-eksbuild.1",
        serviceAccountRole: role,
        configuration: { controller: { nodeSelector: { workload: "system" } } },
      });
    }),
  ) as SynthesizedStack;
}

describe("EksManagedAddon", () => {
  const addon = onlyResource(synthAddon(), "aws_eks_addon");

  it("installs the pinned version with its IRSA role and configuration", () => {
    expect(addon).toMatchObject({
      addon_name: "aws-ebs-csi-driver",
      addon_version: "v1.54.0-eksbuild.1",
      service_account_role_arn: expect.stringMatching(/aws_iam_role\.Role_.*\.arn/),
    });
    expect(JSON.parse(addon.configuration_values as string)).toEqual({ controller: { nodeSelector: { workload: "system" } } });
  });

  it("resolves conflicts by overwriting on create and on update, so the config stays the source of truth", () => {
    expect(addon).toMatchObject({ resolve_conflicts_on_create: "OVERWRITE", resolve_conflicts_on_update: "OVERWRITE" });
  });

  it("refuses an IRSA role bound outside kube-system, where EKS add-ons run", () => {
    expect(() => synthAddon("default")).toThrow(/EKS add-ons run in kube-system/);
  });
});
