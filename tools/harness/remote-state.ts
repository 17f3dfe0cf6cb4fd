import { createHash } from "crypto";

/**
 * Offline stand-ins for upstream remote state. A dependent stack reads its upstream's outputs through
 * `data.terraform_remote_state`; offline there is no S3 to read, so each dependent run gets a local state file whose
 * outputs have the upstream's planned values where the plan knows them, and placeholders of the right shape (an ARN
 * where an ARN is expected, `sg-...` for a security group id) where the value is only known after apply.
 */

export interface UpstreamContext {
  readonly stackName: string;
  readonly region: string;
  readonly accountId: string;
  readonly partition: string;
}

/** Builds a terraform state (format 4) holding only outputs, which `terraform_remote_state` with a local backend reads. */
export function stubState(outputs: Record<string, unknown>): string {
  const state = {
    version: 4,
    terraform_version: "1.11.0",
    serial: 1,
    lineage: "offline-remote-state-stand-in",
    outputs: Object.fromEntries(Object.entries(outputs).map(([name, value]) => [name, { value, type: ctyType(value) }])),
    resources: [],
  };
  return JSON.stringify(state, null, 2);
}

/**
 * The value an upstream output will have: the planned value where known, otherwise a placeholder derived from the
 * output's expression (`${aws_vpc.Network_Vpc.id}` → `vpc-…`), element by element for lists.
 */
export function standInValue(expression: unknown, planned: unknown, upstream: UpstreamContext): unknown {
  if (planned !== undefined && planned !== null) return planned;
  if (Array.isArray(expression)) return expression.map((element) => standInValue(element, undefined, upstream));
  if (typeof expression === "object" && expression !== null) {
    return Object.fromEntries(Object.entries(expression).map(([key, value]) => [key, standInValue(value, undefined, upstream)]));
  }
  if (typeof expression !== "string") return expression;
  const reference = /^\$\{([a-z0-9_]+)\.([A-Za-z0-9_-]+)\.([^}]+)\}$/.exec(expression);
  if (!reference) {
    if (expression.includes("${")) {
      throw new Error(`cannot make an offline stand-in for the output expression ${expression}; output plain resource attributes`);
    }
    return expression;
  }
  const [, type = "", name = "", attributePath = ""] = reference;
  return placeholderValue(type, name, attributePath, upstream);
}

/**
 * The stand-in for an attribute of a resource that only apply would know: the same for the same resource and
 * attribute everywhere (the change rung's applied state uses it too, so a downstream stack reads what its upstream's
 * state holds).
 */
export function placeholderValue(type: string, name: string, attributePath: string, upstream: UpstreamContext): unknown {
  const attribute =
    attributePath
      .replace(/\[\d+\]/g, "")
      .split(".")
      .pop() ?? attributePath;
  const digest = createHash("sha256").update(`${upstream.stackName}/${type}.${name}`).digest("hex");
  const oidcId = createHash("sha256").update(upstream.stackName).digest("hex").slice(0, 32).toUpperCase();
  const oidcHost = `oidc.eks.${upstream.region}.amazonaws.com/id/${oidcId}`;
  const { partition, region, accountId } = upstream;
  switch (attribute) {
    case "arn":
      return arnFor(type, name, digest, oidcHost);
    case "id":
      if (type === "terraform_data") return uuidFrom(digest);
      return `${ID_PREFIXES[type] ?? ""}${ID_PREFIXES[type] ? digest.slice(0, 17) : `offline-${name.toLowerCase()}`}`;
    case "issuer":
      return `https://${oidcHost}`;
    case "url":
      return type === "aws_iam_openid_connect_provider" ? oidcHost : `https://${digest.slice(0, 12)}.example.com`;
    case "endpoint":
    case "reader_endpoint":
      return type === "aws_eks_cluster"
        ? `https://${digest.slice(0, 32).toUpperCase()}.gr7.${region}.eks.amazonaws.com`
        : `${name.toLowerCase()}.cluster-${digest.slice(0, 12)}.${region}.rds.amazonaws.com`;
    case "data":
      return Buffer.from(`-----BEGIN CERTIFICATE-----\nOFFLINE${digest}\n-----END CERTIFICATE-----\n`).toString("base64");
    case "port":
      return 5432;
    case "cluster_security_group_id":
      return `sg-${digest.slice(0, 17)}`;
    case "cluster_resource_id":
      return `cluster-${digest.slice(0, 26).toUpperCase()}`;
    case "hosted_zone_id":
      // Every CloudFront distribution's alias target zone.
      if (type === "aws_cloudfront_distribution") return "Z2FDTNDATAQYW2";
      return `Z${digest.slice(0, 20).toUpperCase()}`;
    case "zone_id":
      return `Z${digest.slice(0, 20).toUpperCase()}`;
    case "dns_name":
      return `${name.toLowerCase()}-${digest.slice(0, 8)}.${region}.elb.amazonaws.com`;
    default:
      if (attribute.endsWith("_arn")) return arnFor(type, `${name}-${attribute}`, digest, oidcHost);
      return `offline-${type}-${attribute}-${digest.slice(0, 8)}`.replace(/_/g, "-");
  }
  function arnFor(resourceType: string, resourceName: string, hash: string, oidc: string): string {
    const global = `arn:${partition}:iam::${accountId}`;
    const regional = (service: string, resource: string) => `arn:${partition}:${service}:${region}:${accountId}:${resource}`;
    const shortName = resourceName.toLowerCase().slice(0, 32);
    switch (resourceType) {
      case "aws_iam_role":
        return `${global}:role/${shortName}`;
      case "aws_iam_policy":
        return `${global}:policy/${shortName}`;
      case "aws_iam_openid_connect_provider":
        return `${global}:oidc-provider/${oidc}`;
      case "aws_kms_key":
        return regional("kms", `key/${uuidFrom(hash)}`);
      case "aws_eks_cluster":
        return regional("eks", `cluster/${shortName}`);
      case "aws_rds_cluster":
        return regional("rds", `cluster:${shortName}`);
      case "aws_secretsmanager_secret":
        return regional("secretsmanager", `secret:${shortName}-${hash.slice(0, 6)}`);
      case "aws_sns_topic":
        return regional("sns", shortName);
      case "aws_lb":
        return regional("elasticloadbalancing", `loadbalancer/app/${shortName}/${hash.slice(0, 16)}`);
      case "aws_lb_target_group":
        return regional("elasticloadbalancing", `targetgroup/${shortName}/${hash.slice(0, 16)}`);
      case "aws_acm_certificate":
        return regional("acm", `certificate/${uuidFrom(hash)}`);
      case "aws_cloudfront_distribution":
        return `arn:${partition}:cloudfront::${accountId}:distribution/E${hash.slice(0, 13).toUpperCase()}`;
      case "aws_s3_bucket":
        return `arn:${partition}:s3:::${shortName}`;
      case "aws_ecr_repository":
        return regional("ecr", `repository/${shortName}`);
      default:
        return regional(resourceType.split("_")[1] ?? "unknown", `${resourceType.replace(/^aws_/, "")}/${shortName}`);
    }
  }
}

const ID_PREFIXES: Record<string, string> = {
  aws_vpc: "vpc-",
  aws_subnet: "subnet-",
  aws_security_group: "sg-",
  aws_route_table: "rtb-",
  aws_nat_gateway: "nat-",
  aws_internet_gateway: "igw-",
  aws_vpc_endpoint: "vpce-",
  aws_launch_template: "lt-",
  aws_db_subnet_group: "",
};

function uuidFrom(hash: string): string {
  return `${hash.slice(0, 8)}-${hash.slice(8, 12)}-${hash.slice(12, 16)}-${hash.slice(16, 20)}-${hash.slice(20, 32)}`;
}

/** Terraform's JSON encoding of a value's type, which state files record next to each output. */
export function ctyType(value: unknown): unknown {
  if (typeof value === "string") return "string";
  if (typeof value === "number") return "number";
  if (typeof value === "boolean") return "bool";
  if (Array.isArray(value)) return ["tuple", value.map(ctyType)];
  if (value === null || value === undefined) return "string";
  return ["object", Object.fromEntries(Object.entries(value as Record<string, unknown>).map(([key, inner]) => [key, ctyType(inner)]))];
}
