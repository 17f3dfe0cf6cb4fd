import { canonical, changedStacks, deployMatrices } from "../../tools/changed-stacks";
import { SynthesizedStack } from "../../tools/lib/synth-output";

const stack = (name: string, dependencies: string[], resource: Record<string, unknown> = {}): SynthesizedStack => ({
  name,
  dependencies,
  json: { resource: resource as SynthesizedStack["json"]["resource"] },
});

/** A small two-environment app: network ← runner ← cluster ← data, platform ← delivery. */
function app(overrides: Record<string, Record<string, unknown>> = {}): SynthesizedStack[] {
  const env = (e: string) => [
    stack(`${e}-network`, [], overrides[`${e}-network`] ?? { aws_vpc: { v: { cidr_block: "10.0.0.0/16" } } }),
    stack(`${e}-runner`, [`${e}-network`], overrides[`${e}-runner`]),
    stack(`${e}-cluster`, [`${e}-network`, `${e}-runner`], overrides[`${e}-cluster`]),
    stack(`${e}-data`, [`${e}-network`, `${e}-cluster`], overrides[`${e}-data`]),
    stack(`${e}-platform`, [`${e}-cluster`, `${e}-data`], overrides[`${e}-platform`]),
    stack(`${e}-delivery`, [`${e}-platform`], overrides[`${e}-delivery`]),
  ];
  return [stack("bootstrap", [], overrides.bootstrap), ...env("alpha"), ...env("beta")];
}

describe("changed stacks", () => {
  it("deploys nothing when the synthesized JSON is the same (an image tag or manifest change)", () => {
    expect(changedStacks(app(), app())).toEqual({ deploy: [], removed: [], bootstrap: [] });
  });

  it("ignores cdktf's metadata and key order", () => {
    expect(canonical({ b: 1, a: { "//": { metadata: { path: "x" } }, c: 2 } })).toBe(canonical({ a: { c: 2, "//": { metadata: { path: "y" } } }, b: 1 }));
  });

  it("deploys a changed stack and every stack that depends on it, in deploy order, in its environment only", () => {
    const head = app({ "beta-cluster": { aws_eks_cluster: { c: { version: "1.35" } } } });
    expect(changedStacks(app(), head).deploy).toEqual(["beta-cluster", "beta-data", "beta-platform", "beta-delivery"]);
  });

  it("a network change deploys the whole environment; a leaf change deploys only the leaf", () => {
    const network = app({ "alpha-network": { aws_vpc: { v: { cidr_block: "10.1.0.0/16" } } } });
    expect(changedStacks(app(), network).deploy).toEqual(["alpha-network", "alpha-runner", "alpha-cluster", "alpha-data", "alpha-platform", "alpha-delivery"]);
    expect(changedStacks(app(), app({ "alpha-delivery": { helm_release: { r: { version: "2" } } } })).deploy).toEqual(["alpha-delivery"]);
  });

  it("reports a changed bootstrap stack and removed stacks instead of deploying them", () => {
    const head = app({ bootstrap: { aws_s3_bucket: { b: {} } } }).filter((candidate) => candidate.name !== "beta-delivery");
    expect(changedStacks(app(), head)).toEqual({ deploy: [], removed: ["beta-delivery"], bootstrap: ["bootstrap"] });
  });

  it("treats a new environment as entirely changed", () => {
    const base = app().filter((candidate) => !candidate.name.startsWith("beta-"));
    expect(changedStacks(base, app()).deploy).toEqual(["beta-network", "beta-runner", "beta-cluster", "beta-data", "beta-platform", "beta-delivery"]);
  });

  it("splits the stacks per environment and marks the ones that run on the in-VPC runner", () => {
    const changes = changedStacks(app(), app({ "alpha-data": { aws_rds_cluster: { d: {} } } }));
    expect(deployMatrices(changes, ["alpha", "beta"])).toEqual({
      alpha: [
        { stack: "alpha-data", vpc: false },
        { stack: "alpha-platform", vpc: true },
        { stack: "alpha-delivery", vpc: true },
      ],
      beta: [],
    });
  });
});
