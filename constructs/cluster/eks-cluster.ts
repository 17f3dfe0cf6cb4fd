import { Construct } from "constructs";
import { EksAccessEntry } from "@cdktf/provider-aws/lib/eks-access-entry";
import { EksAccessPolicyAssociation } from "@cdktf/provider-aws/lib/eks-access-policy-association";
import { EksCluster } from "@cdktf/provider-aws/lib/eks-cluster";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy";
import { IamRolePolicyAttachment } from "@cdktf/provider-aws/lib/iam-role-policy-attachment";
import { SecurityGroup } from "@cdktf/provider-aws/lib/security-group";
import { VpcSecurityGroupIngressRule } from "@cdktf/provider-aws/lib/vpc-security-group-ingress-rule";
import { AccountContext, policyDocument } from "../iam/policy-document";
import { EncryptedLogGroup } from "../logging/log-group";
import { NetworkSubnet } from "../network/network";
import { KmsKey } from "../security/kms-key";
import { ClusterOidcProvider } from "./oidc";

/** Every control-plane log type EKS can send to CloudWatch. */
export const CONTROL_PLANE_LOG_TYPES = ["api", "audit", "authenticator", "controllerManager", "scheduler"] as const;

export const CLUSTER_ADMIN_POLICY = "AmazonEKSClusterAdminPolicy";
/** Read access to every object, Secrets included: what a Helm and Kubernetes provider plan refreshes. */
export const CLUSTER_VIEW_POLICY = "AmazonEKSAdminViewPolicy";

export interface EksControlPlaneProps {
  readonly account: AccountContext;
  /** Cluster name; also the prefix of its IAM role and log group. */
  readonly name: string;
  /** Kubernetes minor version, e.g. "1.35". */
  readonly version: string;
  readonly vpcId: string;
  /** Subnets of the control plane's network interfaces: the private subnets of every AZ. */
  readonly subnets: readonly NetworkSubnet[];
  /** Public API endpoint as well as the private one. @default false (the API is reachable from inside the VPC only) */
  readonly publicAccess?: boolean;
  /** Networks allowed to the public endpoint; required with publicAccess. @default none */
  readonly publicAccessCidrs?: readonly string[];
  /** Networks beyond the cluster's own (VPN, CI runners in a peered VPC) allowed to the private endpoint. @default none */
  readonly privateAccessCidrs?: readonly string[];
  /** Retention of the control-plane log group. */
  readonly logRetentionDays: number;
  /** Key for secrets envelope encryption and the control-plane logs. @default a new rotating CMK */
  readonly key?: KmsKey;
}

/**
 * An EKS control plane the way the EKS Best Practices Guide asks for it: private endpoint (public only to listed
 * networks), access entries as the only authentication (no aws-auth ConfigMap, no implicit admin for whoever created
 * it), secrets envelope-encrypted with a rotating CMK, all five control-plane log types in an encrypted log group that
 * exists before the cluster (so EKS never creates an unencrypted one), and the IAM OIDC provider for IRSA.
 */
export class EksControlPlane extends Construct {
  readonly cluster: EksCluster;
  readonly role: IamRole;
  readonly key: KmsKey;
  readonly logGroup: EncryptedLogGroup;
  readonly oidcProvider: ClusterOidcProvider;
  /** Extra security group of the control plane's network interfaces; holds the private-endpoint access rules. */
  readonly controlPlaneSecurityGroup: SecurityGroup;
  readonly name: string;
  readonly version: string;
  private readonly account: AccountContext;

  constructor(scope: Construct, id: string, props: EksControlPlaneProps) {
    super(scope, id);
    const { account, name } = props;
    this.account = account;
    this.name = name;
    this.version = props.version;
    this.key = props.key ?? new KmsKey(this, "Key", { description: `${name} EKS secrets and control-plane logs`, alias: `${name}-eks` });

    this.role = new IamRole(this, "Role", {
      name: `${name}-cluster`,
      description: `EKS control plane of ${name}`,
      // EKS does not send aws:SourceAccount when it assumes the cluster role, so the trust policy cannot pin it.
      assumeRolePolicy: policyDocument([{ Effect: "Allow", Principal: { Service: "eks.amazonaws.com" }, Action: ["sts:AssumeRole", "sts:TagSession"] }]),
    });
    const clusterPolicy = new IamRolePolicyAttachment(this, "ClusterPolicy", {
      role: this.role.name,
      policyArn: `arn:${account.partition}:iam::aws:policy/AmazonEKSClusterPolicy`,
    });
    const encryptionPolicy = new IamRolePolicy(this, "SecretsEncryptionPolicy", {
      name: "secrets-envelope-encryption",
      role: this.role.id,
      policy: policyDocument([
        {
          Effect: "Allow",
          Action: ["kms:Encrypt", "kms:Decrypt", "kms:ListGrants", "kms:DescribeKey"],
          Resource: this.key.arn,
        },
      ]),
    });

    this.logGroup = new EncryptedLogGroup(this, "ControlPlaneLogs", {
      name: `/aws/eks/${name}/cluster`,
      retentionDays: props.logRetentionDays,
      key: this.key,
    });

    // vpc_config.security_group_ids cannot change without replacing the cluster, so the group exists from day one and
    // access rules are added to it later.
    this.controlPlaneSecurityGroup = new SecurityGroup(this, "ControlPlaneSecurityGroup", {
      name: `${name}-control-plane`,
      description: `Extra access to the private API endpoint of ${name}`,
      vpcId: props.vpcId,
      tags: { Name: `${name}-control-plane` },
    });
    for (const cidr of props.privateAccessCidrs ?? []) {
      this.allowApiAccessFrom(cidr, `Kubernetes API from ${cidr} (configured private access)`);
    }

    const publicAccess = props.publicAccess ?? false;
    this.cluster = new EksCluster(this, "Cluster", {
      name,
      version: props.version,
      roleArn: this.role.arn,
      vpcConfig: {
        subnetIds: props.subnets.map(({ subnet }) => subnet.id),
        securityGroupIds: [this.controlPlaneSecurityGroup.id],
        endpointPrivateAccess: true,
        endpointPublicAccess: publicAccess,
        publicAccessCidrs: publicAccess ? [...(props.publicAccessCidrs ?? [])] : undefined,
      },
      accessConfig: { authenticationMode: "API", bootstrapClusterCreatorAdminPermissions: false },
      // vpc-cni, kube-proxy and CoreDNS come as EKS managed add-ons with pinned versions instead of unmanaged copies.
      bootstrapSelfManagedAddons: false,
      encryptionConfig: { resources: ["secrets"], provider: { keyArn: this.key.arn } },
      enabledClusterLogTypes: [...CONTROL_PLANE_LOG_TYPES],
      // Extended support costs six times standard; an unplanned move to it should fail loudly, not bill quietly.
      upgradePolicy: { supportType: "STANDARD" },
      dependsOn: [clusterPolicy, encryptionPolicy, this.logGroup.logGroup],
    });

    this.oidcProvider = new ClusterOidcProvider(this, "Oidc", { issuerUrl: this.cluster.identity.get(0).oidc.get(0).issuer });
  }

  get endpoint(): string {
    return this.cluster.endpoint;
  }

  get certificateAuthorityData(): string {
    return this.cluster.certificateAuthority.get(0).data;
  }

  /** The EKS-created cluster security group, which the managed nodes carry too. */
  get clusterSecurityGroupId(): string {
    return this.cluster.vpcConfig.clusterSecurityGroupId;
  }

  /** HTTPS to the private endpoint from a network outside the cluster's own security group. */
  allowApiAccessFrom(cidr: string, description: string): void {
    new VpcSecurityGroupIngressRule(this, `ApiAccess-${cidr}`, {
      securityGroupId: this.controlPlaneSecurityGroup.id,
      description,
      ipProtocol: "tcp",
      fromPort: 443,
      toPort: 443,
      cidrIpv4: cidr,
    });
  }

  /** HTTPS to the private endpoint from the members of one security group (the in-VPC deploy runner). */
  allowApiAccessFromSecurityGroup(id: string, source: SecurityGroup, description: string): void {
    new VpcSecurityGroupIngressRule(this, `ApiAccess-${id}`, {
      securityGroupId: this.controlPlaneSecurityGroup.id,
      description,
      ipProtocol: "tcp",
      fromPort: 443,
      toPort: 443,
      referencedSecurityGroupId: source.id,
    });
  }

  /**
   * Makes an IAM role or user cluster admin through an access entry with the AmazonEKSClusterAdminPolicy, scoped to the
   * whole cluster. `id` names the entry in the construct tree and must stay stable for the principal.
   */
  grantClusterAdmin(id: string, principalArn: string, policy: string = CLUSTER_ADMIN_POLICY): EksAccessEntry {
    const entry = new EksAccessEntry(this, `AccessEntry-${id}`, {
      clusterName: this.cluster.name,
      principalArn,
      type: "STANDARD",
    });
    new EksAccessPolicyAssociation(this, `ClusterAdmin-${id}`, {
      clusterName: this.cluster.name,
      principalArn: entry.principalArn,
      policyArn: `arn:${this.account.partition}:eks::aws:cluster-access-policy/${policy}`,
      accessScope: { type: "cluster" },
    });
    return entry;
  }
}
