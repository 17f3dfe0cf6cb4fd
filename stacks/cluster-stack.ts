import { Construct } from "constructs";
import { TerraformOutput } from "cdktf";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { SecurityGroup } from "@cdktf/provider-aws/lib/security-group";
import { EnvironmentConfig } from "../config";
import { NODE_POOLS, NodeGroupConfig, NodePoolName } from "../config/schema/cluster";
import { EksManagedAddon } from "../constructs/cluster/addons";
import { ClusterRef } from "../constructs/cluster/cluster-ref";
import { CLUSTER_VIEW_POLICY, EksControlPlane } from "../constructs/cluster/eks-cluster";
import { NodeLaunchTemplate } from "../constructs/cluster/launch-template";
import { ManagedNodeGroup, podPlacement } from "../constructs/cluster/node-group";
import { NodeRole } from "../constructs/cluster/node-role";
import { clusterAutoscalerStatements, ebsVolumeKeyStatements, loadBalancerControllerStatements } from "../constructs/iam/controller-policies";
import { pipelineRolesOf } from "../constructs/iam/github-actions";
import { IrsaRole } from "../constructs/iam/irsa-role";
import { Network, NetworkSubnet } from "../constructs/network/network";
import { KmsKey } from "../constructs/security/kms-key";
import { defaultTags, EnvironmentStack, stackName } from "./environment-stack";

export interface ClusterStackProps {
  /** The environment's network, from its NetworkStack. */
  readonly network: Network;
  /** The in-VPC deploy runner (RunnerStack): the private API endpoint admits exactly its security group. @default none */
  readonly runnerSecurityGroup?: SecurityGroup;
}

/**
 * `<env>-cluster`: the EKS control plane, its OIDC provider, the system, stateful and stateless node groups, the EKS
 * managed add-ons and the IRSA roles of the controllers that `<env>-platform` installs.
 */
export class ClusterStack extends EnvironmentStack {
  readonly eks: EksControlPlane;
  readonly cluster: ClusterRef;
  readonly controllerRoles: { readonly clusterAutoscaler: IrsaRole; readonly awsLoadBalancerController: IrsaRole };
  readonly addonRoles: { readonly vpcCni: IrsaRole; readonly ebsCsiDriver: IrsaRole };
  readonly nodeRoles: Record<NodePoolName, IamRole>;
  readonly nodeGroups: ManagedNodeGroup[];
  /** Key of the node root volumes; the EBS CSI driver may use it for persistent volumes too. */
  readonly volumeKey: KmsKey;

  constructor(scope: Construct, environment: EnvironmentConfig, props: ClusterStackProps) {
    super(scope, environment, "cluster");
    const { prefix, cluster: config } = environment;
    const { network } = props;
    const account = this.account;

    this.eks = new EksControlPlane(this, "Eks", {
      account,
      name: prefix,
      version: config.version,
      vpcId: network.vpc.id,
      subnets: network.privateSubnets,
      publicAccess: config.endpoint.publicAccess,
      publicAccessCidrs: config.endpoint.publicAccessCidrs,
      privateAccessCidrs: config.endpoint.privateAccessCidrs,
      logRetentionDays: config.logRetentionDays,
    });
    if (props.runnerSecurityGroup) {
      this.eks.allowApiAccessFromSecurityGroup("runner", props.runnerSecurityGroup, "Kubernetes API from the in-VPC deploy runner");
    }
    // The GitHub Actions roles of this environment (bootstrap stack): deploy administers the cluster, plan reads it.
    const pipeline = pipelineRolesOf(environment);
    if (pipeline) {
      this.eks.grantClusterAdmin("deploy", pipeline.deployRoleArn);
      this.eks.grantClusterAdmin("plan", pipeline.planRoleArn, CLUSTER_VIEW_POLICY);
    }
    for (const principal of config.adminPrincipals.filter((arn) => arn !== pipeline?.deployRoleArn)) {
      this.eks.grantClusterAdmin(principalId(principal), principal);
    }
    const oidcProvider = this.eks.oidcProvider;

    const irsa = (
      id: string,
      name: string,
      serviceAccount: string,
      extra: Pick<ConstructorParameters<typeof IrsaRole>[2], "statements" | "managedPolicyArns">,
    ) => new IrsaRole(this, id, { oidcProvider, roleName: `${prefix}-${name}`, namespace: "kube-system", serviceAccount, ...extra });
    this.volumeKey = this.volumeKeyFor(prefix);
    this.addonRoles = {
      vpcCni: irsa("VpcCniRole", "vpc-cni", "aws-node", { managedPolicyArns: [this.awsManagedPolicy("AmazonEKS_CNI_Policy")] }),
      ebsCsiDriver: irsa("EbsCsiDriverRole", "ebs-csi-driver", "ebs-csi-controller-sa", {
        managedPolicyArns: [this.awsManagedPolicy("service-role/AmazonEBSCSIDriverPolicy")],
        statements: ebsVolumeKeyStatements(this.volumeKey.arn),
      }),
    };
    this.controllerRoles = {
      clusterAutoscaler: irsa("ClusterAutoscalerRole", "cluster-autoscaler", "cluster-autoscaler", {
        statements: clusterAutoscalerStatements(account, prefix),
      }),
      awsLoadBalancerController: irsa("LoadBalancerControllerRole", "aws-load-balancer-controller", "aws-load-balancer-controller", {
        statements: loadBalancerControllerStatements(account, prefix),
      }),
    };

    // Nodes only become Ready once the CNI runs, so the networking add-ons come before the node groups.
    const networking = [
      new EksManagedAddon(this, "VpcCni", {
        cluster: this.eks,
        addonName: "vpc-cni",
        version: config.addons.vpcCni,
        serviceAccountRole: this.addonRoles.vpcCni,
        configuration: VPC_CNI_CONFIGURATION,
      }),
      new EksManagedAddon(this, "KubeProxy", { cluster: this.eks, addonName: "kube-proxy", version: config.addons.kubeProxy }),
    ].map(({ addon }) => addon);

    const instanceTags = defaultTags(environment.name, stackName(environment, "cluster"), environment.project, environment.tags);
    this.nodeRoles = {} as Record<NodePoolName, IamRole>;
    this.nodeGroups = [];
    for (const pool of NODE_POOLS) {
      const group = config.nodeGroups[pool];
      const role = new NodeRole(this, `NodeRole-${pool}`, { account, roleName: `${prefix}-nodes-${pool}` });
      this.nodeRoles[pool] = role.role;
      const launchTemplate = new NodeLaunchTemplate(this, `LaunchTemplate-${pool}`, {
        name: `${prefix}-${pool}`,
        diskSizeGiB: group.diskSizeGiB,
        volumeKey: this.volumeKey,
        // Default tags stop at the launch template; instances and volumes get them through its tag specifications.
        tags: { ...instanceTags, Name: `${prefix}-${pool}`, "node-group": pool },
      });
      for (const placement of placementsOf(group, network.privateSubnets)) {
        const name = placement.zone ? `${prefix}-${pool}-${placement.zone}` : `${prefix}-${pool}`;
        this.nodeGroups.push(
          new ManagedNodeGroup(this, placement.zone ? `NodeGroup-${pool}-${placement.zone}` : `NodeGroup-${pool}`, {
            cluster: this.eks,
            nodeGroupName: name,
            role,
            launchTemplate,
            subnets: placement.subnets,
            capacityType: group.capacityType,
            instanceTypes: group.instanceTypes,
            minSize: group.minSize,
            desiredSize: group.desiredSize,
            maxSize: group.maxSize,
            labels: group.labels,
            taints: group.taints,
            maxUnavailablePercentage: group.maxUnavailablePercentage,
            dependsOn: networking,
          }),
        );
      }
    }

    const nodes = this.nodeGroups.map(({ nodeGroup }) => nodeGroup);
    const onSystemNodes = systemScheduling(config.nodeGroups.system);
    new EksManagedAddon(this, "CoreDns", {
      cluster: this.eks,
      addonName: "coredns",
      version: config.addons.coredns,
      configuration: onSystemNodes,
      dependsOn: nodes,
    });
    new EksManagedAddon(this, "EbsCsiDriver", {
      cluster: this.eks,
      addonName: "aws-ebs-csi-driver",
      version: config.addons.ebsCsiDriver,
      serviceAccountRole: this.addonRoles.ebsCsiDriver,
      configuration: { controller: onSystemNodes },
      dependsOn: nodes,
    });
    new EksManagedAddon(this, "PodIdentityAgent", {
      cluster: this.eks,
      addonName: "eks-pod-identity-agent",
      version: config.addons.podIdentityAgent,
      dependsOn: nodes,
    });

    this.cluster = {
      name: this.eks.cluster.name,
      endpoint: this.eks.endpoint,
      certificateAuthorityData: this.eks.certificateAuthorityData,
      oidcProvider: { arn: oidcProvider.arn, issuer: oidcProvider.issuer },
      nodeSecurityGroupId: this.eks.clusterSecurityGroupId,
      kubernetesVersion: config.version,
      region: environment.account.region,
      vpcId: network.vpc.id,
    };

    new TerraformOutput(this, "cluster_name", { value: this.cluster.name, description: "EKS cluster name" });
    new TerraformOutput(this, "cluster_endpoint", { value: this.cluster.endpoint, description: "Kubernetes API endpoint" });
    new TerraformOutput(this, "oidc_provider_arn", { value: oidcProvider.arn, description: "IAM OIDC provider of the cluster (IRSA)" });
    new TerraformOutput(this, "node_security_group_id", { value: this.cluster.nodeSecurityGroupId, description: "Security group the nodes carry" });
  }

  private awsManagedPolicy(name: string): string {
    return `arn:${this.environment.partition}:iam::aws:policy/${name}`;
  }

  /**
   * The node volume key. The Auto Scaling service-linked role launches the nodes, so it must be able to use the key
   * through the key policy (identity policies of service-linked roles cannot be changed).
   */
  private volumeKeyFor(prefix: string): KmsKey {
    const key = new KmsKey(this, "VolumeKey", {
      description: `${prefix} EKS node and persistent volumes`,
      alias: `${prefix}-eks-volumes`,
    });
    const autoScaling = `arn:${this.environment.partition}:iam::${this.environment.account.id}:role/aws-service-role/autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling`;
    key.grantToPrincipal("AutoScalingUsesKeyForNodeVolumes", autoScaling, [
      "kms:Encrypt",
      "kms:Decrypt",
      "kms:ReEncrypt*",
      "kms:GenerateDataKey*",
      "kms:DescribeKey",
    ]);
    key.grantToPrincipal("AutoScalingGrantsKeyToEc2", autoScaling, ["kms:CreateGrant"], { Bool: { "kms:GrantIsForAWSResource": true } });
    return key;
  }
}

/**
 * NetworkPolicies are enforced only when the VPC CNI is told to: EKS then runs the network policy controller and the
 * aws-node DaemonSet's network policy agent (its `nodeAgent`, on by default since v1.14) programs eBPF filters on
 * every node. The add-on's schema types the flag as a boolean string.
 */
export const VPC_CNI_CONFIGURATION = { enableNetworkPolicy: "true" } as const;

interface Placement {
  /** Set when the group is confined to one AZ. */
  readonly zone?: string;
  readonly subnets: readonly NetworkSubnet[];
}

/** One group over every AZ, or one group per AZ (keyed by AZ, so adding an AZ never replaces the others). */
function placementsOf(group: NodeGroupConfig, subnets: readonly NetworkSubnet[]): Placement[] {
  return group.oneGroupPerAz ? subnets.map((subnet) => ({ zone: subnet.availabilityZone, subnets: [subnet] })) : [{ subnets }];
}

/** Add-on pods that belong on the system nodes: their labels as node selector, their taints tolerated. */
function systemScheduling(system: NodeGroupConfig): Record<string, unknown> {
  const { nodeSelector, tolerations } = podPlacement(system);
  return { nodeSelector, ...(tolerations.length > 0 ? { tolerations } : {}) };
}

/** A stable construct id for an IAM principal: its type and name (`role-platform-admins`). */
function principalId(principalArn: string): string {
  return principalArn
    .split(":")
    .pop()!
    .replace(/[^A-Za-z0-9-]/g, "-");
}
