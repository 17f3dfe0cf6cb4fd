import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";
import { validateEnvironment } from "../../config";
import type { ConfigDocument } from "../../tools/change/rung";
import { Scenario, SCENARIOS } from "../../tools/change/scenarios";
import { ClusterStack } from "../../stacks/cluster-stack";
import { NetworkStack } from "../../stacks/network-stack";
import { SHIPPED_CONFIG_DIR, shippedByTier, testApp } from "../support/environments";
import { synthStack } from "../support/synth";

/**
 * The Karpenter scenarios of rung 6b checked where no Terraform runs: each edit of the reference environment (the
 * first production one) is a valid config, and the cluster stack's synthesized resources change exactly where the
 * scenario's expectations say (the plans of `__tests__/integration/change.test.ts` then classify each change).
 */
const reference = shippedByTier("production");
const file = path.join(SHIPPED_CONFIG_DIR, `${reference.name}.yaml`);

function clusterResources(edit?: (config: ConfigDocument) => void): Map<string, string> {
  const document = parse(fs.readFileSync(file, "utf8")) as ConfigDocument;
  edit?.(document);
  const result = validateEnvironment(reference.name, file, document);
  if ("problems" in result) throw new Error(result.problems.map((problem) => `${problem.location}: ${problem.message}`).join("\n"));
  const app = testApp();
  const network = new NetworkStack(app, result.environment);
  const json = synthStack(new ClusterStack(app, result.environment, { network: network.network }));
  const resources = (json.resource ?? {}) as Record<string, Record<string, unknown>>;
  // depends_on orders an apply but is no attribute: a plan shows no change when only it differs (the add-ons that wait
  // for every node group wait for fewer once the stateful and stateless groups go).
  const planned = (values: unknown) => JSON.stringify({ ...(values as Record<string, unknown>), depends_on: undefined });
  return new Map(Object.entries(resources).flatMap(([type, byName]) => Object.entries(byName).map(([name, values]) => [`${type}.${name}`, planned(values)])));
}

const scenario = (id: string): Scenario => SCENARIOS.find((candidate) => candidate.id === id)!;

function diff(before: Map<string, string>, after: Map<string, string>) {
  return {
    created: [...after.keys()].filter((address) => !before.has(address)),
    deleted: [...before.keys()].filter((address) => !after.has(address)),
    changed: [...after.keys()].filter((address) => before.has(address) && before.get(address) !== after.get(address)),
  };
}

const matches = (scenarioOf: Scenario, action: string, address: string) =>
  scenarioOf.expect.some(
    (expectation) =>
      expectation.action === action &&
      (expectation.layer ?? "cluster") === "cluster" &&
      (!expectation.type || address.startsWith(`${expectation.type}.`)) &&
      (!expectation.address || expectation.address.test(address)),
  );

describe(`the Karpenter change scenarios on ${reference.name}`, () => {
  it("start from the Cluster Autoscaler (the reference environment's autoscaler)", () => {
    expect(reference.cluster.autoscaler).toBe("cluster-autoscaler");
  });

  it("step 1 adds Karpenter's AWS side and removes only the Cluster Autoscaler's role: every node group stays as it is", () => {
    const switched = scenario("autoscaler-karpenter");
    const { created, deleted, changed } = diff(clusterResources(), clusterResources(switched.edit));
    expect(created.length).toBeGreaterThan(10);
    expect(created.filter((address) => !matches(switched, "create", address))).toEqual([]);
    expect(deleted.length).toBe(2);
    expect(deleted.filter((address) => !matches(switched, "delete", address))).toEqual([]);
    expect(changed).toEqual([]);
  });

  it("step 3 deletes only the drained stateful and stateless groups, their launch templates and node roles", () => {
    const removed = scenario("karpenter-node-groups-removed");
    const { created, deleted, changed } = diff(clusterResources(removed.from!.edit), clusterResources(removed.edit));
    expect(created).toEqual([]);
    expect(changed).toEqual([]);
    expect(deleted.filter((address) => address.startsWith("aws_eks_node_group.")).length).toBe(
      (reference.cluster.nodeGroups.stateful.oneGroupPerAz ? reference.network.availabilityZones.length : 1) +
        (reference.cluster.nodeGroups.stateless.oneGroupPerAz ? reference.network.availabilityZones.length : 1),
    );
    expect(deleted.filter((address) => !matches(removed, "delete", address))).toEqual([]);
  });
});
