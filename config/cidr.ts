import * as ipaddr from "ipaddr.js";

/** An IPv4 CIDR block as numbers, so blocks can be compared and carved without string juggling. */
export interface Ipv4Block {
  readonly base: number;
  readonly prefixLength: number;
}

/** Parses `a.b.c.d/n`; throws with a readable message when it is not a network address. */
export function parseCidr(cidr: string): Ipv4Block {
  if (!ipaddr.IPv4.isValidCIDR(cidr)) {
    throw new Error(`"${cidr}" is not an IPv4 CIDR block such as 10.0.0.0/16`);
  }
  const [address, prefixLength] = ipaddr.IPv4.parseCIDR(cidr);
  const base = toNumber(address.toByteArray());
  if (base % blockSize(prefixLength) !== 0) {
    const network = formatBlock({ base: base - (base % blockSize(prefixLength)), prefixLength });
    throw new Error(`"${cidr}" has host bits set; the network address is ${network}`);
  }
  return { base, prefixLength };
}

export function formatBlock(block: Ipv4Block): string {
  const bytes = [24, 16, 8, 0].map((shift) => Math.floor(block.base / 2 ** shift) % 256);
  return `${bytes.join(".")}/${block.prefixLength}`;
}

export function blockSize(prefixLength: number): number {
  return 2 ** (32 - prefixLength);
}

export function contains(outer: Ipv4Block, inner: Ipv4Block): boolean {
  return (
    inner.prefixLength >= outer.prefixLength &&
    inner.base >= outer.base &&
    inner.base + blockSize(inner.prefixLength) <= outer.base + blockSize(outer.prefixLength)
  );
}

export function overlaps(a: Ipv4Block, b: Ipv4Block): boolean {
  return a.base < b.base + blockSize(b.prefixLength) && b.base < a.base + blockSize(a.prefixLength);
}

/**
 * Terraform's `cidrsubnet(prefix, newbits, netnum)`: the netnum-th block of length prefix+newbits inside prefix.
 * Kept identical to Terraform's semantics so a plan computed here can be reproduced with the Terraform function.
 */
export function cidrSubnet(prefix: Ipv4Block, newBits: number, netNum: number): Ipv4Block {
  const prefixLength = prefix.prefixLength + newBits;
  if (prefixLength > 32) {
    throw new Error(`cannot extend /${prefix.prefixLength} by ${newBits} bits`);
  }
  if (netNum < 0 || netNum >= 2 ** newBits) {
    throw new Error(`netnum ${netNum} does not fit in ${newBits} bits`);
  }
  return { base: prefix.base + netNum * blockSize(prefixLength), prefixLength };
}

/**
 * Places blocks of the requested prefix lengths inside `parent` without overlapping `reserved` blocks or each other.
 * Larger blocks are placed first (each aligned to its own size), which packs a mixed plan tightly and
 * deterministically. Returns the blocks in request order, or undefined when they do not fit.
 */
export function allocateBlocks(parent: Ipv4Block, prefixLengths: readonly number[], reserved: readonly Ipv4Block[] = []): Ipv4Block[] | undefined {
  const taken: Ipv4Block[] = [...reserved];
  const result = new Array<Ipv4Block>(prefixLengths.length);
  const order = prefixLengths.map((prefixLength, index) => ({ prefixLength, index }));
  order.sort((a, b) => a.prefixLength - b.prefixLength || a.index - b.index);
  for (const { prefixLength, index } of order) {
    if (prefixLength < parent.prefixLength) {
      return undefined;
    }
    const newBits = prefixLength - parent.prefixLength;
    // The first candidate (lowest netnum) that overlaps nothing taken. A candidate that overlaps a taken block is
    // followed by the next aligned one past that block's end: every candidate in between overlaps the same block, so
    // the search visits a handful of candidates instead of up to 2^newBits (4,096 for /28 subnets in a /16).
    const size = blockSize(prefixLength);
    let placed: Ipv4Block | undefined;
    for (let netNum = 0; netNum < 2 ** newBits && !placed;) {
      const candidate = cidrSubnet(parent, newBits, netNum);
      const blocking = taken.find((block) => overlaps(block, candidate));
      if (!blocking) placed = candidate;
      else netNum = Math.ceil((blocking.base + blockSize(blocking.prefixLength) - parent.base) / size);
    }
    if (!placed) {
      return undefined;
    }
    taken.push(placed);
    result[index] = placed;
  }
  return result;
}

function toNumber(bytes: number[]): number {
  return bytes.reduce((value, byte) => value * 256 + byte, 0);
}
