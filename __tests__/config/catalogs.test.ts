import * as fs from "fs";
import * as path from "path";
import { validateEnvironment } from "../../config";
import { AURORA_CLASS_SIZES, EC2_FAMILY_SIZES, INSTANCES_AS_OF } from "../../config/schema/instance-types-data";
import { ADDONS_AS_OF, EKS_ADDON_VERSIONS } from "../../config/schema/eks-addons-data";
import { EKS_ADDON_NAMES, unknownAddonVersion } from "../../config/schema/eks-addons";
import { DEFAULT_ADDON_VERSIONS, DEFAULT_KUBERNETES_VERSION } from "../../config/schema/cluster";
import * as instances from "../../tools/catalog/instances";
import * as addons from "../../tools/catalog/addons";
import { environmentInput, shippedEnvironments } from "../support/environments";

type Overrides = Parameters<typeof environmentInput>[0];

function problemsOf(overrides: Overrides): string[] {
  const result = validateEnvironment("test", "config/test.yaml", environmentInput(overrides));
  return "problems" in result ? result.problems.map((problem) => `${problem.location}: ${problem.message}`) : [];
}

const instanceHint = `(instance catalog as of ${INSTANCES_AS_OF}; npm run catalog:instances refreshes it)`;

describe("the instance catalog (sizes per family)", () => {
  it("refuses a size its family does not have, naming the sizes it has and the catalog's date", () => {
    const t3 = EC2_FAMILY_SIZES.t3 ?? [];
    expect(t3).not.toContain("12xlarge");
    expect(problemsOf({ cluster: { nodeGroups: { system: { instanceTypes: ["t3.12xlarge"] } } } })).toEqual([
      `cluster.nodeGroups.system.instanceTypes[0]: "t3.12xlarge" is not an EC2 instance type: t3 has no size "12xlarge" (did you mean "t3.2xlarge"?); t3 has ${t3.join(", ")} ${instanceHint}`,
    ]);
    const m7g = EC2_FAMILY_SIZES.m7g ?? [];
    expect(problemsOf({ cluster: { nodeGroups: { system: { instanceTypes: ["m7g.nano"] } } } })).toEqual([
      `cluster.nodeGroups.system.instanceTypes[0]: "m7g.nano" is not an EC2 instance type: m7g has no size "nano"; m7g has ${m7g.join(", ")} ${instanceHint}`,
    ]);
  });

  it("refuses an Aurora instance class of a size or family Aurora does not offer, and accepts db.serverless", () => {
    const r6g = AURORA_CLASS_SIZES.r6g ?? [];
    expect(problemsOf({ database: { instanceClass: "db.r6g.nano" } })).toEqual([
      `database.instanceClass: "db.r6g.nano" is not an Aurora PostgreSQL instance class: db.r6g has no size "nano"; db.r6g has ${r6g.join(", ")} ${instanceHint}`,
    ]);
    // m5 exists in EC2 but Aurora PostgreSQL offers no db.m5.
    expect(problemsOf({ database: { instanceClass: "db.m5.large" } })[0]).toMatch(
      /^database\.instanceClass: "db\.m5\.large" is not an Aurora PostgreSQL instance class: unknown family/,
    );
    expect(problemsOf({ database: { instanceClass: "db.serverless" } })).toEqual([]);
  });

  it("covers every instance type and class of the shipped environments", () => {
    for (const environment of shippedEnvironments()) {
      for (const group of Object.values(environment.cluster.nodeGroups)) {
        for (const type of group.instanceTypes) expect(EC2_FAMILY_SIZES[type.split(".")[0] ?? ""]).toContain(type.split(".")[1]);
      }
      const [, family = "", size = ""] = environment.database.instanceClass.split(".");
      if (environment.database.instanceClass !== "db.serverless") expect(AURORA_CLASS_SIZES[family]).toContain(size);
    }
  });

  it("reads sizes per family from describe-instance-types and describe-orderable-db-instance-options output, in AWS's order", () => {
    expect(instances.sizesByFamily(["m7i.2xlarge", "m7i.metal-24xl", "m7i.large", "t3.nano", "c7i.large"], ["m7i", "r7i"])).toEqual({
      m7i: ["large", "2xlarge", "metal-24xl"],
      r7i: [],
    });
    expect(instances.sizesByFamily(["db.r7g.xlarge", "db.serverless", "db.r7g.large", "db.r7g.large"], ["r7g"], "db.")).toEqual({ r7g: ["large", "xlarge"] });
  });

  it("is the module the refresh writes, so a refresh rewrites it and nothing else", () => {
    const text = fs.readFileSync(instances.DATA_FILE, "utf8");
    const origin = text.split("\n")[2].replace(/^\/\/ /, "");
    expect(instances.dataModule(INSTANCES_AS_OF, EC2_FAMILY_SIZES, AURORA_CLASS_SIZES, origin)).toBe(text);
  });
});

describe("the EKS add-on catalog (versions per Kubernetes minor)", () => {
  const key = "kubeProxy";
  const published = [...(EKS_ADDON_VERSIONS[EKS_ADDON_NAMES[key]]?.[DEFAULT_KUBERNETES_VERSION] ?? [])];

  it("holds every shipped default for the default Kubernetes version", () => {
    for (const [addon, version] of Object.entries(DEFAULT_ADDON_VERSIONS)) {
      expect(EKS_ADDON_VERSIONS[EKS_ADDON_NAMES[addon]]?.[DEFAULT_KUBERNETES_VERSION]).toContain(version);
    }
  });

  it("refuses a version EKS does not publish for cluster.version in one line, naming the nearest versions below and above", () => {
    const [first, second] = published;
    // A build number between the two oldest builds the catalog lists.
    const missing = `${first.replace(/eksbuild\.\d+$/, "")}eksbuild.${Number(/\d+$/.exec(first)![0]) + 1}`;
    expect(published).not.toContain(missing);
    expect(problemsOf({ cluster: { addons: { [key]: missing } } })).toEqual([
      `cluster.addons.${key}: "${missing}" is not a kube-proxy version EKS publishes for Kubernetes ${DEFAULT_KUBERNETES_VERSION} (cluster.version); nearest: ${first}, ${second} (add-on catalog as of ${ADDONS_AS_OF}: ${published.length} versions; npm run catalog:addons refreshes it)`,
    ]);
  });

  it("names a kube-proxy of another minor once, by the minor rule", () => {
    const problems = problemsOf({ cluster: { addons: { kubeProxy: "v1.34.1-eksbuild.1" } } });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain("is the kube-proxy build for 1.34");
  });

  it("does not check a minor the catalog has no versions for", () => {
    expect(unknownAddonVersion("vpcCni", "v1.99.0-eksbuild.1", "1.99")).toBeUndefined();
  });

  it("reads describe-addon-versions output and writes the module the refresh writes", () => {
    const output = {
      addons: [{ addonVersions: [{ addonVersion: "v1.2.10-eksbuild.1" }, { addonVersion: "v1.2.9-eksbuild.3" }, { addonVersion: "v1.2.10-eksbuild.1" }] }],
    };
    expect(addons.addonVersions(output)).toEqual(["v1.2.9-eksbuild.3", "v1.2.10-eksbuild.1"]);
    expect(addons.minorsBetween("1.33", "1.35")).toEqual(["1.33", "1.34", "1.35"]);
    const text = fs.readFileSync(addons.DATA_FILE, "utf8");
    const origin = text.split("\n")[1].replace(/^\/\/ /, "");
    expect(addons.dataModule(ADDONS_AS_OF, EKS_ADDON_VERSIONS, origin)).toBe(text);
    expect(path.basename(addons.DATA_FILE)).toBe("eks-addons-data.ts");
  });
});
