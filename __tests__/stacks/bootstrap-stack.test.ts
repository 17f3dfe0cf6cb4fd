import { BootstrapStack, bootstrapStackName } from "../../stacks/bootstrap-stack";
import { shippedEnvironments, testApp, testEnvironment } from "../support/environments";
import { countOf, resourcesOf, synthStack } from "../support/synth";

describe("BootstrapStack", () => {
  const synthesized = synthStack(new BootstrapStack(testApp(), "bootstrap", { environments: shippedEnvironments() }));

  it("keeps its own state locally: it creates the bucket the other stacks keep theirs in", () => {
    expect(synthesized.terraform?.backend).toEqual({ local: { path: "terraform.bootstrap.tfstate" } });
  });

  it("creates the state bucket the environments name, protected from destroy, with its CMK alias", () => {
    const buckets = Object.values(resourcesOf(synthesized, "aws_s3_bucket"));
    expect(buckets.map((bucket) => bucket.bucket).sort()).toEqual(["webapp-tfstate-111122223333", "webapp-tfstate-111122223333-access-logs"]);
    expect(buckets.every((bucket) => (bucket.lifecycle as { prevent_destroy: boolean }).prevent_destroy)).toBe(true);
    expect(Object.values(resourcesOf(synthesized, "aws_kms_alias"))[0].name).toBe("alias/webapp-tfstate-111122223333");
    expect(countOf(synthesized, "aws_s3_bucket_logging")).toBe(1);
  });

  it("is named per account when environments span several accounts", () => {
    expect(bootstrapStackName("123456789012", 1)).toBe("bootstrap");
    expect(bootstrapStackName("123456789012", 2)).toBe("bootstrap-123456789012");
  });

  it("refuses environments that keep their state in Terraform Cloud", () => {
    const cloud = testEnvironment({ state: { backend: "cloud", organization: "acme" } });
    expect(() => new BootstrapStack(testApp(), "bootstrap", { environments: [cloud] })).toThrow("needs at least one environment with the s3 state backend");
  });
});
