import { Construct } from "constructs";
import { TerraformOutput } from "cdktf";
import type { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import type { SecurityGroup } from "@cdktf/provider-aws/lib/security-group";
import { EnvironmentConfig } from "../config";
import { NODE_POOLS, NodePoolName } from "../config/schema/cluster";
import { VPC_CNI_CONFIGURATION } from "../constructs/cluster/addons";
import { ClusterRef } from "../constructs/cluster/cluster-ref";
import { EksControlPlane, POD_IDENTITY_AGENT_ADDON } from "../constructs/cluster/eks-cluster";
import { KarpenterNodeInfrastructure } from "../constructs/cluster/karpenter";
import { addonPlacement, ManagedNodeGroup } from "../constructs/cluster/node-group";
import { NodeVolumeKey } from "../constructs/cluster/node-volume-key";
import { clusterAutoscalerStatements, ebsVolumeKeyStatements, loadBalancerControllerStatements } from "../constructs/iam/controller-policies";
import { pipelineRolesOf } from "../constructs/iam/pipeline-roles";
import { WorkloadRole } from "../constructs/iam/workload-role";
import { Network } from "../constructs/network/network";
import { KmsKey } from "../constructs/security/kms-key";
import { terraformCloudOf } from "../constructs/tfc/environment";
import { EnvironmentStack } from "./environment-stack";

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
  readonly controllerRoles: { readonly clusterAutoscaler?: WorkloadRole; readonly awsLoadBalancerController: WorkloadRole; readonly karpenter?: WorkloadRole };
  readonly addonRoles: { readonly vpcCni: WorkloadRole; readonly ebsCsiDriver: WorkloadRole };
  /** The role of each managed node group's nodes (only the system group's when Karpenter replaces the others). */
  readonly nodeRoles: Partial<Record<NodePoolName, IamRole>>;
  /** Karpenter's node role, instance profile and interruption queue, when `cluster.autoscaler` is karpenter. */
  readonly karpenter?: KarpenterNodeInfrastructure;
  readonly nodeGroups: ManagedNodeGroup[];
  /** Key of the node root volumes; the EBS CSI driver may use it for persistent volumes too. */
  readonly volumeKey: KmsKey;

  constructor(scope: Construct, environment: EnvironmentConfig, props: ClusterStackProps) {
    super(scope, environment, "cluster");
    const { prefix, cluster: config } = environment;
    const { network } = props;

    this.volumeKey = new NodeVolumeKey(this, "VolumeKey", { namePrefix: prefix });
    this.eks = new EksControlPlane(this, "Eks", {
      name: prefix,
      version: config.version,
      network,
      publicAccess: config.endpoint.publicAccess,
      publicAccessCidrs: config.endpoint.publicAccessCidrs,
      privateAccessCidrs: config.endpoint.privateAccessCidrs,
      logRetentionDays: config.logRetentionDays,
      nodeVolumeKey: this.volumeKey,
      // Default tags stop at the launch template. The project's own reach instances and volumes through its tag
      // specifications; the config's tags, which may change, through the Auto Scaling groups, so no tag rolls a node.
      nodeTags: this.projectTags,
      nodeInstanceTags: environment.tags,
      workloadIdentity: config.workloadIdentity,
      keepIrsaTrust: config.keepIrsaTrust,
    });
    if (props.runnerSecurityGroup) {
      this.eks.allowApiAccessFromSecurityGroup("runner", props.runnerSecurityGroup, "Kubernetes API from the in-VPC deploy runner");
    }
    // The GitHub Actions roles of this environment (bootstrap stack): deploy administers the cluster, plan reads it,
    // pull requests read it without Secrets.
    const pipeline = pipelineRolesOf(environment);
    if (pipeline) {
      this.eks.grantAccess(pipeline.deployRoleArn, "admin", "deploy");
      this.eks.grantAccess(pipeline.planRoleArn, "view", "plan");
      if (pipeline.pullRequestPlanRoleArn) this.eks.grantAccess(pipeline.pullRequestPlanRoleArn, "viewWithoutSecrets", "pull-request-plan");
    }
    // Terraform Cloud runs of this environment (dynamic credentials): applies administer the cluster, plans read it.
    const cloud = terraformCloudOf(environment);
    if (cloud) {
      this.eks.grantAccess(cloud.applyRoleArn, "admin", "terraform-cloud-apply");
      this.eks.grantAccess(cloud.planRoleArn, "view", "terraform-cloud-plan");
    }
    for (const principal of config.adminPrincipals) {
      this.eks.grantAccess(principal, "admin");
    }

    const { addons } = config;
    // With Pod Identity the VPC CNI, which makes the nodes Ready, gets its credentials from the agent: the agent comes
    // first (its DaemonSet is host-network and tolerates every taint) and the nodes wait for it, like for kube-proxy.
    const podIdentity = config.workloadIdentity === "pod-identity";
    if (podIdentity) this.eks.addManagedAddon(POD_IDENTITY_AGENT_ADDON, { version: addons.podIdentityAgent, runsOnNodes: false });
    this.addonRoles = {
      vpcCni: this.eks.addServiceAccountRole("VpcCniRole", {
        name: "vpc-cni",
        serviceAccount: "aws-node",
        managedPolicies: ["AmazonEKS_CNI_Policy"],
        managedAddon: true,
      }),
      ebsCsiDriver: this.eks.addServiceAccountRole("EbsCsiDriverRole", {
        name: "ebs-csi-driver",
        serviceAccount: "ebs-csi-controller-sa",
        managedAddon: true,
        managedPolicies: ["service-role/AmazonEBSCSIDriverPolicy"],
        statements: ebsVolumeKeyStatements(this.volumeKey.arn),
      }),
    };
    // Karpenter replaces the Cluster Autoscaler and the stateful and stateless node groups; the system group stays and
    // runs the controller. `keepNodeGroups` keeps the old groups (unscaled) while a migration drains them.
    const karpenter =
      config.autoscaler === "karpenter" ? new KarpenterNodeInfrastructure(this, "Karpenter", { cluster: this.eks, nodeVolumeKey: this.volumeKey }) : undefined;
    this.karpenter = karpenter;
    this.controllerRoles = {
      ...(karpenter
        ? {
            karpenter: this.eks.addServiceAccountRole("KarpenterControllerRole", {
              name: "karpenter",
              serviceAccount: "karpenter",
              statements: karpenter.controllerStatements(),
            }),
          }
        : {
            clusterAutoscaler: this.eks.addServiceAccountRole("ClusterAutoscalerRole", {
              name: "cluster-autoscaler",
              serviceAccount: "cluster-autoscaler",
              statements: clusterAutoscalerStatements(this, prefix),
            }),
          }),
      awsLoadBalancerController: this.eks.addServiceAccountRole("LoadBalancerControllerRole", {
        name: "aws-load-balancer-controller",
        serviceAccount: "aws-load-balancer-controller",
        statements: loadBalancerControllerStatements(this, prefix),
      }),
    };

    this.eks.addManagedAddon("vpc-cni", {
      version: addons.vpcCni,
      runsOnNodes: false,
      serviceAccountRole: this.addonRoles.vpcCni,
      configuration: VPC_CNI_CONFIGURATION,
    });
    this.eks.addManagedAddon("kube-proxy", { version: addons.kubeProxy, runsOnNodes: false });
    const managedPools = karpenter && !config.karpenter.keepNodeGroups ? NODE_POOLS.filter((pool) => pool === "system") : NODE_POOLS;
    const pools = managedPools.map((pool) => ({ pool, ...this.eks.addNodePool(pool, config.nodeGroups[pool]) }));
    this.nodeRoles = Object.fromEntries(pools.map(({ pool, role }) => [pool, role.role]));
    this.nodeGroups = pools.flatMap(({ groups }) => [...groups]);
    const onSystemNodes = addonPlacement(config.nodeGroups.system);
    this.eks.addManagedAddon("coredns", { version: addons.coredns, runsOnNodes: true, configuration: onSystemNodes });
    this.eks.addManagedAddon("aws-ebs-csi-driver", {
      version: addons.ebsCsiDriver,
      runsOnNodes: true,
      serviceAccountRole: this.addonRoles.ebsCsiDriver,
      configuration: { controller: onSystemNodes },
    });
    if (!podIdentity) this.eks.addManagedAddon(POD_IDENTITY_AGENT_ADDON, { version: addons.podIdentityAgent, runsOnNodes: true });
    // VolumeSnapshot CRDs and their controller: the EBS CSI driver's snapshots (Velero's backups of volumes) need both.
    this.eks.addManagedAddon("snapshot-controller", { version: addons.snapshotController, runsOnNodes: true });

    this.cluster = {
      name: this.eks.cluster.name,
      endpoint: this.eks.endpoint,
      certificateAuthorityData: this.eks.certificateAuthorityData,
      oidcProvider: { arn: this.eks.oidcProvider.arn, issuer: this.eks.oidcProvider.issuer },
      nodeSecurityGroup: { id: this.eks.clusterSecurityGroupId },
      kubernetesVersion: config.version,
      region: environment.account.region,
      vpcId: network.vpc.id,
    };

    new TerraformOutput(this, "cluster_name", { value: this.cluster.name, description: "EKS cluster name" });
    new TerraformOutput(this, "cluster_endpoint", { value: this.cluster.endpoint, description: "Kubernetes API endpoint" });
    new TerraformOutput(this, "oidc_provider_arn", { value: this.cluster.oidcProvider.arn, description: "IAM OIDC provider of the cluster (IRSA)" });
    new TerraformOutput(this, "node_security_group_id", { value: this.cluster.nodeSecurityGroup.id, description: "Security group the nodes carry" });
  }
}
