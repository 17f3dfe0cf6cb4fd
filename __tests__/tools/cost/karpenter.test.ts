import { estimate, LineItem } from "../../../tools/cost/estimate";
import prices from "../../../tools/cost/prices.json";
import type { SynthesizedStack } from "../../../tools/lib/synth-output";
import { shippedEnvironments } from "../../support/environments";
import { synthesizeShipped } from "../support";

let shipped: SynthesizedStack[];

beforeAll(() => {
  shipped = synthesizeShipped();
});

const withKarpenter = shippedEnvironments().filter((environment) => environment.cluster.autoscaler === "karpenter");

describe("cost of an environment with Karpenter", () => {
  it("is estimated for at least one shipped environment", () => {
    expect(withKarpenter.length).toBeGreaterThan(0);
  });

  it.each(withKarpenter.map((environment) => [environment.name, environment] as const))(
    "%s: prices each NodePool at the replaced node group's desired size, marked as an estimate",
    (_name, environment) => {
      const report = estimate(shipped);
      const items: LineItem[] = report.environments.find((candidate) => candidate.name === environment.name)!.stacks.flatMap((stack) => [...stack.items]);
      // A region the table lacks is priced at the derived-from region's list prices (tools/cost/prices.json).
      const regions = prices.regions as Record<string, { ec2OnDemandHourly: Record<string, number> } | undefined>;
      const hourly = (regions[environment.account.region] ?? regions[prices.derivedRegions.from])!.ec2OnDemandHourly;
      const hours = prices.assumptions.hoursPerMonth.value;
      const spotShare = 1 - prices.assumptions.spotDiscount.value;
      for (const [pool, spot] of [
        ["stateful", false],
        ["stateless", true],
      ] as const) {
        const group = environment.cluster.nodeGroups[pool];
        const nodes = group.desiredSize * (group.oneGroupPerAz ? environment.network.availabilityZones.length : 1);
        const [type] = group.instanceTypes;
        const line = items.find((item) => item.description.startsWith(`Karpenter NodePool ${pool}: ${nodes} × ${type}`))!;
        expect(line.description).toContain("estimate");
        expect(line.monthly).toBeCloseTo(nodes * hourly[type] * hours * (spot ? spotShare : 1), 2);
      }
      // No managed node group lines for the replaced pools; the system group stays.
      expect(items.filter((item) => item.address.startsWith("aws_eks_node_group.")).map((item) => item.resource)).toEqual(
        expect.arrayContaining([expect.stringContaining("system")]),
      );
      expect(items.some((item) => item.address.startsWith("aws_eks_node_group.") && /stateful|stateless/.test(item.resource))).toBe(false);
      expect(report.unknown).toEqual([]);
    },
  );
});
