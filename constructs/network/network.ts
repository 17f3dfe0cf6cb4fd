import { Construct } from "constructs";
import { DefaultSecurityGroup } from "@cdktf/provider-aws/lib/default-security-group";
import { Eip } from "@cdktf/provider-aws/lib/eip";
import { FlowLog } from "@cdktf/provider-aws/lib/flow-log";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy";
import { InternetGateway } from "@cdktf/provider-aws/lib/internet-gateway";
import { NatGateway } from "@cdktf/provider-aws/lib/nat-gateway";
import { Route } from "@cdktf/provider-aws/lib/route";
import { RouteTable } from "@cdktf/provider-aws/lib/route-table";
import { RouteTableAssociation } from "@cdktf/provider-aws/lib/route-table-association";
import { SecurityGroup } from "@cdktf/provider-aws/lib/security-group";
import { Subnet } from "@cdktf/provider-aws/lib/subnet";
import { Vpc } from "@cdktf/provider-aws/lib/vpc";
import { VpcEndpoint } from "@cdktf/provider-aws/lib/vpc-endpoint";
import { VpcSecurityGroupIngressRule } from "@cdktf/provider-aws/lib/vpc-security-group-ingress-rule";
import { PlannedSubnet, SubnetPlan, SubnetTier } from "../../config/subnet-plan";
import { EncryptedLogGroup } from "../logging/log-group";
import { AwsScope } from "../core/aws-scope";
import { policyDocument, serviceTrustPolicy } from "../iam/policy-document";
import { KmsKey } from "../security/kms-key";
import { NetworkAcls } from "./network-acls";

/** VPC flow logs to an encrypted log group. */
export interface FlowLogSettings {
  readonly enabled: boolean;
  readonly retentionDays: number;
  readonly trafficType: "ALL" | "ACCEPT" | "REJECT";
}

export interface NetworkProps {
  /** Prefix of every resource name, `<project>-<environment>`. */
  readonly namePrefix: string;
  /** The VPC's IPv4 CIDR. */
  readonly cidr: string;
  /** Every subnet's AZ and CIDR, from the config's subnet plan. */
  readonly subnetPlan: SubnetPlan;
  /** One NAT gateway per AZ (losing one AZ never cuts egress of the others), or one shared NAT gateway. */
  readonly oneNatGatewayPerAz: boolean;
  /** EKS clusters that use these subnets, for `kubernetes.io/cluster/<name>` tags. @default none */
  readonly clusterNames?: readonly string[];
  /** Extra tags of the private subnets (Karpenter's `karpenter.sh/discovery`). @default none */
  readonly privateSubnetTags?: Readonly<Record<string, string>>;
  /** The VPC's flow logs: whether they are on, what traffic they capture, and how long they are kept. */
  readonly flowLogs: FlowLogSettings;
  /** S3 gateway endpoint on the private and database route tables (free, and keeps S3 traffic off NAT). */
  readonly s3GatewayEndpoint: boolean;
  /** Interface endpoint services (`ecr.api`, `sts`, ...). */
  readonly interfaceEndpoints: readonly string[];
  /** Key for the flow log group. @default a new rotating CMK */
  readonly key?: KmsKey;
  /** The database's port: the database subnets' network ACL admits only it, and only from the private subnets. */
  readonly databasePort: number;
  /** TCP ports the public subnets' network ACL admits from the internet. @default none (an internal ALB needs none) */
  readonly publicIngressPorts?: readonly number[];
}

/** A subnet of one tier in one AZ, as later layers consume it. */
export interface NetworkSubnet {
  readonly availabilityZone: string;
  readonly cidr: string;
  readonly subnet: Subnet;
}

/**
 * The VPC: public, private and isolated database subnets in every AZ, an internet gateway, NAT per AZ (or one),
 * flow logs, a default security group without rules and VPC endpoints. Every id is keyed by AZ, never by index, so
 * adding an AZ never replaces the subnets of the others.
 */
export class Network extends Construct {
  readonly vpc: Vpc;
  readonly publicSubnets: NetworkSubnet[];
  readonly privateSubnets: NetworkSubnet[];
  readonly databaseSubnets: NetworkSubnet[];
  readonly natGateways: NatGateway[];
  readonly privateRouteTables: RouteTable[];
  readonly databaseRouteTable: RouteTable;
  readonly endpointSecurityGroup?: SecurityGroup;
  readonly key: KmsKey;
  readonly networkAcls: NetworkAcls;

  constructor(scope: Construct, id: string, props: NetworkProps) {
    super(scope, id);
    const { namePrefix, subnetPlan } = props;
    const zones = subnetPlan.private.map((subnet) => subnet.availabilityZone);
    const clusterTags = Object.fromEntries((props.clusterNames ?? []).map((name) => [`kubernetes.io/cluster/${name}`, "shared"]));

    this.key = props.key ?? new KmsKey(this, "Key", { description: `${namePrefix} network logs`, alias: `${namePrefix}-network` });
    this.vpc = new Vpc(this, "Vpc", {
      cidrBlock: props.cidr,
      enableDnsHostnames: true,
      enableDnsSupport: true,
      tags: { Name: namePrefix },
    });
    new DefaultSecurityGroup(this, "DefaultSecurityGroup", {
      vpcId: this.vpc.id,
      ingress: [],
      egress: [],
      tags: { Name: `${namePrefix}-default-unused` },
    });

    const subnetsOf = (tier: SubnetTier, extraTags: Record<string, string>): NetworkSubnet[] =>
      subnetPlan[tier].map((planned: PlannedSubnet) => ({
        availabilityZone: planned.availabilityZone,
        cidr: planned.cidr,
        subnet: new Subnet(this, `${capitalize(tier)}Subnet-${planned.availabilityZone}`, {
          vpcId: this.vpc.id,
          cidrBlock: planned.cidr,
          availabilityZone: planned.availabilityZone,
          mapPublicIpOnLaunch: false,
          tags: { Name: `${namePrefix}-${tier}-${planned.availabilityZone}`, tier, ...extraTags },
        }),
      }));
    this.publicSubnets = subnetsOf("public", { "kubernetes.io/role/elb": "1", ...clusterTags });
    this.privateSubnets = subnetsOf("private", { "kubernetes.io/role/internal-elb": "1", ...clusterTags, ...props.privateSubnetTags });
    this.databaseSubnets = subnetsOf("database", {});

    const internetGateway = new InternetGateway(this, "InternetGateway", { vpcId: this.vpc.id, tags: { Name: namePrefix } });
    const publicRouteTable = new RouteTable(this, "PublicRouteTable", { vpcId: this.vpc.id, tags: { Name: `${namePrefix}-public` } });
    new Route(this, "PublicDefaultRoute", {
      routeTableId: publicRouteTable.id,
      destinationCidrBlock: "0.0.0.0/0",
      gatewayId: internetGateway.id,
    });
    for (const { availabilityZone, subnet } of this.publicSubnets) {
      new RouteTableAssociation(this, `PublicRouteTableAssociation-${availabilityZone}`, { subnetId: subnet.id, routeTableId: publicRouteTable.id });
    }

    const natZones = props.oneNatGatewayPerAz ? zones : zones.slice(0, 1);
    this.natGateways = natZones.map((zone) => {
      const publicSubnet = this.publicSubnets.find((candidate) => candidate.availabilityZone === zone)!;
      const eip = new Eip(this, `NatEip-${zone}`, { domain: "vpc", tags: { Name: `${namePrefix}-nat-${zone}` } });
      return new NatGateway(this, `NatGateway-${zone}`, {
        allocationId: eip.allocationId,
        subnetId: publicSubnet.subnet.id,
        tags: { Name: `${namePrefix}-${zone}` },
        dependsOn: [internetGateway],
      });
    });

    this.privateRouteTables = this.privateSubnets.map(({ availabilityZone, subnet }, index) => {
      const routeTable = new RouteTable(this, `PrivateRouteTable-${availabilityZone}`, {
        vpcId: this.vpc.id,
        tags: { Name: `${namePrefix}-private-${availabilityZone}` },
      });
      // One NAT gateway per AZ, or the single one every private subnet shares.
      const nat = this.natGateways[natZones.length === zones.length ? index : 0]!;
      new Route(this, `PrivateDefaultRoute-${availabilityZone}`, {
        routeTableId: routeTable.id,
        destinationCidrBlock: "0.0.0.0/0",
        natGatewayId: nat.id,
      });
      new RouteTableAssociation(this, `PrivateRouteTableAssociation-${availabilityZone}`, { subnetId: subnet.id, routeTableId: routeTable.id });
      return routeTable;
    });

    // Isolated: the database tier's only routes are the VPC's own and the S3 gateway endpoint.
    this.databaseRouteTable = new RouteTable(this, "DatabaseRouteTable", { vpcId: this.vpc.id, tags: { Name: `${namePrefix}-database` } });
    for (const { availabilityZone, subnet } of this.databaseSubnets) {
      new RouteTableAssociation(this, `DatabaseRouteTableAssociation-${availabilityZone}`, {
        subnetId: subnet.id,
        routeTableId: this.databaseRouteTable.id,
      });
    }

    this.networkAcls = new NetworkAcls(this, "Acls", {
      vpcId: this.vpc.id,
      vpcCidr: props.cidr,
      namePrefix,
      publicSubnets: this.publicSubnets,
      privateSubnets: this.privateSubnets,
      databaseSubnets: this.databaseSubnets,
      databasePort: props.databasePort,
      publicIngressPorts: props.publicIngressPorts,
    });

    const { flowLogs } = props;
    if (flowLogs.enabled) {
      this.addFlowLogs(namePrefix, flowLogs.retentionDays, flowLogs.trafficType);
    }

    const { region } = AwsScope.of(this);
    if (props.s3GatewayEndpoint) {
      new VpcEndpoint(this, "S3GatewayEndpoint", {
        vpcId: this.vpc.id,
        serviceName: `com.amazonaws.${region}.s3`,
        vpcEndpointType: "Gateway",
        routeTableIds: [...this.privateRouteTables.map((table) => table.id), this.databaseRouteTable.id],
        tags: { Name: `${namePrefix}-s3` },
      });
    }
    const { interfaceEndpoints } = props;
    if (interfaceEndpoints.length > 0) {
      this.endpointSecurityGroup = new SecurityGroup(this, "EndpointSecurityGroup", {
        name: `${namePrefix}-vpc-endpoints`,
        description: "HTTPS from inside the VPC to the interface VPC endpoints",
        vpcId: this.vpc.id,
        tags: { Name: `${namePrefix}-vpc-endpoints` },
      });
      new VpcSecurityGroupIngressRule(this, "EndpointHttpsFromVpc", {
        securityGroupId: this.endpointSecurityGroup.id,
        description: "HTTPS to AWS APIs from workloads in the VPC",
        ipProtocol: "tcp",
        fromPort: 443,
        toPort: 443,
        cidrIpv4: props.cidr,
      });
      for (const service of interfaceEndpoints) {
        new VpcEndpoint(this, `InterfaceEndpoint-${service}`, {
          vpcId: this.vpc.id,
          serviceName: `com.amazonaws.${region}.${service}`,
          vpcEndpointType: "Interface",
          privateDnsEnabled: true,
          subnetIds: this.privateSubnets.map(({ subnet }) => subnet.id),
          securityGroupIds: [this.endpointSecurityGroup.id],
          tags: { Name: `${namePrefix}-${service}` },
        });
      }
    }
  }

  get availabilityZones(): string[] {
    return this.privateSubnets.map((subnet) => subnet.availabilityZone);
  }

  private addFlowLogs(namePrefix: string, retentionDays: number, trafficType: string): void {
    const logGroup = new EncryptedLogGroup(this, "FlowLogGroup", {
      name: `/aws/vpc/${namePrefix}/flow-logs`,
      retentionDays,
      key: this.key,
    });
    const role = new IamRole(this, "FlowLogRole", {
      name: `${namePrefix}-vpc-flow-logs`,
      description: "Lets VPC Flow Logs write to the VPC's log group",
      assumeRolePolicy: serviceTrustPolicy("vpc-flow-logs.amazonaws.com", AwsScope.of(this).accountId),
    });
    new IamRolePolicy(this, "FlowLogRolePolicy", {
      name: "write-flow-logs",
      role: role.id,
      policy: policyDocument([
        {
          Effect: "Allow",
          Action: ["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"],
          Resource: [logGroup.arn, `${logGroup.arn}:*`],
        },
      ]),
    });
    new FlowLog(this, "FlowLog", {
      vpcId: this.vpc.id,
      trafficType,
      logDestinationType: "cloud-watch-logs",
      logDestination: logGroup.arn,
      iamRoleArn: role.arn,
      maxAggregationInterval: 60,
      tags: { Name: `${namePrefix}-flow-logs` },
    });
  }
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
