import { blocks, isSet, isTrue, numberOf, text } from "../attributes";
import { strings } from "../../core/json";
import { PolicyContext, PolicyResource, PolicyRule } from "../types";

const WORLD = ["0.0.0.0/0", "::/0"];
const PUBLIC_LISTENER_PORTS = [80, 443];
const RULE_TYPES = ["aws_security_group_rule", "aws_vpc_security_group_ingress_rule", "aws_vpc_security_group_egress_rule"];
const INGRESS_TYPES = ["aws_security_group", "aws_security_group_rule", "aws_vpc_security_group_ingress_rule"];

/** One ingress permission, whichever of the three ways Terraform offers it was written in. */
interface Ingress {
  readonly worldSources: string[];
  readonly allPorts: boolean;
  readonly fromPort?: number;
  readonly toPort?: number;
  readonly protocol: string;
  /** The permission only admits the group's own members. */
  readonly selfOnly: boolean;
  /** The group the permission belongs to. */
  readonly groups: PolicyResource[];
}

function portsOf(protocol: string, from: unknown, to: unknown): Pick<Ingress, "allPorts" | "fromPort" | "toPort"> {
  const fromPort = numberOf(from);
  const toPort = numberOf(to);
  const allPorts = protocol === "-1" || protocol === "all" || (fromPort !== undefined && fromPort <= 0 && toPort !== undefined && toPort >= 65535);
  return { allPorts, fromPort, toPort };
}

function ingressesOf(resource: PolicyResource, context: PolicyContext): Ingress[] {
  const { type, attributes } = resource;
  if (type === "aws_security_group") {
    return blocks(attributes.ingress).map((rule) => {
      const protocol = text(rule.protocol, "");
      return {
        worldSources: [...strings(rule.cidr_blocks), ...strings(rule.ipv6_cidr_blocks)].filter((cidr) => WORLD.includes(cidr)),
        ...portsOf(protocol, rule.from_port, rule.to_port),
        protocol,
        selfOnly: isTrue(rule.self) && strings(rule.cidr_blocks).length === 0 && strings(rule.security_groups).length === 0,
        groups: [resource],
      };
    });
  }
  const groups = context.targetsOf(attributes.security_group_id);
  if (type === "aws_security_group_rule") {
    if (attributes.type !== "ingress") return [];
    const protocol = text(attributes.protocol, "");
    const source = context.targetsOf(attributes.source_security_group_id);
    return [
      {
        worldSources: [...strings(attributes.cidr_blocks), ...strings(attributes.ipv6_cidr_blocks)].filter((cidr) => WORLD.includes(cidr)),
        ...portsOf(protocol, attributes.from_port, attributes.to_port),
        protocol,
        selfOnly: isTrue(attributes.self) || (source.length > 0 && source.every((group) => groups.includes(group))),
        groups,
      },
    ];
  }
  const protocol = text(attributes.ip_protocol, "");
  const source = context.targetsOf(attributes.referenced_security_group_id);
  return [
    {
      worldSources: [attributes.cidr_ipv4, attributes.cidr_ipv6].filter((cidr): cidr is string => typeof cidr === "string" && WORLD.includes(cidr)),
      ...portsOf(protocol, attributes.from_port, attributes.to_port),
      protocol,
      selfOnly: source.length > 0 && source.every((group) => groups.includes(group)),
      groups,
    },
  ];
}

/** Whether a security group is attached to an internet-facing load balancer of the stack. */
function frontsPublicLoadBalancer(group: PolicyResource, context: PolicyContext): boolean {
  return ["aws_lb", "aws_alb"]
    .flatMap((type) => context.resourcesOf(type))
    .some((balancer) => !isTrue(balancer.attributes.internal) && context.targetsOf(balancer.attributes.security_groups).includes(group));
}

function isPublicListenerPort(ingress: Ingress): boolean {
  return ingress.protocol === "tcp" && ingress.fromPort === ingress.toPort && PUBLIC_LISTENER_PORTS.includes(ingress.fromPort ?? -1);
}

function portText(ingress: Ingress): string {
  if (ingress.allPorts) return "all ports";
  return ingress.fromPort === ingress.toPort ? `port ${ingress.fromPort}` : `ports ${ingress.fromPort}-${ingress.toPort}`;
}

function undescribedPermissions(resource: PolicyResource): string[] {
  const { attributes } = resource;
  if (resource.type !== "aws_security_group") return isSet(attributes.description) ? [] : ["the rule"];
  const missing = isSet(attributes.description) && attributes.description !== "Managed by Terraform" ? [] : ["the group"];
  for (const direction of ["ingress", "egress"]) {
    const undescribed = blocks(attributes[direction]).filter((rule) => !isSet(rule.description)).length;
    if (undescribed > 0) missing.push(`${undescribed} inline ${direction} rule${undescribed === 1 ? "" : "s"}`);
  }
  return missing;
}

export const NETWORK_RULES: PolicyRule[] = [
  {
    id: "PLT-SG-001",
    // Hygiene rather than exposure (Checkov and Trivy rate it low): it is printed, it does not stop a deploy.
    severity: "warning",
    title: "Security groups and rules described",
    description: "Every security group has its own description (not the provider's `Managed by Terraform`) and every rule says what it admits.",
    checkov: ["CKV_AWS_23"],
    trivy: ["AVD-AWS-0099", "AVD-AWS-0124"],
    remediation: "set description on the group and on each rule: who connects, to what, why",
    resourceTypes: ["aws_security_group", ...RULE_TYPES],
    check(resource) {
      const missing = undescribedPermissions(resource);
      return missing.length > 0 ? `no description on ${missing.join(", ")}` : undefined;
    },
  },
  {
    id: "PLT-SG-002",
    severity: "error",
    title: "No ingress from the internet",
    description: "No ingress from 0.0.0.0/0 or ::/0, except TCP 80 and 443 on the security group of an internet-facing load balancer.",
    checkov: ["CKV_AWS_24", "CKV_AWS_25", "CKV_AWS_260"],
    trivy: ["AVD-AWS-0107"],
    remediation: "admit the load balancer's or the peer's security group (or a VPC CIDR, or a prefix list) instead of the internet",
    resourceTypes: INGRESS_TYPES,
    check(resource, context) {
      const open = ingressesOf(resource, context).filter(
        (ingress) =>
          ingress.worldSources.length > 0 && !(isPublicListenerPort(ingress) && ingress.groups.some((group) => frontsPublicLoadBalancer(group, context))),
      );
      return open.length > 0 ? `ingress from ${open.map((ingress) => `${ingress.worldSources.join(" and ")} to ${portText(ingress)}`).join("; ")}` : undefined;
    },
  },
  {
    id: "PLT-SG-003",
    severity: "error",
    title: "No all-ports ingress",
    description: "No ingress permission covers every port (protocol -1 or 0-65535), except from the group's own members.",
    checkov: ["CKV_AWS_277"],
    remediation: "admit only the ports the service listens on",
    resourceTypes: INGRESS_TYPES,
    check(resource, context) {
      const wide = ingressesOf(resource, context).filter((ingress) => ingress.allPorts && !ingress.selfOnly);
      return wide.length > 0 ? `${wide.length} ingress permission${wide.length === 1 ? "" : "s"} open every port` : undefined;
    },
  },
  {
    id: "PLT-VPC-001",
    severity: "error",
    title: "VPC flow logs",
    description: "Every VPC has an aws_flow_log.",
    checkov: ["CKV2_AWS_11"],
    trivy: ["AVD-AWS-0178"],
    remediation: "keep network.flowLogs.enabled in the environment config (Network adds flow logs to an encrypted log group)",
    resourceTypes: ["aws_vpc"],
    check(vpc, context) {
      return context.referencing("aws_flow_log", "vpc_id", vpc).length > 0 ? undefined : "the VPC has no flow log";
    },
  },
  {
    id: "PLT-VPC-002",
    severity: "error",
    title: "Default security group without rules",
    description: "Every VPC manages its default security group as an aws_default_security_group with no ingress and no egress.",
    checkov: ["CKV2_AWS_12"],
    trivy: ["AVD-AWS-0173"],
    remediation: "add an aws_default_security_group for the VPC with ingress = [] and egress = [] (Network does)",
    resourceTypes: ["aws_vpc", "aws_default_security_group"],
    check(resource, context) {
      if (resource.type === "aws_vpc") {
        return context.referencing("aws_default_security_group", "vpc_id", resource).length > 0
          ? undefined
          : "the VPC's default security group keeps AWS's allow-all rules (no aws_default_security_group manages it)";
      }
      const rules = blocks(resource.attributes.ingress).length + blocks(resource.attributes.egress).length;
      return rules > 0 ? `the default security group has ${rules} rule${rules === 1 ? "" : "s"}` : undefined;
    },
  },
];
