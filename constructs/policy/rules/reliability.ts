import { isSet, strings } from "../attributes";
import { PolicyContext, PolicyResource, PolicyRule } from "../types";

const MINIMUM_NODE_GROUP_ZONES = 3;
const MINIMUM_SPOT_INSTANCE_TYPES = 3;

function zoneOf(subnet: PolicyResource): string | undefined {
  const zone = subnet.attributes.availability_zone;
  return typeof zone === "string" ? zone : undefined;
}

function subnetsOf(value: unknown, context: PolicyContext): PolicyResource[] {
  return context.targetsOf(value).filter((target) => target.type === "aws_subnet");
}

export const RELIABILITY_RULES: PolicyRule[] = [
  {
    id: "PLT-REL-001",
    severity: "error",
    title: "A NAT gateway per AZ in production",
    description: "In production, a VPC with NAT gateways has one in every AZ it has subnets in, so losing an AZ never cuts the others' egress.",
    remediation: "set network.oneNatGatewayPerAz: true in the environment config",
    resourceTypes: ["aws_vpc"],
    productionOnly: true,
    check(vpc, context) {
      const subnets = context.referencing("aws_subnet", "vpc_id", vpc);
      const natZones = new Set(
        context
          .resourcesOf("aws_nat_gateway")
          .filter((nat) => nat.attributes.connectivity_type !== "private")
          .flatMap((nat) => subnetsOf(nat.attributes.subnet_id, context))
          .filter((subnet) => subnets.includes(subnet))
          .map(zoneOf),
      );
      if (natZones.size === 0) return undefined;
      const zones = [...new Set(subnets.map(zoneOf))].filter((zone): zone is string => zone !== undefined);
      const without = zones.filter((zone) => !natZones.has(zone)).sort();
      return without.length > 0 ? `${without.join(", ")} ${without.length === 1 ? "has" : "have"} no NAT gateway and route egress through another AZ` : undefined;
    },
  },
  {
    id: "PLT-REL-002",
    severity: "error",
    title: "Node groups span three AZs in production",
    description: `In production, every managed node group has subnets in at least ${MINIMUM_NODE_GROUP_ZONES} AZs.`,
    remediation: "pass the private subnets of every AZ of the Network to the node group",
    resourceTypes: ["aws_eks_node_group"],
    productionOnly: true,
    check({ attributes }, context) {
      const values = strings(attributes.subnet_ids);
      const subnets = subnetsOf(attributes.subnet_ids, context);
      if (subnets.length < values.length) return `${values.length - subnets.length} subnet id(s) cannot be traced to an aws_subnet, so the AZ spread cannot be checked`;
      const zones = new Set(subnets.map(zoneOf));
      return zones.size >= MINIMUM_NODE_GROUP_ZONES ? undefined : `the node group spans ${zones.size} AZ${zones.size === 1 ? "" : "s"}`;
    },
  },
  {
    id: "PLT-REL-003",
    severity: "error",
    title: "Spot node groups diversify instance types in production",
    description: `In production, a SPOT node group lists at least ${MINIMUM_SPOT_INSTANCE_TYPES} instance types, so one reclaimed pool does not empty it.`,
    remediation: "list several instance types of the same size (e.g. m6i.large, m6a.large, m7i.large, m5.large)",
    resourceTypes: ["aws_eks_node_group"],
    productionOnly: true,
    check({ attributes }) {
      if (attributes.capacity_type !== "SPOT") return undefined;
      const types = strings(attributes.instance_types);
      return types.length >= MINIMUM_SPOT_INSTANCE_TYPES ? undefined : `the spot node group has ${types.length} instance type${types.length === 1 ? "" : "s"}`;
    },
  },
  {
    id: "PLT-REL-004",
    severity: "error",
    title: "Aurora with instances in two AZs in production",
    description: "In production, an Aurora cluster has at least two instances, pinned to distinct AZs, so a reader can take over when the writer's AZ fails.",
    remediation: "add a reader aws_rds_cluster_instance and set availability_zone on each instance to a different AZ",
    resourceTypes: ["aws_rds_cluster"],
    productionOnly: true,
    check(cluster, context) {
      const instances = context.referencing("aws_rds_cluster_instance", "cluster_identifier", cluster);
      if (instances.length < 2) return `the cluster has ${instances.length} instance${instances.length === 1 ? "" : "s"}`;
      const unpinned = instances.filter((instance) => !isSet(instance.attributes.availability_zone)).length;
      if (unpinned > 0) return `${unpinned} instance(s) have no availability_zone, so AWS may place them in one AZ`;
      const zones = new Set(instances.map((instance) => String(instance.attributes.availability_zone)));
      return zones.size >= 2 ? undefined : `all ${instances.length} instances are in ${[...zones][0]}`;
    },
  },
];
