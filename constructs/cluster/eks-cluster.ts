import { Construct } from "constructs";
import { EksAccessEntry } from "@cdktf/provider-aws/lib/eks-access-entry";
import { EksAccessPolicyAssociation } from "@cdktf/provider-aws/lib/eks-access-policy-association";
import { EksCluster } from "@cdktf/provider-aws/lib/eks-cluster";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy";
import { IamRolePolicyAttachment } from "@cdktf/provider-aws/lib/iam-role-policy-attachment";
import { SecurityGroup } from "@cdktf/provider-aws/lib/security-group";
import { VpcSecurityGroupIngressRule } from "@cdktf/provider-aws/lib/vpc-security-group-ingress-rule";
import { NodeGroupConfig } from "../../config/schema/cluster";
import { awsManagedPolicyArn, formatArn } from "../core/aws-scope";
import { Grant, IGrantee } from "../core/grants";
import { IrsaRole } from "../iam/irsa-role";
import { PodIdentityRole } from "../iam/pod-identity-role";
import { WorkloadIdentity, WorkloadRole } from "../iam/workload-role";
import { policyDocument, PolicyStatement } from "../iam/policy-document";
import { EncryptedLogGroup } from "../logging/log-group";
import { Network, NetworkSubnet } from "../network/network";
import { KmsKey } from "../security/kms-key";
import { EksManagedAddon } from "./addons";
import { NodeLaunchTemplate } from "./launch-template";
import { ManagedNodeGroup } from "./node-group";
import { NodeRole } from "./node-role";
import { ClusterOidcProvider } from "./oidc";

/** Every control-plane log type EKS can send to CloudWatch. */
const CONTROL_PLANE_LOG_TYPES = ["api", "audit", "authenticator", "controllerManager", "scheduler"] as const;

/** The EKS access policies an access entry can carry, scoped to the whole cluster. */
const ACCESS_POLICIES = {
  admin: "AmazonEKSClusterAdminPolicy",
  /** Read access to every object, Secrets included: what a Helm and Kubernetes provider plan refreshes. */
  view: "AmazonEKSAdminViewPolicy",
  /** Kubernetes' `view` role: reads most objects, never Secrets (nor Helm's release records, which are Secrets). */
  viewWithoutSecrets: "AmazonEKSViewPolicy",
} as const;
export type ClusterAccess = keyof typeof ACCESS_POLICIES;

export interface EksControlPlaneProps {
  /** Cluster name; also the prefix of its IAM role, log group, node pools and service account roles. */
  readonly name: string;
  /** Kubernetes minor version, e.g. "1.35". */
  readonly version: string;
  /** The VPC: the control plane's network interfaces go into its private subnets of every AZ, and so do the node pools. */
  readonly network: Pick<Network, "vpc" | "privateSubnets">;
  /** Public API endpoint as well as the private one (the private one is always on). */
  readonly publicAccess: boolean;
  /** Networks allowed to the public endpoint; used with publicAccess. */
  readonly publicAccessCidrs: readonly string[];
  /** Networks beyond the cluster's own (VPN, CI runners in a peered VPC) allowed to the private endpoint. */
  readonly privateAccessCidrs: readonly string[];
  /** Retention of the control-plane log group. */
  readonly logRetentionDays: number;
  /** Key of the node pools' root volumes (its key policy must admit the Auto Scaling service-linked role: `NodeVolumeKey`). */
  readonly nodeVolumeKey: KmsKey;
  /**
   * Tags of the node pools' instances, volumes and network interfaces, which the provider's default tags do not reach,
   * through the launch templates: only tags that never change (project, environment, stack), since a change rolls every
   * node.
   */
  readonly nodeTags: Readonly<Record<string, string>>;
  /**
   * Tags that may change (the config's `tags`): propagated to instances by the node groups' Auto Scaling groups, from
   * the next launch on, without rolling a node. @default none
   */
  readonly nodeInstanceTags?: Readonly<Record<string, string>>;
  /** Key for secrets envelope encryption and the control-plane logs. @default a new rotating CMK */
  readonly key?: KmsKey;
  /** How the service account roles get their credentials: IRSA annotations or EKS Pod Identity associations. */
  readonly workloadIdentity: WorkloadIdentity;
  /** With pod-identity: the roles also trust their service account's IRSA token (the switch from IRSA). @default false */
  readonly keepIrsaTrust?: boolean;
}

/** The EKS add-on that runs the Pod Identity agent on every node: what every association needs. */
export const POD_IDENTITY_AGENT_ADDON = "eks-pod-identity-agent";

/** The options of an EKS managed add-on added with {@link EksControlPlane.addManagedAddon}. */
export interface ManagedAddonOptions {
  /** Exact add-on version from the config; never looked up at plan time. */
  readonly version: string;
  /**
   * Whether the add-on's pods need nodes to schedule on (CoreDNS, the EBS CSI driver): it then waits for every node pool.
   * Otherwise the nodes wait for it: they only become Ready once the networking add-ons (VPC CNI, kube-proxy) run.
   */
  readonly runsOnNodes: boolean;
  /**
   * Role of the add-on's service account (from `addServiceAccountRole` with `managedAddon: true`).
   * @default none (the add-on needs no AWS permissions)
   */
  readonly serviceAccountRole?: WorkloadRole;
  /** The add-on's configuration values (its published JSON schema). @default none */
  readonly configuration?: Record<string, unknown>;
}

/** The role of one Kubernetes service account, added with {@link EksControlPlane.addServiceAccountRole}. */
export interface ServiceAccountRoleOptions {
  /** The role's name after the cluster name: `<cluster>-<name>`. */
  readonly name: string;
  readonly serviceAccount: string;
  /** @default kube-system (the controllers and add-ons of the cluster layer run there) */
  readonly namespace?: string;
  /** The role's inline policy: least privilege for what the workload does. @default none */
  readonly statements?: PolicyStatement[];
  /** AWS managed policies by path and name (`service-role/AmazonEBSCSIDriverPolicy`). @default none */
  readonly managedPolicies?: readonly string[];
  /**
   * The role of an EKS managed add-on's service account: with Pod Identity the add-on's `pod_identity_association`
   * binds it, so the role creates no association of its own. @default false
   */
  readonly managedAddon?: boolean;
}

/** What {@link EksControlPlane.addNodePool} creates for one pool. */
export interface NodePool {
  readonly role: NodeRole;
  readonly launchTemplate: NodeLaunchTemplate;
  /** One group over every AZ, or one per AZ (`oneGroupPerAz`). */
  readonly groups: readonly ManagedNodeGroup[];
}

/**
 * An EKS control plane the way the EKS Best Practices Guide asks for it: private endpoint (public only to listed
 * networks), access entries as the only authentication (no aws-auth ConfigMap, no implicit admin for whoever created
 * it), secrets envelope-encrypted with a rotating CMK, all five control-plane log types in an encrypted log group that
 * exists before the cluster (so EKS never creates an unencrypted one), and the IAM OIDC provider for IRSA.
 *
 * What runs on it is added the way aws-cdk's EKS `Cluster` adds it: `addManagedAddon` (networking add-ons first, then
 * `addNodePool` for each pool, then the add-ons whose pods run on the nodes), `addServiceAccountRole` for IRSA, and
 * `grantAccess` for the access entries of IAM principals.
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
  private readonly privateSubnets: readonly NetworkSubnet[];
  private readonly nodeVolumeKey: KmsKey;
  private readonly nodeTags: Readonly<Record<string, string>>;
  private readonly nodeInstanceTags: Readonly<Record<string, string>>;
  /** Add-ons the nodes wait for, and the node groups the other add-ons wait for: the order of a cluster's first apply. */
  private readonly networkingAddons: EksManagedAddon[] = [];
  private readonly nodeGroups: ManagedNodeGroup[] = [];
  private readonly addonsOnNodes: EksManagedAddon[] = [];
  private readonly workloadIdentity: WorkloadIdentity;
  private readonly keepIrsaTrust: boolean;
  private podIdentityAgent?: EksManagedAddon;
  private readonly accessEntries = new Map<string, { readonly access: ClusterAccess; readonly entry: EksAccessEntry }>();

  constructor(scope: Construct, id: string, props: EksControlPlaneProps) {
    super(scope, id);
    const { name } = props;
    this.name = name;
    this.privateSubnets = props.network.privateSubnets;
    this.nodeVolumeKey = props.nodeVolumeKey;
    this.nodeTags = props.nodeTags;
    this.nodeInstanceTags = props.nodeInstanceTags ?? {};
    this.version = props.version;
    this.workloadIdentity = props.workloadIdentity;
    this.keepIrsaTrust = props.keepIrsaTrust ?? false;
    this.key = props.key ?? new KmsKey(this, "Key", { description: `${name} EKS secrets and control-plane logs`, alias: `${name}-eks` });

    this.role = new IamRole(this, "Role", {
      name: `${name}-cluster`,
      description: `EKS control plane of ${name}`,
      // EKS does not send aws:SourceAccount when it assumes the cluster role, so the trust policy cannot pin it.
      assumeRolePolicy: policyDocument([{ Effect: "Allow", Principal: { Service: "eks.amazonaws.com" }, Action: ["sts:AssumeRole", "sts:TagSession"] }]),
    });
    const clusterPolicy = new IamRolePolicyAttachment(this, "ClusterPolicy", {
      role: this.role.name,
      policyArn: awsManagedPolicyArn(this, "AmazonEKSClusterPolicy"),
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
      vpcId: props.network.vpc.id,
      tags: { Name: `${name}-control-plane` },
    });
    for (const cidr of props.privateAccessCidrs) {
      this.allowApiAccessFrom(cidr, `Kubernetes API from ${cidr} (configured private access)`);
    }

    const { publicAccess } = props;
    this.cluster = new EksCluster(this, "Cluster", {
      name,
      version: props.version,
      roleArn: this.role.arn,
      vpcConfig: {
        subnetIds: this.privateSubnets.map(({ subnet }) => subnet.id),
        securityGroupIds: [this.controlPlaneSecurityGroup.id],
        endpointPrivateAccess: true,
        endpointPublicAccess: publicAccess,
        publicAccessCidrs: publicAccess ? [...props.publicAccessCidrs] : undefined,
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
   * Gives an IAM role or user an access entry with the cluster admin (or view) access policy over the whole cluster.
   * `id` names the entry in the construct tree and must stay stable for the principal; it defaults to the principal's
   * type and name (`role-platform-admins`). Granting a principal the same access twice returns the first grant.
   * The grantee is an `IGrantee` or a principal's ARN. Returns the grant: no policy statement (the access policy
   * association is the grant), attached to the access entry.
   */
  grantAccess(grantee: IGrantee | string, access: ClusterAccess, id?: string): Grant {
    const principalArn = typeof grantee === "string" ? grantee : grantee.grantPrincipalArn;
    const granted = this.accessEntries.get(principalArn);
    if (granted) {
      if (granted.access !== access) {
        throw new Error(
          `${this.node.path}: ${principalArn} already has ${granted.access} access to the cluster; an access entry carries one access policy here`,
        );
      }
      return { statements: [], attachedTo: granted.entry };
    }
    const name = id ?? principalId(principalArn);
    const entry = new EksAccessEntry(this, `AccessEntry-${name}`, {
      clusterName: this.cluster.name,
      principalArn,
      type: "STANDARD",
    });
    new EksAccessPolicyAssociation(this, `ClusterAdmin-${name}`, {
      clusterName: this.cluster.name,
      principalArn: entry.principalArn,
      policyArn: formatArn(this, { service: "eks", region: "", account: "aws", resource: `cluster-access-policy/${ACCESS_POLICIES[access]}` }),
      accessScope: { type: "cluster" },
    });
    this.accessEntries.set(principalArn, { access, entry });
    return { statements: [], attachedTo: entry };
  }

  /**
   * An EKS managed add-on at a pinned version, ordered against the node pools by `runsOnNodes`. The order of the calls
   * follows the order of a first apply: networking add-ons, node pools, then add-ons that run on the nodes.
   */
  addManagedAddon(addonName: string, options: ManagedAddonOptions): EksManagedAddon {
    if (!options.runsOnNodes && this.nodeGroups.length > 0) {
      throw new Error(`${this.node.path}: add ${addonName} before the node pools: nodes only become Ready once the networking add-ons run`);
    }
    const addon = new EksManagedAddon(this, `Addon-${addonName}`, {
      cluster: this,
      addonName,
      version: options.version,
      serviceAccountRole: options.serviceAccountRole,
      configuration: options.configuration,
      dependsOn: [
        ...(options.runsOnNodes ? this.nodeGroups.map(({ nodeGroup }) => nodeGroup) : []),
        // An add-on whose credentials come from Pod Identity starts after the agent that serves them.
        ...(options.serviceAccountRole?.identity === "pod-identity" && this.podIdentityAgent ? [this.podIdentityAgent.addon] : []),
      ],
    });
    (options.runsOnNodes ? this.addonsOnNodes : this.networkingAddons).push(addon);
    if (addonName === POD_IDENTITY_AGENT_ADDON) this.podIdentityAgent = addon;
    return addon;
  }

  /**
   * One pool of nodes: its IAM role, its launch template (root volumes encrypted with the node volume key, instances
   * tagged) and one managed node group over the private subnets of every AZ, or one per AZ when `oneGroupPerAz` (keyed
   * by AZ, so adding an AZ never replaces the others). Groups are named by prefix and replaced create-first. Nodes join
   * once the networking add-ons run.
   */
  addNodePool(pool: string, config: NodeGroupConfig): NodePool {
    if (this.addonsOnNodes.length > 0) {
      throw new Error(
        `${this.node.path}: add node pool ${pool} before ${this.addonsOnNodes.map(({ addonName }) => addonName).join(", ")}, which wait for every node pool`,
      );
    }
    const role = new NodeRole(this, `NodeRole-${pool}`, { roleName: `${this.name}-nodes-${pool}` });
    const launchTemplate = new NodeLaunchTemplate(this, `LaunchTemplate-${pool}`, {
      name: `${this.name}-${pool}`,
      diskSizeGiB: config.diskSizeGiB,
      volumeKey: this.nodeVolumeKey,
      tags: { ...this.nodeTags, Name: `${this.name}-${pool}`, "node-group": pool },
    });
    const placements = config.oneGroupPerAz
      ? this.privateSubnets.map((subnet) => ({ suffix: `-${subnet.availabilityZone}`, subnets: [subnet] }))
      : [{ suffix: "", subnets: this.privateSubnets }];
    const groups = placements.map(
      ({ suffix, subnets }) =>
        new ManagedNodeGroup(this, `NodeGroup-${pool}${suffix}`, {
          cluster: this,
          // Node group names are unique per cluster: the prefix stays within EKS's 63 characters with Terraform's
          // 26-character suffix whatever the project and environment are called.
          namePrefix: `${pool}${suffix}-`,
          instanceTags: this.nodeInstanceTags,
          role,
          launchTemplate,
          subnets,
          capacityType: config.capacityType,
          instanceTypes: config.instanceTypes,
          minSize: config.minSize,
          desiredSize: config.desiredSize,
          maxSize: config.maxSize,
          labels: config.labels,
          taints: config.taints,
          maxUnavailablePercentage: config.maxUnavailablePercentage,
          dependsOn: this.networkingAddons.map(({ addon }) => addon),
        }),
    );
    this.nodeGroups.push(...groups);
    return { role, launchTemplate, groups };
  }

  /**
   * The role of one service account of this cluster, named `<cluster>-<name>`, with the cluster's workload identity:
   * an IRSA role, or a Pod Identity role whose association (unless an EKS managed add-on carries it) waits for the
   * Pod Identity agent, which must therefore be added first.
   */
  addServiceAccountRole(id: string, options: ServiceAccountRoleOptions): WorkloadRole {
    const props = {
      roleName: `${this.name}-${options.name}`,
      namespace: options.namespace ?? "kube-system",
      serviceAccount: options.serviceAccount,
      statements: options.statements,
      managedPolicyArns: options.managedPolicies?.map((policy) => awsManagedPolicyArn(this, policy)),
    };
    if (this.workloadIdentity === "irsa") return new IrsaRole(this, id, { ...props, oidcProvider: this.oidcProvider });
    if (!this.podIdentityAgent) {
      throw new Error(
        `${this.node.path}: add the ${POD_IDENTITY_AGENT_ADDON} add-on before the Pod Identity role ${id}: its association and its pods need the agent`,
      );
    }
    return new PodIdentityRole(this, id, {
      ...props,
      cluster: { name: this.cluster.name, arn: this.cluster.arn },
      associate: !options.managedAddon,
      agent: this.podIdentityAgent.addon,
      keepIrsaTrustOf: this.keepIrsaTrust ? this.oidcProvider : undefined,
    });
  }
}

/** A stable construct id for an IAM principal: its type and name (`role-platform-admins`). */
function principalId(principalArn: string): string {
  return principalArn
    .split(":")
    .pop()!
    .replace(/[^A-Za-z0-9-]/g, "-");
}
