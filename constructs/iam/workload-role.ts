import { Construct } from "constructs";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy";
import { IamRolePolicyAttachment } from "@cdktf/provider-aws/lib/iam-role-policy-attachment";
import { IRoleGrantee } from "../core/grants";
import { policyDocument, PolicyStatement } from "./policy-document";

/** How a workload's pods get AWS credentials: IRSA (web identity from the cluster's OIDC provider) or EKS Pod Identity. */
export type WorkloadIdentity = "irsa" | "pod-identity";

/** The annotation that binds a service account to its IRSA role (read by the EKS pod identity webhook). */
export const IRSA_ROLE_ANNOTATION = "eks.amazonaws.com/role-arn";

/** What every role of one Kubernetes service account takes, whichever identity delivers its credentials. */
export interface WorkloadRoleProps {
  /** Role name (≤ 64 characters). */
  readonly roleName: string;
  /** Namespace of the service account the role is for. */
  readonly namespace: string;
  /** Name of the service account the role is for. */
  readonly serviceAccount: string;
  /** The role's inline policy: least privilege for what the workload does. @default none */
  readonly statements?: PolicyStatement[];
  /** AWS managed policies, for add-ons whose published policy is the documented least privilege. @default none */
  readonly managedPolicyArns?: string[];
  /** The role's description. @default "<identity> role of <namespace>/<serviceAccount>" */
  readonly description?: string;
}

/**
 * The IAM role of exactly one Kubernetes service account: an {@link IrsaRole} (web identity from the cluster's OIDC
 * provider, bound by the service account's role-arn annotation) or a {@link PodIdentityRole} (EKS Pod Identity, bound
 * by an association). Callers read `role`, `arn`, `namespace`, `serviceAccount` and put `serviceAccountAnnotations` on
 * the service account, so the same code serves both identities.
 */
export abstract class WorkloadRole extends Construct implements IRoleGrantee {
  readonly role: IamRole;
  readonly arn: string;
  readonly namespace: string;
  readonly serviceAccount: string;
  abstract readonly identity: WorkloadIdentity;
  /** The role's ARN, as a grantee. */
  readonly grantPrincipalArn: string;
  /** The role's name: grants attach their inline policies to it. */
  readonly grantRoleName: string;
  /** Grants create the role's policies under this construct, beside the role. */
  readonly grantScope: Construct = this;
  /** This construct holds only the role's own parts: a grant's policy id needs no prefix. */
  readonly grantIdPrefix = "";

  protected constructor(scope: Construct, id: string, props: WorkloadRoleProps, assumeRolePolicy: string, defaultDescription: string) {
    super(scope, id);
    if (props.roleName.length > 64) {
      throw new Error(`Workload role name "${props.roleName}" is longer than IAM's 64 characters`);
    }
    this.namespace = props.namespace;
    this.serviceAccount = props.serviceAccount;
    this.role = new IamRole(this, "Role", {
      name: props.roleName,
      description: props.description ?? defaultDescription,
      assumeRolePolicy,
    });
    this.arn = this.role.arn;
    this.grantPrincipalArn = this.role.arn;
    this.grantRoleName = this.role.name;
    if (props.statements && props.statements.length > 0) {
      new IamRolePolicy(this, "Policy", { name: "least-privilege", role: this.role.id, policy: policyDocument(props.statements) });
    }
    for (const policyArn of props.managedPolicyArns ?? []) {
      new IamRolePolicyAttachment(this, `Managed-${policyArn.split("/").pop()}`, { role: this.role.name, policyArn });
    }
  }

  /**
   * The annotations of the role's service account: the role-arn annotation with IRSA, none with Pod Identity (the
   * webhook would otherwise inject the web-identity variables, which come before the container credentials in every
   * SDK's chain, and the pod would keep using IRSA).
   */
  get serviceAccountAnnotations(): Record<string, string> {
    return this.identity === "irsa" ? { [IRSA_ROLE_ANNOTATION]: this.arn } : {};
  }
}
