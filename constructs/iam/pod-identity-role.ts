import { Construct } from "constructs";
import { ITerraformDependable } from "cdktf";
import { EksPodIdentityAssociation } from "@cdktf/provider-aws/lib/eks-pod-identity-association";
import { AwsScope } from "../core/aws-scope";
import { irsaTrustStatement, OidcProviderRef } from "./irsa-role";
import { policyDocument, PolicyStatement } from "./policy-document";
import { WorkloadRole, WorkloadRoleProps } from "./workload-role";

/** The service principal EKS Pod Identity assumes roles as. */
export const POD_IDENTITY_PRINCIPAL = "pods.eks.amazonaws.com";

/** The EKS cluster as a Pod Identity role needs it. */
export interface PodIdentityClusterRef {
  readonly name: string;
  /** The cluster's ARN: what EKS sends as `aws:SourceArn` and as the `eks-cluster-arn` session tag. */
  readonly arn: string;
}

export interface PodIdentityRoleProps extends WorkloadRoleProps {
  /** The cluster whose Pod Identity Agent serves the role: its name, ARN and the agent add-on the association waits for. */
  readonly cluster: PodIdentityClusterRef;
  /**
   * Whether the role creates its own `aws_eks_pod_identity_association`. False for an EKS managed add-on, whose
   * `pod_identity_association` block binds the role instead (EKS then owns the association's lifecycle).
   * @default true
   */
  readonly associate?: boolean;
  /** What the association waits for: the eks-pod-identity-agent add-on, when it is in the same stack. @default none */
  readonly agent?: ITerraformDependable;
  /**
   * The cluster's OIDC provider, when the role must also trust its service account's IRSA token: while an environment
   * switches from IRSA, pods started before the switch keep their web-identity credentials until they restart.
   * @default none (Pod Identity only)
   */
  readonly keepIrsaTrustOf?: OidcProviderRef;
}

/**
 * An IAM role for exactly one Kubernetes service account through EKS Pod Identity: `pods.eks.amazonaws.com` may assume
 * it (and tag the session) only for this account's cluster (`aws:SourceAccount`, `aws:SourceArn`) and only with the
 * session tags EKS sets for this cluster, namespace and service account, so no other pod, namespace or cluster can use
 * it even if someone associates it elsewhere. The association binds the role to the service account; the service
 * account carries no role-arn annotation.
 */
export class PodIdentityRole extends WorkloadRole {
  readonly identity = "pod-identity";
  /** Absent when an EKS managed add-on carries the association. */
  readonly association?: EksPodIdentityAssociation;

  constructor(scope: Construct, id: string, props: PodIdentityRoleProps) {
    super(
      scope,
      id,
      props,
      policyDocument([
        podIdentityTrustStatement(AwsScope.of(scope).accountId, props.cluster.arn, props.namespace, props.serviceAccount),
        ...(props.keepIrsaTrustOf ? [irsaTrustStatement(props.keepIrsaTrustOf, props.namespace, props.serviceAccount)] : []),
      ]),
      `Pod Identity role of ${props.namespace}/${props.serviceAccount}`,
    );
    if (props.associate ?? true) {
      this.association = new EksPodIdentityAssociation(this, "Association", {
        clusterName: props.cluster.name,
        namespace: props.namespace,
        serviceAccount: props.serviceAccount,
        roleArn: this.arn,
        dependsOn: props.agent ? [props.agent] : undefined,
      });
    }
  }
}

/** The trust statement of a Pod Identity role: EKS Pod Identity for one cluster, namespace and service account. */
export function podIdentityTrustStatement(accountId: string, clusterArn: string, namespace: string, serviceAccount: string): PolicyStatement {
  return {
    Effect: "Allow",
    Principal: { Service: POD_IDENTITY_PRINCIPAL },
    Action: ["sts:AssumeRole", "sts:TagSession"],
    Condition: {
      StringEquals: {
        "aws:SourceAccount": accountId,
        "aws:SourceArn": clusterArn,
        "aws:RequestTag/eks-cluster-arn": clusterArn,
        "aws:RequestTag/kubernetes-namespace": namespace,
        "aws:RequestTag/kubernetes-service-account": serviceAccount,
      },
    },
  };
}
