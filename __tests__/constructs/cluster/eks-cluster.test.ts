import { CONTROL_PLANE_LOG_TYPES, EksControlPlane, EksControlPlaneProps } from "../../../constructs/cluster/eks-cluster";
import { ACCOUNT, privateSubnets } from "../../support/cluster-fixtures";
import { onlyResource, policyOf, resourcesOf, SynthesizedStack, synthScoped } from "../../support/synth";

function synthControlPlane(props: Partial<EksControlPlaneProps> = {}, admins: string[] = []): SynthesizedStack {
  return JSON.parse(
    synthScoped((scope) => {
      const controlPlane = new EksControlPlane(scope, "Eks", {
        account: ACCOUNT,
        name: "shop-test",
        version: "1.35",
        vpcId: "vpc-1",
        subnets: privateSubnets(scope),
        logRetentionDays: 90,
        ...props,
      });
      admins.forEach((principal, index) => controlPlane.grantClusterAdmin(`admin${index}`, principal));
    }),
  ) as SynthesizedStack;
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
    const keys = Object.values(resourcesOf(synthesized, "aws_kms_key"));
    expect(keys).toHaveLength(1);
    expect(keys[0]).toMatchObject({ enable_key_rotation: true });
    const rolePolicy = policyOf(onlyResource(synthesized, "aws_iam_role_policy"));
    expect(rolePolicy.Statement[0]).toMatchObject({ Action: expect.arrayContaining(["kms:Encrypt", "kms:Decrypt"]) });
  });

  it("sends all five control-plane log types to an encrypted log group created before the cluster", () => {
    expect(cluster.enabled_cluster_log_types).toEqual([...CONTROL_PLANE_LOG_TYPES]);
    expect(CONTROL_PLANE_LOG_TYPES).toHaveLength(5);
    const logGroup = onlyResource(synthesized, "aws_cloudwatch_log_group");
    expect(logGroup).toMatchObject({ name: "/aws/eks/shop-test/cluster", retention_in_days: 90, kms_key_id: expect.stringMatching(/aws_kms_key/) });
    expect(cluster.depends_on).toContainEqual(expect.stringMatching(/^aws_cloudwatch_log_group\./));
  });

  it("never grants the key to everyone: every key policy statement names a principal, service grants carry conditions", () => {
    const statements = policyOf(onlyResource(synthesized, "aws_kms_key")).Statement;
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
});
