import { allocateBlocks, contains, formatBlock, Ipv4Block, overlaps, parseCidr } from "./cidr";
import { DEFAULT_PREFIX_LENGTHS } from "./schema/network";

export const SUBNET_TIERS = ["public", "private", "database"] as const;
export type SubnetTier = (typeof SUBNET_TIERS)[number];

export interface PlannedSubnet {
  readonly tier: SubnetTier;
  readonly availabilityZone: string;
  readonly cidr: string;
}

export type SubnetPlan = Record<SubnetTier, PlannedSubnet[]>;

interface SubnetTierInput {
  prefixLength?: number;
  cidrs?: string[];
}

export interface SubnetPlanInput {
  cidr: string;
  availabilityZones: string[];
  subnets: Record<SubnetTier, SubnetTierInput>;
}

export interface PlanProblem {
  readonly path: (string | number)[];
  readonly message: string;
}

type PlanResult = { plan: SubnetPlan; problems: [] } | { plan: undefined; problems: PlanProblem[] };

/**
 * Works out every subnet's CIDR: explicit CIDRs are taken as given (and checked), the rest are carved out of the VPC
 * CIDR around them, largest first. The result is deterministic, so re-running synth never moves a subnet.
 */
export function planSubnets(network: SubnetPlanInput): PlanResult {
  const problems: PlanProblem[] = [];
  let vpc: Ipv4Block;
  try {
    vpc = parseCidr(network.cidr);
  } catch (error) {
    return { plan: undefined, problems: [{ path: ["cidr"], message: (error as Error).message }] };
  }
  if (vpc.prefixLength < 16 || vpc.prefixLength > 24) {
    problems.push({ path: ["cidr"], message: `a VPC CIDR must be /16 to /24 (AWS limits), got /${vpc.prefixLength}` });
    return { plan: undefined, problems };
  }

  const zones = network.availabilityZones;
  const explicit: { tier: SubnetTier; index: number; block: Ipv4Block }[] = [];
  for (const tier of SUBNET_TIERS) {
    const cidrs = network.subnets[tier].cidrs;
    if (cidrs === undefined) continue;
    if (cidrs.length !== zones.length) {
      problems.push({
        path: ["subnets", tier, "cidrs"],
        message: `lists ${cidrs.length} CIDRs for ${zones.length} availability zones; give exactly one per zone`,
      });
      continue;
    }
    cidrs.forEach((cidr, index) => {
      try {
        const block = parseCidr(cidr);
        if (!contains(vpc, block)) {
          problems.push({ path: ["subnets", tier, "cidrs", index], message: `${cidr} is outside the VPC CIDR ${network.cidr}` });
        } else if (block.prefixLength > 28) {
          problems.push({ path: ["subnets", tier, "cidrs", index], message: `${cidr} is smaller than /28, the smallest AWS subnet` });
        } else {
          explicit.push({ tier, index, block });
        }
      } catch (error) {
        problems.push({ path: ["subnets", tier, "cidrs", index], message: (error as Error).message });
      }
    });
  }
  explicit.forEach((a, i) => {
    for (const b of explicit.slice(i + 1)) {
      if (overlaps(a.block, b.block)) {
        problems.push({
          path: ["subnets", b.tier, "cidrs", b.index],
          message: `${formatBlock(b.block)} overlaps ${a.tier} subnet ${formatBlock(a.block)}; subnets may not overlap`,
        });
      }
    }
  });
  if (problems.length > 0) {
    return { plan: undefined, problems };
  }

  const badZone = zones.findIndex((zone) => azSlot(zone) < 0);
  if (badZone >= 0) {
    return {
      plan: undefined,
      problems: [{ path: ["availabilityZones", badZone], message: `"${zones[badZone]}" must end in a zone letter from a to f` }],
    };
  }
  // Every tier reserves a block for each possible AZ letter (a-f), whether the zone is used or not, so adding,
  // removing or reordering zones never moves another zone's subnet (which would replace it and all it holds).
  const computedTiers = SUBNET_TIERS.filter((tier) => network.subnets[tier].cidrs === undefined);
  const requests = computedTiers.flatMap((tier) =>
    AZ_LETTERS.map(() => ({ tier, prefixLength: network.subnets[tier].prefixLength ?? DEFAULT_PREFIX_LENGTHS[tier] })),
  );
  const undersized = requests.find((request) => request.prefixLength < vpc.prefixLength);
  if (undersized) {
    return {
      plan: undefined,
      problems: [
        {
          path: ["subnets", undersized.tier, "prefixLength"],
          message: `/${undersized.prefixLength} subnets do not fit in the /${vpc.prefixLength} VPC; use a prefix length of ${vpc.prefixLength} or more`,
        },
      ],
    };
  }
  const blocks = allocateBlocks(
    vpc,
    requests.map((request) => request.prefixLength),
    explicit.map((entry) => entry.block),
  );
  if (!blocks) {
    const needed = requests.reduce((sum, request) => sum + 2 ** (32 - request.prefixLength), 0);
    return {
      plan: undefined,
      problems: [
        {
          path: ["cidr"],
          message: `${network.cidr} (${2 ** (32 - vpc.prefixLength)} addresses) is too small for the subnet plan: each tier reserves room for ${AZ_LETTERS.length} AZs (${needed} addresses); use a larger VPC CIDR, longer subnet prefix lengths or explicit cidrs`,
        },
      ],
    };
  }

  const plan = { public: [], private: [], database: [] } as SubnetPlan;
  for (const tier of SUBNET_TIERS) {
    const cidrs = network.subnets[tier].cidrs;
    const tierOffset = computedTiers.indexOf(tier) * AZ_LETTERS.length;
    zones.forEach((availabilityZone, index) => {
      // The schema gives explicit CIDRs one per AZ, and the computed blocks have a slot per AZ letter.
      const block = cidrs ? parseCidr(cidrs[index]!) : blocks[tierOffset + azSlot(availabilityZone)]!;
      plan[tier].push({ tier, availabilityZone, cidr: formatBlock(block) });
    });
  }
  return { plan, problems: [] };
}

/** AZ names end in a letter; regions have at most six zones (a-f). */
export const AZ_LETTERS = ["a", "b", "c", "d", "e", "f"] as const;

function azSlot(zone: string): number {
  return AZ_LETTERS.indexOf(zone.slice(-1) as (typeof AZ_LETTERS)[number]);
}

export function checkSubnetPlan(network: SubnetPlanInput): PlanProblem[] {
  return planSubnets(network).problems;
}
