import { Construct } from "constructs";
import { NetworkAcl } from "@cdktf/provider-aws/lib/network-acl";
import { NetworkAclRule } from "@cdktf/provider-aws/lib/network-acl-rule";
import type { NetworkSubnet } from "./network";

/** Ports a NAT gateway and Linux (and every other stack a client runs) pick source ports from for their connections. */
export const EPHEMERAL_PORTS = { from: 1024, to: 65535 } as const;
const ANYWHERE = "0.0.0.0/0";

interface AclEntry {
  /** Stable part of the construct id: names what the rule is for, never a list position. */
  readonly id: string;
  readonly ruleNumber: number;
  readonly egress: boolean;
  readonly protocol: "tcp" | "udp" | "icmp" | "-1";
  readonly cidr: string;
  readonly ports?: { readonly from: number; readonly to: number };
  /** ICMP type and code (only with protocol icmp). */
  readonly icmp?: { readonly type: number; readonly code: number };
}

/**
 * The rule number of a subnet's own rule, from its AZ's letter (`eu-west-1b` → base + 1), so adding or removing an AZ
 * never renumbers (and so replaces) the rules of the others.
 */
function zoneRuleNumber(base: number, subnet: NetworkSubnet, taken: Set<number>): number {
  const letter = subnet.availabilityZone.charCodeAt(subnet.availabilityZone.length - 1) - "a".charCodeAt(0);
  const ruleNumber = base + letter;
  if (letter < 0 || letter > 25 || taken.has(ruleNumber)) {
    throw new Error(`network ACL: AZ ${subnet.availabilityZone} does not end in a letter of its own, so its rules cannot be numbered by it`);
  }
  taken.add(ruleNumber);
  return ruleNumber;
}

function addAcl(
  scope: Construct,
  id: string,
  props: { vpcId: string; name: string; subnets: readonly NetworkSubnet[]; entries: readonly AclEntry[] },
): NetworkAcl {
  const acl = new NetworkAcl(scope, id, { vpcId: props.vpcId, subnetIds: props.subnets.map(({ subnet }) => subnet.id), tags: { Name: props.name } });
  for (const entry of props.entries) {
    new NetworkAclRule(scope, `${id}-${entry.egress ? "Egress" : "Ingress"}-${entry.id}`, {
      networkAclId: acl.id,
      ruleNumber: entry.ruleNumber,
      egress: entry.egress,
      protocol: entry.protocol,
      ruleAction: "allow",
      cidrBlock: entry.cidr,
      ...(entry.ports ? { fromPort: entry.ports.from, toPort: entry.ports.to } : {}),
      ...(entry.icmp ? { icmpType: entry.icmp.type, icmpCode: entry.icmp.code } : {}),
    });
  }
  return acl;
}

export interface NetworkAclsProps {
  /** The VPC the ACLs belong to. */
  readonly vpcId: string;
  /** The VPC's CIDR: the tiers admit traffic from within the VPC by it. */
  readonly vpcCidr: string;
  /** `<project>-<environment>`: the prefix of the ACLs' names. */
  readonly namePrefix: string;
  /** Subnets of the public tier's ACL. */
  readonly publicSubnets: readonly NetworkSubnet[];
  /** Subnets of the private tier's ACL. */
  readonly privateSubnets: readonly NetworkSubnet[];
  /** Subnets of the database tier's ACL. */
  readonly databaseSubnets: readonly NetworkSubnet[];
  /** The database's port: the only one the database subnets admit. */
  readonly databasePort: number;
  /** TCP ports the public subnets admit from the internet (an internet-facing ALB's 443). @default none */
  readonly publicIngressPorts?: readonly number[];
}

/**
 * Network ACLs as a second layer under the security groups, where they add protection:
 * - database subnets admit only the private (workload) subnets, on the database port, and answer only them on the
 *   ephemeral ports; nothing else reaches or leaves Aurora's ENIs, even if a security group is opened by mistake;
 * - public subnets admit from the internet only replies to connections made from inside (ephemeral ports: the NAT
 *   gateway's translated connections come back there), path-MTU discovery and the configured ports; from the VPC
 *   anything (what the NAT gateway forwards). Their egress stays open: the NAT gateway forwards to any port.
 * Private subnets keep the VPC's default ACL: EKS, the VPC endpoints and the CloudFront VPC origin's ENIs live there,
 * and their security groups are the precise control. NACLs are stateless, hence the explicit return rules.
 */
export class NetworkAcls extends Construct {
  readonly database: NetworkAcl;
  readonly public: NetworkAcl;

  constructor(scope: Construct, id: string, props: NetworkAclsProps) {
    super(scope, id);
    const databaseTaken = new Set<number>();
    const returnTaken = new Set<number>();
    this.database = addAcl(this, "Database", {
      vpcId: props.vpcId,
      name: `${props.namePrefix}-database`,
      subnets: props.databaseSubnets,
      entries: props.privateSubnets.flatMap((subnet): AclEntry[] => [
        {
          id: `DatabaseFrom-${subnet.availabilityZone}`,
          ruleNumber: zoneRuleNumber(100, subnet, databaseTaken),
          egress: false,
          protocol: "tcp",
          cidr: subnet.cidr,
          ports: { from: props.databasePort, to: props.databasePort },
        },
        {
          id: `RepliesTo-${subnet.availabilityZone}`,
          ruleNumber: zoneRuleNumber(100, subnet, returnTaken),
          egress: true,
          protocol: "tcp",
          cidr: subnet.cidr,
          ports: EPHEMERAL_PORTS,
        },
      ]),
    });

    this.public = addAcl(this, "Public", {
      vpcId: props.vpcId,
      name: `${props.namePrefix}-public`,
      subnets: props.publicSubnets,
      entries: [
        { id: "FromVpc", ruleNumber: 100, egress: false, protocol: "-1", cidr: props.vpcCidr },
        { id: "TcpReplies", ruleNumber: 200, egress: false, protocol: "tcp", cidr: ANYWHERE, ports: EPHEMERAL_PORTS },
        { id: "UdpReplies", ruleNumber: 210, egress: false, protocol: "udp", cidr: ANYWHERE, ports: EPHEMERAL_PORTS },
        // Type 3 code 4, "fragmentation needed": without it path-MTU discovery fails and large replies stall.
        { id: "PathMtu", ruleNumber: 220, egress: false, protocol: "icmp", cidr: ANYWHERE, icmp: { type: 3, code: 4 } },
        ...(props.publicIngressPorts ?? []).map((port, index): AclEntry => ({
          id: `Port${port}`,
          ruleNumber: 300 + index,
          egress: false,
          protocol: "tcp",
          cidr: ANYWHERE,
          ports: { from: port, to: port },
        })),
        { id: "Anywhere", ruleNumber: 100, egress: true, protocol: "-1", cidr: ANYWHERE },
      ],
    });
  }
}
