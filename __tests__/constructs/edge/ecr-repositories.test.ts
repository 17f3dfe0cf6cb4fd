import { EcrRepositories } from "../../../constructs/edge/ecr-repositories";
import { countOf, resourcesOf, synthStack } from "../../support/synth";
import { constructStack } from "./support";

describe("EcrRepositories", () => {
  it("creates one immutable, scanned, KMS-encrypted repository per name under the prefix, with its own key", () => {
    const stack = constructStack();
    new EcrRepositories(stack, "Ecr", { namePrefix: "shop-dev", names: ["web", "worker"], keepImages: 20, forceDelete: true });
    const synthesized = synthStack(stack);
    const repositories = Object.values(resourcesOf(synthesized, "aws_ecr_repository"));
    expect(repositories.map((repository) => repository.name)).toEqual(["shop-dev/web", "shop-dev/worker"]);
    for (const repository of repositories) {
      expect(repository).toMatchObject({ image_tag_mutability: "IMMUTABLE", image_scanning_configuration: { scan_on_push: true }, force_delete: true });
      expect((repository.encryption_configuration as Record<string, string>[])[0]).toMatchObject({
        encryption_type: "KMS",
        kms_key: expect.stringMatching(/aws_kms_key\./),
      });
    }
    expect(countOf(synthesized, "aws_kms_key")).toBe(1);
  });

  it("expires untagged images after a day and keeps the newest tagged ones", () => {
    const stack = constructStack();
    new EcrRepositories(stack, "Ecr", { namePrefix: "shop-prod", names: ["web"], keepImages: 20, forceDelete: false });
    const synthesized = synthStack(stack);
    expect(Object.values(resourcesOf(synthesized, "aws_ecr_repository"))[0].force_delete).toBe(false);
    const { rules } = JSON.parse(Object.values(resourcesOf(synthesized, "aws_ecr_lifecycle_policy"))[0].policy as string);
    expect(rules.map((rule: { selection: object }) => rule.selection)).toEqual([
      { tagStatus: "untagged", countType: "sinceImagePushed", countUnit: "days", countNumber: 1 },
      { tagStatus: "any", countType: "imageCountMoreThan", countNumber: 20 },
    ]);
  });
});
