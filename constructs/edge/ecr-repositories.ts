import { Construct } from "constructs";
import { EcrLifecyclePolicy } from "@cdktf/provider-aws/lib/ecr-lifecycle-policy";
import { EcrRepository } from "@cdktf/provider-aws/lib/ecr-repository";
import { KmsKey } from "../security/kms-key";

export interface EcrRepositoriesProps {
  /** Repositories are `<namePrefix>/<name>`. */
  readonly namePrefix: string;
  /** One repository per name, `<namePrefix>/<name>`. */
  readonly names: readonly string[];
  /** Tagged images each repository keeps. */
  readonly keepImages: number;
  /** Let `terraform destroy` delete repositories that still hold images (below production). */
  readonly forceDelete: boolean;
  /** Key that encrypts the repositories' images. @default a new rotating CMK */
  readonly key?: KmsKey;
}

/**
 * The application's image repositories: immutable tags (a tag always means one build), a vulnerability scan on
 * every push, SSE-KMS with a customer managed key, and a lifecycle policy that expires untagged images after a day
 * and keeps the newest `keepImages` tagged ones.
 */
export class EcrRepositories extends Construct {
  readonly key: KmsKey;
  /** By short name (`web`). */
  readonly repositories: Record<string, EcrRepository> = {};

  constructor(scope: Construct, id: string, props: EcrRepositoriesProps) {
    super(scope, id);
    this.key = props.key ?? new KmsKey(this, "Key", { description: `Encrypts the images of ${props.namePrefix}` });
    for (const name of props.names) {
      const repository = new EcrRepository(this, `Repository-${name}`, {
        name: `${props.namePrefix}/${name}`,
        imageTagMutability: "IMMUTABLE",
        imageScanningConfiguration: { scanOnPush: true },
        encryptionConfiguration: [{ encryptionType: "KMS", kmsKey: this.key.arn }],
        forceDelete: props.forceDelete,
      });
      new EcrLifecyclePolicy(this, `Lifecycle-${name}`, {
        repository: repository.name,
        policy: JSON.stringify(lifecycleRules(props.keepImages)),
      });
      this.repositories[name] = repository;
    }
  }
}

function lifecycleRules(keepImages: number): { rules: object[] } {
  return {
    rules: [
      {
        rulePriority: 1,
        description: "Expire untagged images (failed or superseded pushes) after a day",
        selection: { tagStatus: "untagged", countType: "sinceImagePushed", countUnit: "days", countNumber: 1 },
        action: { type: "expire" },
      },
      {
        rulePriority: 2,
        description: `Keep the newest ${keepImages} images`,
        selection: { tagStatus: "any", countType: "imageCountMoreThan", countNumber: keepImages },
        action: { type: "expire" },
      },
    ],
  };
}
