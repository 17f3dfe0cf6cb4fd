import { block, blocks, isTrue, numberOf, text } from "../attributes";
import { Attributes, PolicyRule } from "../types";

const INSTANCE_TYPES = ["aws_launch_template", "aws_instance"];

function metadataOptions(attributes: Attributes): Attributes {
  return block(attributes.metadata_options) ?? {};
}

/** Volumes that are not encrypted, by device name; a template without a root mapping leaves it to the AMI. */
function unencryptedVolumes(type: string, attributes: Attributes): string[] {
  if (type === "aws_instance") {
    const root = block(attributes.root_block_device);
    const unencrypted = root && isTrue(root.encrypted) ? [] : ["root volume"];
    for (const device of blocks(attributes.ebs_block_device)) {
      if (!isTrue(device.encrypted)) unencrypted.push(text(device.device_name, "an EBS volume"));
    }
    return unencrypted;
  }
  const mappings = blocks(attributes.block_device_mappings);
  if (mappings.length === 0) return ["root volume (no block_device_mappings, so the AMI decides)"];
  return mappings.filter((mapping) => !isTrue(block(mapping.ebs)?.encrypted)).map((mapping) => text(mapping.device_name, "a block device"));
}

export const COMPUTE_RULES: PolicyRule[] = [
  {
    id: "PLT-EC2-001",
    severity: "error",
    title: "IMDSv2 required",
    description: "metadata_options.http_tokens is `required`, so the instance metadata service only answers session-token requests.",
    checkov: ["CKV_AWS_79"],
    trivy: ["AVD-AWS-0028", "AVD-AWS-0130"],
    remediation: 'set metadata_options { http_tokens = "required", http_endpoint = "enabled" }',
    resourceTypes: INSTANCE_TYPES,
    check({ attributes }) {
      const tokens = metadataOptions(attributes).http_tokens;
      return tokens === "required" ? undefined : `IMDSv1 is allowed (http_tokens is ${tokens === undefined ? "unset" : JSON.stringify(tokens)})`;
    },
  },
  {
    id: "PLT-EC2-002",
    severity: "error",
    title: "IMDS hop limit 1",
    description: "metadata_options.http_put_response_hop_limit is 1, so pods (one hop further) cannot take the node role's credentials; they use IRSA.",
    checkov: ["CKV_AWS_341"],
    remediation: "set metadata_options.http_put_response_hop_limit = 1 and give pods AWS access through IRSA roles",
    resourceTypes: INSTANCE_TYPES,
    check({ attributes }) {
      const limit = numberOf(metadataOptions(attributes).http_put_response_hop_limit);
      return limit === 1
        ? undefined
        : `the IMDS hop limit is ${limit ?? "unset (the AMI default, 2 on EKS AMIs)"}, so containers can reach the node's credentials`;
    },
  },
  {
    id: "PLT-EC2-003",
    severity: "error",
    title: "Encrypted root and data volumes",
    description: "Every EBS volume of a launch template or instance, the root volume included, is encrypted.",
    checkovRelated: [{ id: "CKV_AWS_8", differs: "runs on aws_instance and aws_launch_configuration, not on the aws_launch_template this project emits" }],
    trivy: ["AVD-AWS-0131"],
    remediation:
      'add block_device_mappings { device_name = "/dev/xvda", ebs { encrypted = "true", kms_key_id = <KmsKey>.arn } } for the root volume and every data volume',
    resourceTypes: INSTANCE_TYPES,
    check({ type, attributes }) {
      const unencrypted = unencryptedVolumes(type, attributes);
      return unencrypted.length > 0 ? `unencrypted: ${unencrypted.join(", ")}` : undefined;
    },
  },
];
