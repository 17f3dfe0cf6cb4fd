import { block, blocks, isFalse, isSet } from "../attributes";
import { strings } from "../../core/json";
import { PolicyRule } from "../types";
import { eksSubnetIds, publicSubnets } from "./subnets";

const WORLD = ["0.0.0.0/0", "::/0"];
const CONTROL_PLANE_LOGS = ["api", "audit", "authenticator", "controllerManager", "scheduler"];

export const EKS_RULES: PolicyRule[] = [
  {
    id: "PLT-EKS-001",
    severity: "error",
    title: "EKS API endpoint not open to the world",
    description: "The cluster endpoint is private, or its public endpoint is limited to named CIDRs (never 0.0.0.0/0 or ::/0).",
    checkov: ["CKV_AWS_38", "CKV_AWS_39"],
    trivy: ["AVD-AWS-0040", "AVD-AWS-0041"],
    remediation: "set vpc_config.endpoint_public_access = false (reach the API through the VPC), or list the operator CIDRs in public_access_cidrs",
    resourceTypes: ["aws_eks_cluster"],
    check({ attributes }) {
      const vpc = block(attributes.vpc_config) ?? {};
      if (isFalse(vpc.endpoint_public_access)) return undefined;
      const cidrs = strings(vpc.public_access_cidrs);
      if (cidrs.length === 0) return "the public API endpoint is on and public_access_cidrs is unset, which AWS reads as 0.0.0.0/0";
      const open = cidrs.filter((cidr) => WORLD.includes(cidr));
      return open.length > 0 ? `the public API endpoint accepts ${open.join(" and ")}` : undefined;
    },
  },
  {
    id: "PLT-EKS-002",
    severity: "error",
    title: "EKS control-plane logs: all five types",
    description: "enabled_cluster_log_types holds api, audit, authenticator, controllerManager and scheduler.",
    checkov: ["CKV_AWS_37"],
    trivy: ["AVD-AWS-0038"],
    remediation: `set enabled_cluster_log_types = ${JSON.stringify(CONTROL_PLANE_LOGS)}`,
    resourceTypes: ["aws_eks_cluster"],
    check({ attributes }) {
      const enabled = strings(attributes.enabled_cluster_log_types);
      const missing = CONTROL_PLANE_LOGS.filter((type) => !enabled.includes(type));
      return missing.length > 0 ? `control-plane log types ${missing.join(", ")} are not enabled` : undefined;
    },
  },
  {
    id: "PLT-EKS-003",
    severity: "error",
    title: "EKS secrets encrypted with a CMK",
    description: "encryption_config encrypts the `secrets` resource with a customer managed KMS key.",
    checkov: ["CKV_AWS_58"],
    trivy: ["AVD-AWS-0039"],
    remediation: 'add encryption_config { resources = ["secrets"], provider { key_arn = <KmsKey>.arn } } with a rotating CMK',
    resourceTypes: ["aws_eks_cluster"],
    check({ attributes }) {
      const encrypted = blocks(attributes.encryption_config).some(
        (config) => strings(config.resources).includes("secrets") && isSet(block(config.provider)?.key_arn),
      );
      return encrypted ? undefined : "Kubernetes secrets are not envelope-encrypted with a customer managed KMS key";
    },
  },
  {
    id: "PLT-EKS-004",
    severity: "error",
    title: "Managed node groups use a launch template",
    description:
      "Every aws_eks_node_group names a launch template, so IMDSv2, the hop limit and encrypted root volumes are enforced (the EKS default template leaves them to the AMI).",
    remediation: "create an aws_launch_template with metadata_options and encrypted block_device_mappings and pass it as launch_template { id, version }",
    resourceTypes: ["aws_eks_node_group"],
    check({ attributes }) {
      const template = block(attributes.launch_template);
      return template && (isSet(template.id) || isSet(template.name))
        ? undefined
        : "the node group uses the EKS default launch template, which allows an IMDS hop limit of 2 and does not pin volume encryption";
    },
  },
  {
    id: "PLT-EKS-005",
    severity: "error",
    title: "No SSH to nodes from anywhere",
    description: "A node group with remote_access names the security groups allowed to SSH; without them EKS opens port 22 to 0.0.0.0/0.",
    checkov: ["CKV_AWS_100"],
    remediation: "remove remote_access (use SSM Session Manager), or set remote_access.source_security_group_ids",
    resourceTypes: ["aws_eks_node_group"],
    check({ attributes }) {
      const remote = block(attributes.remote_access);
      if (!remote || !isSet(remote.ec2_ssh_key)) return undefined;
      return strings(remote.source_security_group_ids).length > 0
        ? undefined
        : "remote_access has an SSH key and no source security groups, so SSH is open to 0.0.0.0/0";
    },
  },
  {
    id: "PLT-EKS-006",
    severity: "error",
    title: "EKS control plane and nodes in private subnets",
    description:
      "The cluster's control-plane ENIs and every node group launch only into subnets that neither map public IPs nor route to an internet gateway, so a node or the private endpoint never gets an internet address.",
    remediation: "pass the network's private subnets (network.privateSubnets) to the cluster and to every node group",
    resourceTypes: ["aws_eks_cluster", "aws_eks_node_group"],
    check(resource, context) {
      const exposed = publicSubnets(eksSubnetIds(resource), context);
      return exposed.length > 0 ? `runs in public subnets: ${exposed.join("; ")}` : undefined;
    },
  },
];
