import { awsLocation, environmentOf, isBootstrapStack, layerOf, regionOf } from "../../../tools/lib/synth-output";
import { fixtureStack } from "../support";

describe("the synthesized-output library", () => {
  const edge = fixtureStack("prod-edge", {}, { region: "eu-west-1", aliases: { us_east_1: "us-east-1" } });

  it("puts a block on the aliased provider it names, and any other on the stack's default provider", () => {
    expect(regionOf(edge, "aws.us_east_1")).toBe("us-east-1");
    expect(regionOf(edge, undefined)).toBe("eu-west-1");
    expect(regionOf(edge, "kubernetes")).toBe("eu-west-1");
  });

  it("refuses a block on an alias the stack does not configure instead of guessing a region", () => {
    expect(() => regionOf(edge, "aws.recovery")).toThrow("prod-edge: a block runs on provider aws.recovery, which the stack does not configure");
  });

  it("derives the partition from the default provider's region: China and GovCloud have their own", () => {
    expect(awsLocation(fixtureStack("a-network", {}, { region: "eu-central-1" })).partition).toBe("aws");
    expect(awsLocation(fixtureStack("a-network", {}, { region: "cn-north-1" })).partition).toBe("aws-cn");
    expect(awsLocation(fixtureStack("a-network", {}, { region: "us-gov-west-1" })).partition).toBe("aws-us-gov");
  });

  it("reads the account the default provider allows, and fails on a stack without a default AWS provider", () => {
    const allowed = { name: "bootstrap", json: { provider: { aws: [{ region: "eu-west-1", allowed_account_ids: ["111122223333"] }] } } };
    expect(awsLocation(allowed)).toEqual({ region: "eu-west-1", partition: "aws", accountId: "111122223333" });
    const onlyAliased = { name: "lab-edge", json: { provider: { aws: [{ alias: "us_east_1", region: "us-east-1" }] } } };
    expect(() => awsLocation(onlyAliased)).toThrow("lab-edge: no default AWS provider");
  });

  it("names a stack's environment and layer, and gives bootstrap stacks no environment", () => {
    expect([environmentOf("prod-data"), layerOf("prod-data")]).toEqual(["prod", "data"]);
    expect([environmentOf("my-env-cluster"), layerOf("my-env-cluster")]).toEqual(["my-env", "cluster"]);
    for (const name of ["bootstrap", "bootstrap-111122223333"]) {
      expect(isBootstrapStack(name)).toBe(true);
      expect(environmentOf(name)).toBeUndefined();
    }
  });
});
