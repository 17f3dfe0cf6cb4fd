import { Construct } from "constructs";
import { ITerraformDependable } from "cdktf";
import { ArnContext, formatArn } from "../core/aws-scope";
import { IrsaRole, OidcProviderRef } from "./irsa-role";
import { PodIdentityClusterRef, PodIdentityRole } from "./pod-identity-role";
import { WorkloadIdentity, WorkloadRole, WorkloadRoleProps } from "./workload-role";

/** Where the roles of one cluster's service accounts come from, and which identity they use. */
export interface WorkloadIdentityOptions {
  readonly identity: WorkloadIdentity;
  readonly cluster: PodIdentityClusterRef;
  readonly oidcProvider: OidcProviderRef;
  /** With pod-identity: the roles also trust their service account's IRSA token (the switch from IRSA). @default false */
  readonly keepIrsaTrust?: boolean;
  /** What the associations wait for: the eks-pod-identity-agent add-on, when it is in the same stack. @default none */
  readonly agent?: ITerraformDependable;
}

/**
 * The role of one service account with the cluster's workload identity: an IRSA role, or a Pod Identity role and its
 * association. Both sit at the same construct id with the same role name, so switching an environment updates each
 * role's trust in place instead of replacing the role under running pods.
 */
export function workloadRole(scope: Construct, id: string, options: WorkloadIdentityOptions, props: WorkloadRoleProps): WorkloadRole {
  if (options.identity === "irsa") return new IrsaRole(scope, id, { ...props, oidcProvider: options.oidcProvider });
  return new PodIdentityRole(scope, id, {
    ...props,
    cluster: options.cluster,
    agent: options.agent,
    keepIrsaTrustOf: options.keepIrsaTrust ? options.oidcProvider : undefined,
  });
}

/** The workload identity of a cluster another stack references: its name and OIDC provider come as cross-stack values. */
export function clusterWorkloadIdentity(
  location: ArnContext,
  cluster: { readonly name: string; readonly oidcProvider: OidcProviderRef },
  choice: { readonly workloadIdentity: WorkloadIdentity; readonly keepIrsaTrust: boolean },
): WorkloadIdentityOptions {
  return {
    identity: choice.workloadIdentity,
    keepIrsaTrust: choice.keepIrsaTrust,
    oidcProvider: cluster.oidcProvider,
    cluster: { name: cluster.name, arn: formatArn(location, { service: "eks", resource: `cluster/${cluster.name}` }) },
  };
}
