import { NodeLaunchTemplate } from "../../../constructs/cluster/launch-template";
import { ManagedNodeGroup, ManagedNodeGroupProps } from "../../../constructs/cluster/node-group";
import { NodeRole } from "../../../constructs/cluster/node-role";
import { KmsKey } from "../../../constructs/security/kms-key";
import { clusterNetwork, testControlPlane } from "../../support/cluster-fixtures";
import { onlyResource, policyOf, resourcesOf, SynthesizedStack, synthScoped } from "../../support/synth";

function synthNodeGroup(props: Partial<ManagedNodeGroupProps> = {}): SynthesizedStack {
  return JSON.parse(
    synthScoped((scope) => {
      const network = clusterNetwork(scope);
      const volumeKey = new KmsKey(scope, "VolumeKey", { description: "volumes" });
      const cluster = testControlPlane(scope, { network, nodeVolumeKey: volumeKey });
      new ManagedNodeGroup(scope, "Stateless", {
        cluster,
        namePrefix: "stateless-",
        role: new NodeRole(scope, "NodeRole", { roleName: "shop-test-nodes" }),
        launchTemplate: new NodeLaunchTemplate(scope, "LaunchTemplate", { name: "shop-test-stateless", diskSizeGiB: 80, volumeKey }),
        subnets: network.privateSubnets,
        capacityType: "SPOT",
        instanceTypes: ["m7i.large", "m6i.large", "m5.large"],
        minSize: 0,
        desiredSize: 2,
        maxSize: 10,
        labels: { workload: "stateless" },
        taints: [{ key: "dedicated", value: "batch", effect: "NO_SCHEDULE" }],
        maxUnavailablePercentage: 25,
        ...props,
      });
    }),
  ) as SynthesizedStack;
}

describe("NodeLaunchTemplate", () => {
  const template = onlyResource(synthNodeGroup(), "aws_launch_template");

  it("requires IMDSv2 with a hop limit of 1, so pods cannot borrow the node's credentials", () => {
    expect(template.metadata_options).toMatchObject({ http_endpoint: "enabled", http_tokens: "required", http_put_response_hop_limit: 1 });
  });

  it("boots from an encrypted gp3 root volume with the given size and customer managed key", () => {
    expect(template.block_device_mappings).toEqual([
      {
        device_name: "/dev/xvda",
        ebs: {
          volume_size: 80,
          volume_type: "gp3",
          encrypted: "true",
          kms_key_id: expect.stringMatching(/aws_kms_key\.VolumeKey/),
          delete_on_termination: "true",
        },
      },
    ]);
  });

  it("has no SSH key and no AMI, so EKS chooses the AL2023 AMI", () => {
    expect(template.key_name).toBeUndefined();
    expect(template.image_id).toBeUndefined();
  });
});

describe("NodeRole", () => {
  const synthesized = synthNodeGroup();
  const nodeRole = Object.entries(resourcesOf(synthesized, "aws_iam_role")).find(([id]) => id.startsWith("NodeRole"))![1];

  it("is assumable by EC2 only", () => {
    expect(policyOf(nodeRole, "assume_role_policy").Statement).toEqual([
      { Effect: "Allow", Principal: { Service: "ec2.amazonaws.com" }, Action: "sts:AssumeRole" },
    ]);
  });

  it("gets the worker, image pull and SSM policies but not the CNI policy (the CNI uses IRSA)", () => {
    const attached = Object.entries(resourcesOf(synthesized, "aws_iam_role_policy_attachment"))
      .filter(([id]) => id.startsWith("NodeRole"))
      .map(([, attachment]) => attachment.policy_arn);
    expect(attached.sort()).toEqual([
      "arn:aws:iam::aws:policy/AmazonEC2ContainerRegistryPullOnly",
      "arn:aws:iam::aws:policy/AmazonEKSWorkerNodePolicy",
      "arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore",
    ]);
  });
});

describe("ManagedNodeGroup", () => {
  const synthesized = synthNodeGroup();
  const nodeGroup = onlyResource(synthesized, "aws_eks_node_group");
  const asgTags = Object.values(resourcesOf(synthesized, "aws_autoscaling_group_tag")).map((resource) => resource.tag as { key: string; value: string });
  const tagValue = (key: string) => asgTags.find((tag) => tag.key === key)?.value;

  it("runs spot capacity over several instance types on the AL2023 AMI", () => {
    expect(nodeGroup).toMatchObject({ capacity_type: "SPOT", instance_types: ["m7i.large", "m6i.large", "m5.large"], ami_type: "AL2023_x86_64_STANDARD" });
  });

  it("picks the ARM AMI for Graviton instance types", () => {
    const arm = onlyResource(synthNodeGroup({ instanceTypes: ["m7g.large", "m6g.large", "c7g.xlarge"] }), "aws_eks_node_group");
    expect(arm.ami_type).toBe("AL2023_ARM_64_STANDARD");
  });

  it("leaves the desired size to the Cluster Autoscaler after creation", () => {
    expect(nodeGroup.scaling_config).toEqual({ min_size: 0, desired_size: 2, max_size: 10 });
    expect(nodeGroup.lifecycle).toMatchObject({ ignore_changes: ["scaling_config[0].desired_size"] });
  });

  it("is replaced create-first under a name prefix, so a pool never drains before its replacement exists", () => {
    expect(nodeGroup.node_group_name_prefix).toBe("stateless-");
    expect(nodeGroup.node_group_name).toBeUndefined();
    expect(nodeGroup.lifecycle).toMatchObject({ create_before_destroy: true });
  });

  it("rolls updates through a limited share of nodes, from the launch template's latest version", () => {
    expect(nodeGroup.update_config).toEqual({ max_unavailable_percentage: 25 });
    expect(nodeGroup.launch_template).toMatchObject({ version: expect.stringContaining(".latest_version") });
  });

  it("labels and taints the nodes from its props", () => {
    expect(nodeGroup.labels).toEqual({ workload: "stateless" });
    expect(nodeGroup.taint).toEqual([{ key: "dedicated", value: "batch", effect: "NO_SCHEDULE" }]);
  });

  it("tags its Auto Scaling group for Cluster Autoscaler auto-discovery", () => {
    expect(tagValue("k8s.io/cluster-autoscaler/enabled")).toBe("true");
    expect(tagValue("k8s.io/cluster-autoscaler/shop-test")).toBe("owned");
  });

  it("describes its nodes' labels and taints to the Cluster Autoscaler so it can scale from zero", () => {
    expect(tagValue("k8s.io/cluster-autoscaler/node-template/label/workload")).toBe("stateless");
    // The name EKS labels the nodes with is only known once Terraform has picked the suffix.
    expect(tagValue("k8s.io/cluster-autoscaler/node-template/label/eks.amazonaws.com/nodegroup")).toMatch(/^\$\{aws_eks_node_group\..*\.node_group_name\}$/);
    expect(tagValue("k8s.io/cluster-autoscaler/node-template/label/eks.amazonaws.com/capacityType")).toBe("SPOT");
    expect(tagValue("k8s.io/cluster-autoscaler/node-template/taint/dedicated")).toBe("batch:NoSchedule");
  });

  it("puts the autoscaler tags on the group's own Auto Scaling group without propagating them to instances", () => {
    const resources = Object.values(resourcesOf(synthesized, "aws_autoscaling_group_tag"));
    expect(resources.length).toBeGreaterThan(0);
    for (const resource of resources) {
      expect(resource.autoscaling_group_name).toMatch(/aws_eks_node_group\..*\.resources\[0\]\.autoscaling_groups\[0\]\.name/);
      expect((resource.tag as { propagate_at_launch: boolean }).propagate_at_launch).toBe(false);
    }
  });

  it("propagates the changeable instance tags to the instances it launches, through its Auto Scaling group", () => {
    const tagged = Object.values(resourcesOf(synthNodeGroup({ instanceTags: { "cost-center": "shop" } }), "aws_autoscaling_group_tag"))
      .map((resource) => resource.tag as { key: string; value: string; propagate_at_launch: boolean })
      .filter((tag) => tag.propagate_at_launch);
    expect(tagged).toEqual([{ key: "cost-center", value: "shop", propagate_at_launch: true }]);
  });
});
