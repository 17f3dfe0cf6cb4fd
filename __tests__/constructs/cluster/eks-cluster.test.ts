import { Construct } from "constructs";
import { EksControlPlane, EksControlPlaneProps } from "../../../constructs/cluster/eks-cluster";
import { testControlPlane } from "../../support/cluster-fixtures";
import { onlyResource, policyOf, resourcesOf, SynthesizedStack, synthScoped } from "../../support/synth";

function synthControlPlane(props: Partial<EksControlPlaneProps> = {}, admins: string[] = []): SynthesizedStack {
  return synthWith((scope) => {
    const controlPlane = testControlPlane(scope, props);
    admins.forEach((principal) => controlPlane.grantAccess(principal, "admin"));
  });
}

function synthWith(build: (scope: Construct) => void): SynthesizedStack {
  return JSON.parse(synthScoped(build)) as SynthesizedStack;
}

type Resource = Record<string, unknown>;

function onlyMatching(synthesized: SynthesizedStack, type: string, matches: (id: string) => boolean): Resource {
  const found = Object.entries(resourcesOf(synthesized, type)).filter(([id]) => matches(id));
  expect(found).toHaveLength(1);
  return found[0][1];
}

describe("EksControlPlane", () => {
  const synthesized = synthControlPlane();
  const cluster = onlyResource(synthesized, "aws_eks_cluster");

  it("keeps the API endpoint private unless public access is asked for, and then only to the listed networks", () => {
    expect(cluster.vpc_config).toMatchObject({ endpoint_private_access: true, endpoint_public_access: false });
    expect((cluster.vpc_config as Record<string, unknown>).public_access_cidrs).toBeUndefined();
    const open = onlyResource(synthControlPlane({ publicAccess: true, publicAccessCidrs: ["203.0.113.0/24"] }), "aws_eks_cluster");
    expect(open.vpc_config).toMatchObject({ endpoint_public_access: true, public_access_cidrs: ["203.0.113.0/24"] });
  });

  it("places the control plane in the private subnets of every AZ", () => {
    const subnetIds = (cluster.vpc_config as { subnet_ids: string[] }).subnet_ids;
    expect(subnetIds.map((id) => id.match(/eu-central-1[a-c]/)![0])).toEqual(["eu-central-1a", "eu-central-1b", "eu-central-1c"]);
  });

  it("authenticates with access entries only and gives the cluster creator no implicit admin", () => {
    expect(cluster.access_config).toEqual({ authentication_mode: "API", bootstrap_cluster_creator_admin_permissions: false });
  });

  it("envelope-encrypts secrets with a rotating customer managed key the cluster role may use", () => {
    expect(cluster.encryption_config).toMatchObject({ resources: ["secrets"], provider: { key_arn: expect.stringMatching(/aws_kms_key\..*\.arn/) } });
    const keys = Object.entries(resourcesOf(synthesized, "aws_kms_key")).filter(([id]) => id.startsWith("Eks_"));
    expect(keys).toHaveLength(1);
    expect(keys[0][1]).toMatchObject({ enable_key_rotation: true });
    expect((cluster.encryption_config as { provider: { key_arn: string } }).provider.key_arn).toContain(`aws_kms_key.${keys[0][0]}.arn`);
    const rolePolicy = policyOf(onlyResource(synthesized, "aws_iam_role_policy"));
    expect(rolePolicy.Statement[0]).toMatchObject({ Action: expect.arrayContaining(["kms:Encrypt", "kms:Decrypt"]) });
  });

  it("sends all five control-plane log types to an encrypted log group created before the cluster", () => {
    expect(cluster.enabled_cluster_log_types).toEqual(["api", "audit", "authenticator", "controllerManager", "scheduler"]);
    const logGroup = onlyResource(synthesized, "aws_cloudwatch_log_group");
    expect(logGroup).toMatchObject({ name: "/aws/eks/shop-test/cluster", retention_in_days: 90, kms_key_id: expect.stringMatching(/aws_kms_key/) });
    expect(cluster.depends_on).toContainEqual(expect.stringMatching(/^aws_cloudwatch_log_group\./));
  });

  it("never grants the key to everyone: every key policy statement names a principal, service grants carry conditions", () => {
    const statements = Object.values(resourcesOf(synthesized, "aws_kms_key")).flatMap((key) => policyOf(key).Statement);
    for (const statement of statements) {
      expect(statement.Principal).not.toBe("*");
      if ((statement.Principal as Record<string, string>).Service) expect(statement.Condition).toBeDefined();
    }
  });

  it("creates the IAM OIDC provider from the cluster's issuer for sts.amazonaws.com, without a thumbprint lookup", () => {
    const provider = onlyResource(synthesized, "aws_iam_openid_connect_provider");
    expect(provider).toMatchObject({ client_id_list: ["sts.amazonaws.com"], url: expect.stringContaining(".identity[0].oidc[0].issuer") });
    expect(provider.thumbprint_list).toBeUndefined();
    expect(synthesized.data).toBeUndefined();
  });

  it("gives each admin principal an access entry with the cluster admin policy over the whole cluster", () => {
    const withAdmins = synthControlPlane({}, ["arn:aws:iam::123456789012:role/platform-admins"]);
    expect(onlyResource(withAdmins, "aws_eks_access_entry")).toMatchObject({
      principal_arn: "arn:aws:iam::123456789012:role/platform-admins",
      type: "STANDARD",
    });
    expect(onlyResource(withAdmins, "aws_eks_access_policy_association")).toMatchObject({
      policy_arn: "arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy",
      access_scope: { type: "cluster" },
    });
  });

  it("opens the private endpoint to extra networks only through described HTTPS rules", () => {
    const withPeers = synthControlPlane({ privateAccessCidrs: ["10.99.0.0/16", "192.168.0.0/24"] });
    const rules = Object.values(resourcesOf(withPeers, "aws_vpc_security_group_ingress_rule"));
    expect(rules.map((rule) => rule.cidr_ipv4)).toEqual(["10.99.0.0/16", "192.168.0.0/24"]);
    for (const rule of rules) {
      expect(rule).toMatchObject({ ip_protocol: "tcp", from_port: 443, to_port: 443, description: expect.stringContaining("Kubernetes API") });
    }
    expect(Object.values(resourcesOf(synthesized, "aws_vpc_security_group_ingress_rule"))).toHaveLength(0);
  });

  it("gives a read-only principal an access entry with the admin view policy, and each principal one entry", () => {
    const synthesizedAccess = synthWith((scope) => {
      const controlPlane = testControlPlane(scope);
      controlPlane.grantAccess("arn:aws:iam::123456789012:role/deploy", "admin", "deploy");
      controlPlane.grantAccess("arn:aws:iam::123456789012:role/plan", "view", "plan");
      controlPlane.grantAccess("arn:aws:iam::123456789012:role/deploy", "admin");
    });
    const entries = Object.values(resourcesOf(synthesizedAccess, "aws_eks_access_entry")).map((entry) => entry.principal_arn);
    expect(entries.sort()).toEqual(["arn:aws:iam::123456789012:role/deploy", "arn:aws:iam::123456789012:role/plan"]);
    const policies = Object.values(resourcesOf(synthesizedAccess, "aws_eks_access_policy_association")).map((association) => association.policy_arn);
    expect(policies.sort()).toEqual([
      "arn:aws:eks::aws:cluster-access-policy/AmazonEKSAdminViewPolicy",
      "arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy",
    ]);
  });

  it("refuses to give one principal both admin and view access", () => {
    expect(() =>
      synthWith((scope) => {
        const controlPlane = testControlPlane(scope);
        controlPlane.grantAccess("arn:aws:iam::123456789012:role/plan", "view");
        controlPlane.grantAccess("arn:aws:iam::123456789012:role/plan", "admin");
      }),
    ).toThrow(/already has view access/);
  });
});

describe("EksControlPlane.addNodePool", () => {
  const pool = {
    capacityType: "ON_DEMAND" as const,
    instanceTypes: ["r7i.large"],
    minSize: 1,
    desiredSize: 1,
    maxSize: 3,
    diskSizeGiB: 60,
    maxUnavailablePercentage: 33,
    labels: { workload: "stateful" },
    taints: [{ key: "workload", value: "stateful", effect: "NO_SCHEDULE" as const }],
  };
  const synthPool = (oneGroupPerAz: boolean) =>
    synthWith((scope) => {
      const controlPlane = testControlPlane(scope);
      controlPlane.addManagedAddon("vpc-cni", { version: "v1.21.1-eksbuild.7", runsOnNodes: false });
      controlPlane.addNodePool("stateful", { ...pool, oneGroupPerAz });
      controlPlane.addManagedAddon("coredns", { version: "v1.13.2-eksbuild.4", runsOnNodes: true });
    });
  const perAz = synthPool(true);
  const groups = Object.values(resourcesOf(perAz, "aws_eks_node_group"));

  it("puts one node group in each AZ when asked, named after the pool and the AZ, all on the pool's role and launch template", () => {
    expect(groups.map((group) => group.node_group_name_prefix).sort()).toEqual([
      "stateful-eu-central-1a-",
      "stateful-eu-central-1b-",
      "stateful-eu-central-1c-",
    ]);
    for (const group of groups) {
      expect(group.subnet_ids).toHaveLength(1);
      expect(group.node_role_arn).toMatch(/aws_iam_role\.Eks_NodeRole-stateful_Role_.*\.arn/);
    }
    expect(onlyMatching(perAz, "aws_iam_role", (id) => id.includes("NodeRole")).name).toBe("shop-test-nodes-stateful");
    expect(onlyResource(perAz, "aws_launch_template")).toMatchObject({ name: "shop-test-stateful" });
  });

  it("spans every AZ with one group otherwise", () => {
    const [group] = Object.values(resourcesOf(synthPool(false), "aws_eks_node_group"));
    expect(group).toMatchObject({ node_group_name_prefix: "stateful-" });
    expect(group.subnet_ids).toHaveLength(3);
  });

  it("encrypts the root volumes with the node volume key and tags instances, volumes and interfaces with the stable node tags", () => {
    const template = onlyResource(perAz, "aws_launch_template");
    const [mapping] = template.block_device_mappings as { ebs: Resource }[];
    expect(mapping.ebs).toMatchObject({ volume_size: 60, kms_key_id: expect.stringMatching(/aws_kms_key\.VolumeKey_/) });
    const specs = template.tag_specifications as { resource_type: string; tags: Record<string, string> }[];
    expect(specs.map((spec) => spec.resource_type)).toEqual(["instance", "volume", "network-interface"]);
    for (const spec of specs) expect(spec.tags).toEqual({ project: "shop", Name: "shop-test-stateful", "node-group": "stateful" });
  });

  it("joins nodes once the networking add-ons run, and starts add-ons that run on nodes after every group", () => {
    for (const group of groups) expect(group.depends_on).toEqual([expect.stringMatching(/^aws_eks_addon\.Eks_Addon-vpc-cni_/)]);
    const coredns = onlyMatching(perAz, "aws_eks_addon", (id) => id.includes("coredns"));
    expect(coredns.depends_on).toHaveLength(3);
    for (const dependency of coredns.depends_on as string[]) expect(dependency).toMatch(/^aws_eks_node_group\.Eks_NodeGroup-stateful-eu-central-1[abc]_/);
  });

  it("refuses an order in which a first apply would hang: networking add-ons after nodes, nodes after the add-ons that wait for them", () => {
    expect(() =>
      synthWith((scope) => {
        const controlPlane = testControlPlane(scope);
        controlPlane.addNodePool("stateful", { ...pool, oneGroupPerAz: false });
        controlPlane.addManagedAddon("vpc-cni", { version: "v1.21.1-eksbuild.7", runsOnNodes: false });
      }),
    ).toThrow(/add vpc-cni before the node pools/);
    expect(() =>
      synthWith((scope) => {
        const controlPlane = testControlPlane(scope);
        controlPlane.addManagedAddon("coredns", { version: "v1.13.2-eksbuild.4", runsOnNodes: true });
        controlPlane.addNodePool("stateful", { ...pool, oneGroupPerAz: false });
      }),
    ).toThrow(/add node pool stateful before coredns/);
  });
});

describe("EksControlPlane.addServiceAccountRole", () => {
  const synthesized = synthWith((scope) => {
    const controlPlane: EksControlPlane = testControlPlane(scope);
    const role = controlPlane.addServiceAccountRole("CniRole", { name: "vpc-cni", serviceAccount: "aws-node", managedPolicies: ["AmazonEKS_CNI_Policy"] });
    controlPlane.addManagedAddon("vpc-cni", { version: "v1.21.1-eksbuild.7", runsOnNodes: false, serviceAccountRole: role });
  });
  const role = onlyMatching(synthesized, "aws_iam_role", (id) => id.includes("CniRole"));

  it("names the role after the cluster and trusts exactly kube-system/<service account> of the cluster's OIDC provider", () => {
    expect(role.name).toBe("shop-test-vpc-cni");
    const trust = JSON.parse((role.assume_role_policy as string).replace(/\$\{[^}]*\}/g, "ISSUER")) as { Statement: Resource[] };
    expect(trust.Statement[0]).toMatchObject({
      Action: "sts:AssumeRoleWithWebIdentity",
      Condition: { StringEquals: { "ISSUER:sub": "system:serviceaccount:kube-system:aws-node", "ISSUER:aud": "sts.amazonaws.com" } },
    });
  });

  it("attaches the AWS managed policies by name, in the scope's partition", () => {
    const attachment = onlyMatching(synthesized, "aws_iam_role_policy_attachment", (id) => id.includes("CniRole"));
    expect(attachment.policy_arn).toBe("arn:aws:iam::aws:policy/AmazonEKS_CNI_Policy");
    expect(onlyResource(synthesized, "aws_eks_addon").service_account_role_arn).toMatch(/aws_iam_role\.Eks_CniRole_.*\.arn/);
  });
});
