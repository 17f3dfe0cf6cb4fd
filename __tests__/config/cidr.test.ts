import { allocateBlocks, cidrSubnet, formatBlock, Ipv4Block, overlaps, parseCidr } from "../../config/cidr";
import { planSubnets } from "../../config/subnet-plan";

describe("CIDR arithmetic", () => {
  it("matches Terraform's cidrsubnet", () => {
    // cidrsubnet("10.0.0.0/16", 3, 5) = "10.0.160.0/19"; cidrsubnet("172.16.0.0/12", 4, 15) = "172.31.0.0/16"
    expect(formatBlock(cidrSubnet(parseCidr("10.0.0.0/16"), 3, 5))).toBe("10.0.160.0/19");
    expect(formatBlock(cidrSubnet(parseCidr("172.16.0.0/12"), 4, 15))).toBe("172.31.0.0/16");
    expect(() => cidrSubnet(parseCidr("10.0.0.0/16"), 2, 4)).toThrow("netnum 4 does not fit in 2 bits");
  });

  it("rejects blocks that are not network addresses", () => {
    expect(() => parseCidr("10.0.0.0/33")).toThrow("is not an IPv4 CIDR block");
    expect(() => parseCidr("10.0.1.0/16")).toThrow("has host bits set; the network address is 10.0.0.0/16");
  });

  it("detects overlaps", () => {
    expect(overlaps(parseCidr("10.0.0.0/24"), parseCidr("10.0.0.128/25"))).toBe(true);
    expect(overlaps(parseCidr("10.0.0.0/24"), parseCidr("10.0.1.0/24"))).toBe(false);
  });

  it("packs blocks largest first around reserved ones, and says when they do not fit", () => {
    const blocks = allocateBlocks(parseCidr("10.0.0.0/22"), [24, 23], [parseCidr("10.0.0.0/24")])!;
    expect(blocks.map(formatBlock)).toEqual(["10.0.1.0/24", "10.0.2.0/23"]);
    expect(allocateBlocks(parseCidr("10.0.0.0/24"), [24, 25])).toBeUndefined();
  });

  it("places each block where a scan of every candidate in netnum order would", () => {
    // The reference: the first candidate, in netnum order, that overlaps nothing taken (reserved or placed before).
    const byScan = (parent: Ipv4Block, prefixLengths: number[], reserved: Ipv4Block[]): Ipv4Block[] | undefined => {
      const taken = [...reserved];
      const result: Ipv4Block[] = [];
      const order = prefixLengths.map((prefixLength, index) => ({ prefixLength, index })).sort((a, b) => a.prefixLength - b.prefixLength || a.index - b.index);
      for (const { prefixLength, index } of order) {
        const newBits = prefixLength - parent.prefixLength;
        let placed: Ipv4Block | undefined;
        for (let netNum = 0; netNum < 2 ** newBits && !placed; netNum++) {
          const candidate = cidrSubnet(parent, newBits, netNum);
          if (!taken.some((block) => overlaps(block, candidate))) placed = candidate;
        }
        if (!placed) return undefined;
        taken.push(placed);
        result[index] = placed;
      }
      return result;
    };
    // A fixed pseudo-random sequence (a linear congruential generator), so a failure reproduces.
    let seed = 42;
    const next = (below: number) => (seed = (seed * 1103515245 + 12345) % 2 ** 31) % below;
    const parent = parseCidr("10.0.0.0/20");
    for (let round = 0; round < 200; round++) {
      const reserved = Array.from({ length: next(4) }, () => cidrSubnet(parent, 2 + next(7), 0)).map((block) => ({
        ...block,
        base: parent.base + next(2 ** (block.prefixLength - parent.prefixLength)) * 2 ** (32 - block.prefixLength),
      }));
      const prefixLengths = Array.from({ length: 1 + next(8) }, () => 22 + next(7));
      expect(allocateBlocks(parent, prefixLengths, reserved)?.map(formatBlock)).toEqual(byScan(parent, prefixLengths, reserved)?.map(formatBlock));
    }
  });
});

describe("subnet plan", () => {
  const network = (zones: string[]) => ({
    cidr: "10.0.0.0/16",
    availabilityZones: zones,
    subnets: { public: {}, private: {}, database: {} },
  });

  it("gives every AZ a public, a private and a database subnet that overlap nothing", () => {
    const { plan } = planSubnets(network(["eu-west-1a", "eu-west-1b", "eu-west-1c"]));
    const all = [...plan!.public, ...plan!.private, ...plan!.database];
    expect(all).toHaveLength(9);
    all.forEach((a, i) => all.slice(i + 1).forEach((b) => expect(overlaps(parseCidr(a.cidr), parseCidr(b.cidr))).toBe(false)));
    expect(plan!.private.map((subnet) => subnet.cidr)).toEqual(["10.0.0.0/19", "10.0.32.0/19", "10.0.64.0/19"]);
  });

  it("keeps each zone's subnets where they are when zones are added, removed or reordered", () => {
    const before = planSubnets(network(["eu-west-1a", "eu-west-1b", "eu-west-1c"])).plan!;
    const after = planSubnets(network(["eu-west-1c", "eu-west-1a"])).plan!;
    for (const tier of ["public", "private", "database"] as const) {
      for (const subnet of after[tier]) {
        expect(subnet.cidr).toBe(before[tier].find((old) => old.availabilityZone === subnet.availabilityZone)!.cidr);
      }
    }
  });

  it("uses explicit CIDRs as given and carves the other tiers around them", () => {
    const { plan } = planSubnets({
      ...network(["eu-west-1a", "eu-west-1b"]),
      subnets: { public: { cidrs: ["10.0.0.0/24", "10.0.1.0/24"] }, private: {}, database: {} },
    });
    expect(plan!.public.map((subnet) => subnet.cidr)).toEqual(["10.0.0.0/24", "10.0.1.0/24"]);
    expect(plan!.private.every((subnet) => !overlaps(parseCidr(subnet.cidr), parseCidr("10.0.0.0/23")))).toBe(true);
  });
});
