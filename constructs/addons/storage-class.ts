import { Construct } from "constructs";
import { StorageClassV1 } from "@cdktf/provider-kubernetes/lib/storage-class-v1";
import { KmsKey } from "../security/kms-key";

export interface Gp3StorageClassProps {
  /**
   * Encrypts every volume: the node volume key, whose use the EBS CSI driver's IRSA role is granted. Without it the
   * driver falls back to the account's aws/ebs key, which no key policy of ours governs.
   */
  readonly key: KmsKey;
  /** Keep the EBS volume when its claim is deleted (production: volumes hold Prometheus and Vault data). */
  readonly retainVolumes: boolean;
}

/**
 * The cluster's default StorageClass: encrypted gp3 volumes from the EBS CSI driver, created in the zone of the pod
 * that first uses them (WaitForFirstConsumer), and expandable in place.
 */
export class Gp3StorageClass extends Construct {
  static readonly NAME = "gp3";
  readonly storageClass: StorageClassV1;

  constructor(scope: Construct, id: string, props: Gp3StorageClassProps) {
    super(scope, id);
    this.storageClass = new StorageClassV1(this, "StorageClass", {
      metadata: { name: Gp3StorageClass.NAME, annotations: { "storageclass.kubernetes.io/is-default-class": "true" } },
      storageProvisioner: "ebs.csi.aws.com",
      parameters: { type: "gp3", encrypted: "true", kmsKeyId: props.key.arn, "csi.storage.k8s.io/fstype": "ext4" },
      reclaimPolicy: props.retainVolumes ? "Retain" : "Delete",
      volumeBindingMode: "WaitForFirstConsumer",
      allowVolumeExpansion: true,
    });
  }
}
