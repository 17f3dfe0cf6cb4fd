import { block, blocks, isSet, isTrue } from "../attributes";
import { PolicyContext, PolicyResource } from "../types";

/**
 * Why a subnet is reachable from (or reaches) the internet directly: it maps public IPs, or a route table associated
 * with it sends traffic to an internet gateway. Routes through a NAT gateway stay private (outbound only). An empty
 * list means private. Subnets given as plain ids (not resources of the app) cannot be judged and yield nothing.
 */
export function publicExposureOf(subnet: PolicyResource, context: PolicyContext): string[] {
  const reasons: string[] = [];
  if (isTrue(subnet.attributes.map_public_ip_on_launch)) reasons.push("maps public IPs on launch");
  const tables = context
    .referencing("aws_route_table_association", "subnet_id", subnet)
    .flatMap((association) => context.targetsOf(association.attributes.route_table_id));
  for (const table of tables) {
    const inline = blocks(table.attributes.route).map((route) => route.gateway_id);
    const separate = context.referencing("aws_route", "route_table_id", table).map((route) => route.attributes.gateway_id);
    const toGateway = [...inline, ...separate].some(
      (gateway) =>
        isSet(gateway) &&
        context.targetsOf(gateway).some((target) => target.type === "aws_internet_gateway" || target.type === "aws_egress_only_internet_gateway"),
    );
    if (toGateway) reasons.push(`routes to an internet gateway through ${table.address}`);
  }
  return reasons;
}

/** The subnets a value names that are public, each with why. */
export function publicSubnets(value: unknown, context: PolicyContext): string[] {
  return context
    .targetsOf(value)
    .filter((target) => target.type === "aws_subnet")
    .flatMap((subnet) => {
      const reasons = publicExposureOf(subnet, context);
      return reasons.length > 0 ? [`${subnet.address} ${reasons.join(" and ")}`] : [];
    });
}

/** The subnet ids of an EKS cluster's vpc_config or a node group. */
export function eksSubnetIds(resource: PolicyResource): unknown {
  return resource.type === "aws_eks_cluster" ? (block(resource.attributes.vpc_config) ?? {}).subnet_ids : resource.attributes.subnet_ids;
}
