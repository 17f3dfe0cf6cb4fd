import { Construct } from "constructs";
import { Token } from "cdktf";
import { LaunchTemplate } from "@cdktf/provider-aws/lib/launch-template";
import { KmsKey } from "../security/kms-key";

export interface NodeLaunchTemplateProps {
  /** Launch template name. */
  readonly name: string;
  /** Root volume size in GiB. */
  readonly diskSizeGiB: number;
  /** Key that encrypts the root volumes. */
  readonly volumeKey: KmsKey;
  /**
   * Tags of the instances, volumes and network interfaces launched from it (the provider's default tags do not reach
   * them). Only tags that never change over the environment's life: every change is a new template version, and every
   * node group on it rolls all its nodes.
   * @default none (launched instances, volumes and interfaces get no tags from the template)
   */
  readonly tags?: Record<string, string>;
}

/**
 * The launch template of a managed node group: IMDSv2 only with a hop limit of 1 (pods cannot reach the node's
 * instance credentials; they use IRSA), an encrypted gp3 root volume with a customer managed key, no SSH key (nodes are
 * reached through SSM) and no AMI, so EKS picks the AL2023 AMI of the group's AMI type and Kubernetes version.
 */
export class NodeLaunchTemplate extends Construct {
  readonly launchTemplate: LaunchTemplate;

  constructor(scope: Construct, id: string, props: NodeLaunchTemplateProps) {
    super(scope, id);
    const tags = props.tags ?? {};
    this.launchTemplate = new LaunchTemplate(this, "LaunchTemplate", {
      name: props.name,
      description: `Nodes of ${props.name}: IMDSv2 only, encrypted gp3 root volume, no SSH key`,
      updateDefaultVersion: true,
      metadataOptions: {
        httpEndpoint: "enabled",
        httpTokens: "required",
        httpPutResponseHopLimit: 1,
        instanceMetadataTags: "disabled",
      },
      blockDeviceMappings: [
        {
          // AL2023 EKS AMIs boot from /dev/xvda.
          deviceName: "/dev/xvda",
          ebs: {
            volumeSize: props.diskSizeGiB,
            volumeType: "gp3",
            encrypted: "true",
            kmsKeyId: props.volumeKey.arn,
            deleteOnTermination: "true",
          },
        },
      ],
      monitoring: { enabled: true },
      tagSpecifications: ["instance", "volume", "network-interface"].map((resourceType) => ({ resourceType, tags })),
      tags,
    });
  }

  get id(): string {
    return this.launchTemplate.id;
  }

  get latestVersion(): string {
    return Token.asString(this.launchTemplate.latestVersion);
  }
}
