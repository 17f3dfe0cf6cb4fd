import { z } from "./zod";
import { ipv4Cidr, retentionDays } from "./common";

const subnetTier = (defaultPrefixLength: number, role: string) =>
  z
    .strictObject({
      prefixLength: z
        .number()
        .int("must be a whole number")
        .min(16, "must be between 16 and 28 (AWS subnet sizes)")
        .max(28, "must be between 16 and 28 (AWS subnet sizes)")
        .optional()
        .describe(`Size of each ${role} subnet, carved from the VPC CIDR. @default ${defaultPrefixLength}`),
      cidrs: z.array(ipv4Cidr).optional().describe(`Explicit ${role} subnet CIDRs, one per availability zone in the same order (instead of prefixLength).`),
    })
    .refine((tier) => !(tier.prefixLength !== undefined && tier.cidrs !== undefined), {
      message: "set either prefixLength or cidrs, not both",
    })
    .prefault({})
    .describe(`The ${role} subnets, one per availability zone.`);

export const DEFAULT_PREFIX_LENGTHS = { public: 24, private: 19, database: 24 } as const;

export const INTERFACE_ENDPOINT_SERVICES = [
  "ec2",
  "ecr.api",
  "ecr.dkr",
  "sts",
  "logs",
  "monitoring",
  "ssm",
  "ssmmessages",
  "ec2messages",
  "kms",
  "secretsmanager",
  "elasticloadbalancing",
  "autoscaling",
  "eks",
  "eks-auth",
  "xray",
  "sqs",
  "sns",
  "rds",
] as const;

export const networkSchema = z
  .strictObject({
    cidr: ipv4Cidr.describe("The VPC's IPv4 CIDR block; /16 to /24."),
    availabilityZones: z
      .array(z.string())
      .min(2, "needs at least 2 availability zones")
      .describe("Availability zones to spread every subnet tier over, e.g. [eu-west-1a, eu-west-1b, eu-west-1c]."),
    oneNatGatewayPerAz: z
      .boolean()
      .default(true)
      .describe("One NAT gateway per AZ, so losing an AZ never cuts egress of the others; false = one shared NAT (cheaper)."),
    subnets: z
      .strictObject({
        public: subnetTier(DEFAULT_PREFIX_LENGTHS.public, "public (load balancers, NAT gateways)"),
        private: subnetTier(DEFAULT_PREFIX_LENGTHS.private, "private (EKS nodes and pods)"),
        database: subnetTier(DEFAULT_PREFIX_LENGTHS.database, "database (isolated, no route to the internet)"),
      })
      .prefault({})
      .describe("Subnet sizes or explicit CIDRs per tier."),
    flowLogs: z
      .strictObject({
        enabled: z.boolean().default(true).describe("VPC flow logs to an encrypted CloudWatch log group."),
        retentionDays: retentionDays.default(365),
        trafficType: z.enum(["ALL", "ACCEPT", "REJECT"]).default("ALL").describe("Which traffic to log."),
      })
      .prefault({})
      .describe("VPC flow logs."),
    endpoints: z
      .strictObject({
        s3Gateway: z.boolean().default(true).describe("S3 gateway endpoint on the private and database route tables (free)."),
        interface: z
          .array(z.enum(INTERFACE_ENDPOINT_SERVICES))
          .default(["ecr.api", "ecr.dkr", "sts", "logs", "ec2"])
          .describe("Interface endpoints in the private subnets, reached through their own security group."),
      })
      .prefault({})
      .describe("VPC endpoints, so node traffic to AWS APIs stays off the NAT gateways."),
  })
  .describe("The VPC and its subnets.");

export type NetworkInput = z.input<typeof networkSchema>;
