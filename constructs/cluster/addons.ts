import { Construct } from "constructs";
import { ITerraformDependable } from "cdktf";
import { EksAddon } from "@cdktf/provider-aws/lib/eks-addon";
import { PodIdentityRole } from "../iam/pod-identity-role";
import { WorkloadRole } from "../iam/workload-role";
import type { EksControlPlane } from "./eks-cluster";

export interface EksManagedAddonProps {
  /** The control plane the add-on is installed on. */
  readonly cluster: EksControlPlane;
  /** The EKS add-on name (`vpc-cni`, `coredns`, ...). */
  readonly addonName: string;
  /** Exact add-on version from the config; never looked up at plan time. */
  readonly version: string;
  /**
   * Role of the add-on's service account: an IRSA role goes into `service_account_role_arn`, a Pod Identity role into
   * the add-on's `pod_identity_association` (EKS creates and deletes the association with the add-on).
   * @default none (the add-on needs no AWS permissions)
   */
  readonly serviceAccountRole?: WorkloadRole;
  /** The add-on's configuration values (its published JSON schema). @default none */
  readonly configuration?: Record<string, unknown>;
  /** What must exist first (nodes, for add-ons whose pods must schedule). @default none */
  readonly dependsOn?: ITerraformDependable[];
}

/**
 * An EKS managed add-on at a pinned version. Conflicts resolve to OVERWRITE on create and on update: the config in
 * this repository is the source of truth, and a field someone edited by hand in the cluster is reset rather than
 * silently kept (PRESERVE) or blocking the update (NONE).
 */
export class EksManagedAddon extends Construct {
  readonly addon: EksAddon;
  readonly addonName: string;

  constructor(scope: Construct, id: string, props: EksManagedAddonProps) {
    super(scope, id);
    this.addonName = props.addonName;
    const role = props.serviceAccountRole;
    if (role && role.namespace !== "kube-system") {
      throw new Error(`${props.addonName}: EKS add-ons run in kube-system; the role is bound to ${role.namespace}`);
    }
    if (role instanceof PodIdentityRole && role.association) {
      throw new Error(`${props.addonName}: the add-on binds its Pod Identity role itself; create the role with managedAddon: true (no association of its own)`);
    }
    const podIdentity = role?.identity === "pod-identity";
    this.addon = new EksAddon(this, "Addon", {
      clusterName: props.cluster.cluster.name,
      addonName: props.addonName,
      addonVersion: props.version,
      serviceAccountRoleArn: role && !podIdentity ? role.arn : undefined,
      podIdentityAssociation: role && podIdentity ? [{ roleArn: role.arn, serviceAccount: role.serviceAccount }] : undefined,
      configurationValues: props.configuration ? JSON.stringify(props.configuration) : undefined,
      resolveConflictsOnCreate: "OVERWRITE",
      resolveConflictsOnUpdate: "OVERWRITE",
      dependsOn: props.dependsOn && props.dependsOn.length > 0 ? props.dependsOn : undefined,
    });
  }
}

/**
 * NetworkPolicies are enforced only when the VPC CNI is told to: EKS then runs the network policy controller and the
 * aws-node DaemonSet's network policy agent (its `nodeAgent`, on by default since v1.14) programs eBPF filters on
 * every node. The add-on's schema types the flag as a boolean string.
 */
export const VPC_CNI_CONFIGURATION = { enableNetworkPolicy: "true" } as const;
