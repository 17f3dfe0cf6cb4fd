import { Construct } from "constructs";
import { ITerraformDependable } from "cdktf";
import { EksAddon } from "@cdktf/provider-aws/lib/eks-addon";
import { IrsaRole } from "../iam/irsa-role";
import type { EksControlPlane } from "./eks-cluster";

export interface EksManagedAddonProps {
  /** The control plane the add-on is installed on. */
  readonly cluster: EksControlPlane;
  /** The EKS add-on name (`vpc-cni`, `coredns`, ...). */
  readonly addonName: string;
  /** Exact add-on version from the config; never looked up at plan time. */
  readonly version: string;
  /** IRSA role of the add-on's service account. @default none (the add-on needs no AWS permissions) */
  readonly serviceAccountRole?: IrsaRole;
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
    if (props.serviceAccountRole && props.serviceAccountRole.namespace !== "kube-system") {
      throw new Error(`${props.addonName}: EKS add-ons run in kube-system; the IRSA role is bound to ${props.serviceAccountRole.namespace}`);
    }
    this.addon = new EksAddon(this, "Addon", {
      clusterName: props.cluster.cluster.name,
      addonName: props.addonName,
      addonVersion: props.version,
      serviceAccountRoleArn: props.serviceAccountRole?.arn,
      configurationValues: props.configuration ? JSON.stringify(props.configuration) : undefined,
      resolveConflictsOnCreate: "OVERWRITE",
      resolveConflictsOnUpdate: "OVERWRITE",
      dependsOn: props.dependsOn,
    });
  }
}

/**
 * NetworkPolicies are enforced only when the VPC CNI is told to: EKS then runs the network policy controller and the
 * aws-node DaemonSet's network policy agent (its `nodeAgent`, on by default since v1.14) programs eBPF filters on
 * every node. The add-on's schema types the flag as a boolean string.
 */
export const VPC_CNI_CONFIGURATION = { enableNetworkPolicy: "true" } as const;
