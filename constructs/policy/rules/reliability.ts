import { isSet } from "../attributes";
import { isObject, strings } from "../../core/json";
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

/** What makes node groups interchangeable for the scheduler: cluster, labels (the zone label aside), taints, capacity type. */
function roleOf(group: PolicyResource): string {
  const { cluster_name, labels, taint, capacity_type } = group.attributes;
  const nodeLabels = Object.entries(isObject(labels) ? labels : {})
    .filter(([key]) => key !== "topology.kubernetes.io/zone")
    .sort(([a], [b]) => a.localeCompare(b));
  return JSON.stringify([cluster_name, nodeLabels, taint ?? [], capacity_type ?? "ON_DEMAND"]);
}

/** The AZs of a node group's subnets, or undefined when a subnet cannot be traced to an aws_subnet (literal ids). */
function zonesOfGroup(group: PolicyResource, context: PolicyContext): string[] | undefined {
  const subnets = subnetsOf(group.attributes.subnet_ids, context);
  if (subnets.length < strings(group.attributes.subnet_ids).length) return undefined;
  return subnets.map(zoneOf).filter((zone): zone is string => zone !== undefined);
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
      return without.length > 0
        ? `${without.join(", ")} ${without.length === 1 ? "has" : "have"} no NAT gateway and route egress through another AZ`
        : undefined;
    },
  },
  {
    id: "PLT-REL-002",
    severity: "error",
    title: "Node groups span three AZs in production",
    description:
      `In production, the nodes of each role span at least ${MINIMUM_NODE_GROUP_ZONES} AZs: a node group's subnets do, or together with the ` +
      "per-AZ groups that share its cluster, labels, taints and capacity type (the one-group-per-AZ pattern for EBS-backed workloads). " +
      "Subnet ids that cannot be traced to an aws_subnet (literal ids) cannot be judged and pass.",
    remediation: "pass the private subnets of every AZ of the Network to the node group, or create one group per AZ for every AZ",
    resourceTypes: ["aws_eks_node_group"],
    productionOnly: true,
    check(group, context) {
      const family = context.resourcesOf("aws_eks_node_group").filter((other) => roleOf(other) === roleOf(group));
      const zonesPerGroup = family.map((member) => zonesOfGroup(member, context));
      if (zonesPerGroup.some((zones) => zones === undefined)) return undefined;
      const zones = new Set(zonesPerGroup.flat());
      if (zones.size >= MINIMUM_NODE_GROUP_ZONES) return undefined;
      const spread = `${zones.size} AZ${zones.size === 1 ? "" : "s"}`;
      return family.length > 1 ? `the node group and the ${family.length - 1} other group(s) of its role span ${spread}` : `the node group spans ${spread}`;
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
