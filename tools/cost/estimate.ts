import { KarpenterNodeEstimate, karpenterNodeEstimates } from "./karpenter";
import defaultPrices from "./prices.json";
import { awsLocation, environmentOf, regionOf, ResourceValues, resourcesOf, SynthesizedStack } from "../lib/synth-output";
import { parseYamlDocument, scalarText } from "../../constructs/core/json";
import { AWS_REGIONS } from "../../config/schema/aws-catalog";

/** The committed price table's shape (`prices.json`); tests pass variations of it. */
export type PriceTable = typeof defaultPrices;
type RegionPrices = PriceTable["regions"]["eu-west-1"];
type AssumptionName = keyof PriceTable["assumptions"];

/** One priced charge of one resource. */
export interface LineItem {
  readonly stack: string;
  readonly address: string;
  /** The construct path inside the stack (`Database/Instance-eu-west-1a`), which names the resource for people. */
  readonly resource: string;
  readonly description: string;
  readonly monthly: number;
  /** Names of the price table's assumptions this figure depends on. */
  readonly assumptions: readonly string[];
  /** How the figure was derived when the table does not list it (a region priced at another's prices, a rate of another region). */
  readonly derived?: string;
}

export interface StackEstimate {
  readonly name: string;
  readonly region: string;
  readonly monthly: number;
  readonly items: readonly LineItem[];
  /** How many resources cost nothing (IAM, routes, Kubernetes objects, ...), by the price table's `noCharge`. */
  readonly freeResources: number;
  /** True when some resource of the stack could not be priced (see `unpriced`): `monthly` is then a lower bound. */
  readonly lowerBound: boolean;
}

export interface EnvironmentEstimate {
  readonly name: string;
  readonly monthly: number;
  /** True when a stack of the environment is a lower bound. */
  readonly lowerBound: boolean;
  readonly stacks: readonly StackEstimate[];
}

/** A resource type the price table neither prices nor lists as free: listed, never silently ignored. */
export interface UnknownType {
  readonly type: string;
  readonly count: number;
  readonly stacks: readonly string[];
}

/** A resource of a known type that could not be priced, e.g. an instance type or region missing from the table. */
export interface Unpriced {
  readonly stack: string;
  readonly address: string;
  readonly reason: string;
}

export interface CostReport {
  readonly currency: string;
  readonly priceTable: { readonly source: string; readonly retrieved: string };
  readonly environments: readonly EnvironmentEstimate[];
  /** Account-level stacks (bootstrap), which no environment owns. */
  readonly account: readonly StackEstimate[];
  readonly assumptions: Readonly<Record<string, { value: number; unit: string; why: string }>>;
  readonly unknown: readonly UnknownType[];
  readonly unpriced: readonly Unpriced[];
  /** Every way a figure of the report was derived rather than listed, once each (empty when every price is listed). */
  readonly derived: readonly string[];
}

class Unpriceable extends Error {}

interface Charge {
  readonly description: string;
  readonly monthly: number;
  readonly derived?: string;
}

/** What a pricer sees of one resource; `assume` records which assumptions the figure rests on. */
interface PricingContext {
  readonly values: ResourceValues;
  readonly region: string;
  readonly hours: number;
  regional(): RegionPrices;
  regionalAt(region: string): RegionPrices;
  readonly global: PriceTable["global"];
  assume(name: AssumptionName): number;
  referenced(expression: unknown): { values: ResourceValues; region: string } | undefined;
}

type Pricer = (context: PricingContext) => Charge[];

/**
 * What an Aurora instance's monitoring adds: Performance Insights kept beyond the free 7 days (per vCPU, the first month
 * and each further month), and Enhanced Monitoring's OS metrics ingested into CloudWatch Logs every interval.
 */
function instanceMonitoring(c: PricingContext, instanceClass: string): Charge[] {
  const charges: Charge[] = [];
  const retention = Number(c.values.performance_insights_retention_period ?? 7);
  if (c.values.performance_insights_enabled === true && retention > 7) {
    const vcpus = lookup(c.global.auroraInstanceVcpus, instanceClass, `vCPU count of ${instanceClass}`);
    const months = Math.round(retention / 31);
    charges.push({
      description: `Performance Insights kept ${retention} days (${vcpus} vCPU)`,
      monthly: vcpus * (c.global.performanceInsightsFirstMonthPerVcpu + Math.max(0, months - 1) * c.global.performanceInsightsExtraMonthPerVcpu),
      derived: "Performance Insights retention at the Asia Pacific (Tokyo) list rate, the only one the price table has",
    });
  }
  const interval = Number(c.values.monitoring_interval ?? 0);
  if (interval > 0) {
    const gb = (((c.hours * 3600) / interval) * c.assume("enhancedMonitoringKbPerSample")) / 1024 / 1024;
    charges.push({
      description: `Enhanced Monitoring every ${interval} s (${gb.toFixed(2)} GB of OS metrics)`,
      monthly: gb * c.regional().cloudwatchLogsIngestedPerGb,
    });
  }
  return charges;
}

/** The commercial regions (every AWS region but China, GovCloud and the isolated ones): each has a price, listed or derived. */
const COMMERCIAL_REGIONS: ReadonlySet<string> = new Set(AWS_REGIONS.filter((region) => !/^cn-|-gov-|-iso/.test(region)));

/** A persistent volume an add-on's values ask for: the chart creates the PVC, the EBS CSI driver the gp3 volume. */
interface VolumeClaim {
  readonly where: string;
  readonly gib: number;
  readonly count: number;
}

/**
 * The persistent volumes in a Helm release's values: every `resources.requests.storage` of a PVC template (Prometheus,
 * Alertmanager, Elasticsearch node sets), times the `replicas`/`count` of the object that holds it; and Vault's
 * `dataStorage`/`auditStorage`, one each per server.
 */
export function volumeClaims(chart: string, values: unknown): VolumeClaim[] {
  const claims: VolumeClaim[] = [];
  const visit = (node: unknown, where: string, count: number): void => {
    if (Array.isArray(node)) return node.forEach((entry, index) => visit(entry, `${where}[${index}]`, count));
    if (typeof node !== "object" || node === null) return;
    const record = node as Record<string, unknown>;
    const own = typeof record.replicas === "number" ? record.replicas : typeof record.count === "number" ? record.count : count;
    const storage = (record.resources as { requests?: { storage?: unknown } } | undefined)?.requests?.storage;
    if (typeof storage === "string" && record.accessModes !== undefined) claims.push({ where, gib: gibibytes(storage), count: own });
    for (const [key, value] of Object.entries(record)) visit(value, where ? `${where}.${key}` : key, own);
  };
  if (chart === "vault") {
    const server = (values as { server?: Record<string, { enabled?: boolean; size?: string; replicas?: number }> } | undefined)?.server ?? {};
    const servers = server.ha?.enabled ? Number(server.ha.replicas ?? 3) : 1;
    for (const key of ["dataStorage", "auditStorage"]) {
      const volume = server[key];
      if (volume?.enabled && typeof volume.size === "string") claims.push({ where: `server.${key}`, gib: gibibytes(volume.size), count: servers });
    }
    return claims;
  }
  visit(values, "", 1);
  return claims;
}

/** The enabled schedules of a velero release's values (templates/schedule.yaml renders one per key not `disabled`). */
export function veleroSnapshots(values: unknown): string[] {
  const schedules = (values as { schedules?: Record<string, { disabled?: boolean; template?: { snapshotVolumes?: boolean } }> } | undefined)?.schedules ?? {};
  return Object.entries(schedules)
    .filter(([, schedule]) => schedule.disabled !== true && schedule.template?.snapshotVolumes !== false)
    .map(([name]) => name);
}

/**
 * The load balancers the AWS Load Balancer Controller creates for a release's values: one ALB per Ingress of class
 * `alb` (Ingresses sharing a `group.name` share one), one NLB per Service of type LoadBalancer.
 */
export function controllerLoadBalancers(values: unknown): { kind: "application" | "network"; where: string }[] {
  const found: { kind: "application" | "network"; where: string }[] = [];
  const groups = new Set<string>();
  const visit = (node: unknown, where: string): void => {
    if (Array.isArray(node)) return node.forEach((entry, index) => visit(entry, `${where}[${index}]`));
    if (typeof node !== "object" || node === null) return;
    const record = node as Record<string, unknown>;
    const ingressClass = record.ingressClassName ?? (record.spec as { ingressClassName?: unknown } | undefined)?.ingressClassName;
    if (ingressClass === "alb" && record.enabled !== false) {
      const annotations = (record.annotations ?? (record.metadata as { annotations?: unknown } | undefined)?.annotations) as
        Record<string, unknown> | undefined;
      const group = annotations?.["alb.ingress.kubernetes.io/group.name"];
      if (typeof group !== "string" || !groups.has(group)) found.push({ kind: "application", where });
      if (typeof group === "string") groups.add(group);
    }
    if (record.type === "LoadBalancer") found.push({ kind: "network", where });
    for (const [key, value] of Object.entries(record)) visit(value, where ? `${where}.${key}` : key);
  };
  visit(values, "");
  return found;
}

const BINARY_UNITS: Record<string, number> = { Ki: 1 / 1024 ** 2, Mi: 1 / 1024, Gi: 1, Ti: 1024 };

function gibibytes(quantity: string): number {
  const [, amount, unit = ""] = /^(\d+(?:\.\d+)?)(Ki|Mi|Gi|Ti)$/.exec(quantity.trim()) ?? [];
  const perUnit = BINARY_UNITS[unit];
  if (amount === undefined || perUnit === undefined) throw new Unpriceable(`volume size ${quantity} is not a Ki/Mi/Gi/Ti quantity`);
  return Number(amount) * perUnit;
}

function loadBalancerCharges(c: PricingContext, kind: string, label = ""): Charge[] {
  const units = c.assume("loadBalancerCapacityUnits");
  if (kind === "application") {
    return [
      { description: `${label}application load balancer hours`, monthly: c.regional().albHourly * c.hours },
      { description: `${label}${units} LCU`, monthly: units * c.regional().albLcuHourly * c.hours },
    ];
  }
  if (kind === "network") {
    return [
      { description: `${label}network load balancer hours`, monthly: c.regional().nlbHourly * c.hours },
      { description: `${label}${units} NLCU`, monthly: units * c.regional().nlbLcuHourly * c.hours },
    ];
  }
  throw new Unpriceable(`${kind} load balancers are not in the price table`);
}

/**
 * A Karpenter NodePool's nodes, estimated at the desired size of the node group(s) it replaced: Karpenter launches what
 * pending pods need, so the real figure follows demand (between none and the NodePool's limits).
 */
function karpenterNodeCharges(c: PricingContext, pool: KarpenterNodeEstimate): Charge[] {
  const hourly = lookup(c.regional().ec2OnDemandHourly, pool.instanceType, `EC2 price for ${pool.instanceType} in ${c.region}`);
  const discount = pool.spot ? 1 - c.assume("spotDiscount") : 1;
  const capacity = pool.spot ? "spot, on-demand fallback" : "on-demand";
  return [
    {
      description: `Karpenter NodePool ${pool.nodePool}: ${pool.nodes} × ${pool.instanceType} ${capacity} (estimate at the replaced node group's desired size; Karpenter sizes by demand)`,
      monthly: pool.nodes * hourly * discount * c.hours,
    },
    {
      description: `Karpenter NodePool ${pool.nodePool}: ${pool.nodes} × ${pool.volumeGib} GiB gp3 root volume (estimate)`,
      monthly: pool.nodes * pool.volumeGib * c.regional().ebsGp3GbMonthly,
    },
  ];
}

const IO_OPTIMIZED = "aurora-iopt1";

/** How every account-guardrails figure is marked: rates the table has for one region and tier, volumes assumed. */
const GUARDRAILS_ESTIMATE = "account guardrails: an estimate at the first-tier us-east-1 list rate of 2026 (tools/cost/prices.json, unverified)";

/**
 * The account guardrails (stacks/guardrails-stack.ts): the trail's management events are free (the account's first
 * trail; the stack makes exactly one), its S3 data events are not; GuardDuty per event, GB and monitored vCPU per
 * protection plan; AWS Config per configuration item and conformance pack evaluation; Security Hub per check; an
 * account analyzer of IAM Access Analyzer is free.
 */
const GUARDRAIL_PRICERS: Record<string, Pricer> = {
  aws_cloudtrail: (c) => {
    const selectors = (c.values.advanced_event_selector as { field_selector?: { field?: string; equals?: string[] }[] }[] | undefined) ?? [];
    const dataEvents = selectors.some((selector) =>
      (selector.field_selector ?? []).some((field) => field.field === "eventCategory" && (field.equals ?? []).includes("Data")),
    );
    return [
      { description: "management events, the account's first trail (free)", monthly: 0 },
      ...(dataEvents
        ? [
            {
              description: "S3 data events",
              monthly: c.assume("cloudtrailS3DataEventsMillions") * 10 * c.global.cloudtrailDataEventsPer100k,
              derived: GUARDRAILS_ESTIMATE,
            },
          ]
        : []),
    ];
  },
  aws_guardduty_detector: (c) =>
    c.values.enable === false
      ? []
      : [
          {
            description: "GuardDuty: CloudTrail management events analysed",
            monthly: c.assume("guarddutyManagementEventsMillions") * c.global.guarddutyManagementEventsPerMillion,
            derived: GUARDRAILS_ESTIMATE,
          },
          {
            description: "GuardDuty: VPC flow and DNS logs analysed",
            monthly: c.assume("guarddutyFlowAndDnsLogsGb") * c.global.guarddutyFlowAndDnsLogsPerGb,
            derived: GUARDRAILS_ESTIMATE,
          },
        ],
  aws_guardduty_detector_feature: (c) => {
    if (c.values.status !== "ENABLED") return [];
    const feature = String(c.values.name);
    const charge = (description: string, monthly: number): Charge[] => [{ description: `GuardDuty ${description}`, monthly, derived: GUARDRAILS_ESTIMATE }];
    switch (feature) {
      case "EKS_AUDIT_LOGS":
        return charge("EKS audit log events", c.assume("guarddutyEksAuditEventsMillions") * c.global.guarddutyEksAuditEventsPerMillion);
      case "RUNTIME_MONITORING":
      case "EKS_RUNTIME_MONITORING":
        return charge("runtime monitoring of EKS nodes", c.assume("guarddutyRuntimeVcpus") * c.global.guarddutyRuntimeMonitoringPerVcpuMonth);
      case "RDS_LOGIN_EVENTS":
        return charge("RDS login events", c.assume("guarddutyRdsVcpus") * c.global.guarddutyRdsLoginEventsPerVcpuMonth);
      case "S3_DATA_EVENTS":
        return charge("S3 data events", c.assume("guarddutyS3DataEventsMillions") * c.global.guarddutyS3DataEventsPerMillion);
      default:
        throw new Unpriceable(`GuardDuty feature ${feature} is not in the price table`);
    }
  },
  aws_config_configuration_recorder: (c) => [
    {
      description: "AWS Config configuration items recorded",
      monthly: c.assume("configItemsRecorded") * c.global.configItemRecorded,
      derived: GUARDRAILS_ESTIMATE,
    },
  ],
  aws_config_conformance_pack: (c) => [
    {
      description: "conformance pack rule evaluations",
      monthly: c.assume("configConformancePackEvaluations") * c.global.configConformancePackEvaluation,
      derived: GUARDRAILS_ESTIMATE,
    },
  ],
  aws_securityhub_standards_subscription: (c) => [
    { description: "Security Hub security checks", monthly: c.assume("securityHubChecks") * c.global.securityHubCheck, derived: GUARDRAILS_ESTIMATE },
  ],
  aws_accessanalyzer_analyzer: (c) => {
    if (c.values.type === "ACCOUNT" || c.values.type === "ORGANIZATION") return [];
    throw new Unpriceable(`an access analyzer of type ${String(c.values.type)} is priced per analysed role, which the table does not have`);
  },
};

/** One pricer per billable resource type; free types are data (`noCharge` in prices.json). */
const PRICERS: Record<string, Pricer> = {
  aws_eks_cluster: (c) => [{ description: "EKS control plane", monthly: c.regional().eksClusterHourly * c.hours }],
  aws_eks_node_group: (c) => {
    const scaling = c.values.scaling_config as { desired_size?: number } | undefined;
    const nodes = Number(scaling?.desired_size ?? 0);
    const instanceType = String((c.values.instance_types as string[] | undefined)?.[0] ?? "t3.medium");
    const spot = c.values.capacity_type === "SPOT";
    const hourly = lookup(c.regional().ec2OnDemandHourly, instanceType, `EC2 price for ${instanceType} in ${c.region}`);
    const discount = spot ? 1 - c.assume("spotDiscount") : 1;
    const volumeGib = rootVolumeGib(c);
    return [
      { description: `${nodes} × ${instanceType} ${spot ? "spot" : "on-demand"} (desired size)`, monthly: nodes * hourly * discount * c.hours },
      { description: `${nodes} × ${volumeGib} GiB gp3 root volume`, monthly: nodes * volumeGib * c.regional().ebsGp3GbMonthly },
    ];
  },
  aws_nat_gateway: (c) => [
    { description: "NAT gateway hours", monthly: c.regional().natGatewayHourly * c.hours },
    { description: "NAT gateway data processed", monthly: c.assume("natGatewayProcessedGb") * c.regional().natGatewayPerGb },
  ],
  aws_ecs_service: (c) => {
    const task = c.referenced(c.values.task_definition)?.values;
    if (!task) throw new Unpriceable("an ECS service whose task definition is not in the synthesized output");
    const tasks = Number(c.values.desired_count ?? 0);
    const vcpus = Number(task.cpu) / 1024;
    const gib = Number(task.memory) / 1024;
    return [
      { description: `${tasks} Fargate task(s) × ${vcpus} vCPU`, monthly: tasks * vcpus * c.regional().fargateVcpuHourly * c.hours },
      { description: `${tasks} Fargate task(s) × ${gib} GB`, monthly: tasks * gib * c.regional().fargateGbHourly * c.hours },
    ];
  },
  aws_eip: (c) => [{ description: "public IPv4 address", monthly: c.regional().publicIpv4Hourly * c.hours }],
  aws_vpc_endpoint: (c) => {
    if ((c.values.vpc_endpoint_type ?? "Gateway") === "Gateway") return [{ description: "gateway endpoint (free)", monthly: 0 }];
    const zones = Array.isArray(c.values.subnet_ids) ? c.values.subnet_ids.length : 1;
    return [
      { description: `interface endpoint in ${zones} AZ(s)`, monthly: zones * c.regional().interfaceEndpointHourlyPerAz * c.hours },
      { description: "interface endpoint data processed", monthly: c.assume("interfaceEndpointProcessedGb") * c.regional().interfaceEndpointPerGb },
    ];
  },
  aws_kms_key: (c) => [{ description: "customer managed key", monthly: c.regional().kmsKeyMonthly }],
  aws_cloudwatch_log_group: (c) => {
    const ingested = c.assume("logIngestedGb");
    const retentionDays = Number(c.values.retention_in_days ?? 0);
    const monthsKept = retentionDays > 0 ? Math.min(retentionDays, 365) / (365 / 12) : 12;
    return [
      { description: "log ingestion", monthly: ingested * c.regional().cloudwatchLogsIngestedPerGb },
      {
        description: `log storage (${retentionDays > 0 ? `${retentionDays} days` : "never expires"})`,
        monthly: ingested * monthsKept * c.regional().cloudwatchLogsStoredGbMonthly,
      },
    ];
  },
  aws_cloudwatch_metric_alarm: (c) => [{ description: "standard alarm", monthly: c.regional().cloudwatchAlarmMonthly }],
  aws_rds_cluster: (c) => {
    const gb = c.assume("auroraStorageGb");
    const storage =
      c.values.storage_type === IO_OPTIMIZED
        ? [{ description: `${gb} GB I/O-Optimized storage (no I/O charges)`, monthly: gb * c.regional().auroraIoOptimizedStorageGbMonthly }]
        : [
            { description: `${gb} GB storage`, monthly: gb * c.regional().auroraStorageGbMonthly },
            { description: "I/O requests", monthly: c.assume("auroraIoRequestsMillions") * c.regional().auroraIoPerMillion },
          ];
    // Backup storage up to the cluster volume's size is free; beyond it, each retained day keeps that day's changes.
    const retentionDays = Number(c.values.backup_retention_period ?? 1);
    const backupGb = c.assume("auroraDailyChangedGb") * Math.max(0, retentionDays - 1);
    const backups = {
      description: `backup storage beyond the free allowance (${retentionDays} days kept)`,
      monthly: backupGb * c.regional().backupStorageGbMonthly,
    };
    const masterSecret =
      c.values.manage_master_user_password === true ? [{ description: "RDS-managed master password secret", monthly: c.regional().secretMonthly }] : [];
    return [...storage, backups, ...masterSecret];
  },
  aws_rds_cluster_instance: (c) => {
    const cluster = c.referenced(c.values.cluster_identifier)?.values;
    const ioOptimized = cluster?.storage_type === IO_OPTIMIZED;
    const multiplier = ioOptimized ? c.regional().auroraIoOptimizedMultiplier : 1;
    const storage = ioOptimized ? " (I/O-Optimized)" : "";
    const instanceClass = String(c.values.instance_class);
    if (instanceClass === "db.serverless") {
      const scaling = cluster?.serverlessv2_scaling_configuration as { min_capacity?: number } | undefined;
      if (scaling?.min_capacity === undefined) throw new Unpriceable("db.serverless without the cluster's serverlessv2_scaling_configuration");
      const acus = Number(scaling.min_capacity);
      return [{ description: `Serverless v2 at its ${acus} ACU minimum${storage}`, monthly: acus * c.regional().auroraAcuHourly * multiplier * c.hours }];
    }
    const hourly = lookup(c.regional().auroraInstanceHourly, instanceClass, `Aurora price for ${instanceClass} in ${c.region}`);
    return [{ description: `${instanceClass}${storage}`, monthly: hourly * multiplier * c.hours }, ...instanceMonitoring(c, instanceClass)];
  },
  aws_backup_plan: (c) => {
    const gb = c.assume("backupStoredGb");
    const rules =
      (c.values.rule as { rule_name?: string; target_vault_name?: unknown; copy_action?: { destination_vault_arn?: unknown }[] }[] | undefined) ?? [];
    return rules.flatMap((rule) => {
      const sourceRegion = c.referenced(rule.target_vault_name)?.region ?? c.region;
      const copies = (rule.copy_action ?? []).flatMap((copy) => {
        const destination = c.referenced(copy.destination_vault_arn)?.region ?? c.region;
        return [
          { description: `${rule.rule_name}: copy stored in ${destination}`, monthly: gb * c.regionalAt(destination).backupStorageGbMonthly },
          {
            description: `${rule.rule_name}: transfer to ${destination}`,
            monthly: destination === sourceRegion ? 0 : gb * c.regionalAt(sourceRegion).interRegionTransferPerGb,
          },
        ];
      });
      return [
        { description: `${rule.rule_name}: backups stored in ${sourceRegion}`, monthly: gb * c.regionalAt(sourceRegion).backupStorageGbMonthly },
        ...copies,
      ];
    });
  },
  aws_s3_bucket: (c) => [{ description: "S3 Standard storage", monthly: c.assume("s3StoredGb") * c.regional().s3StandardGbMonthly }],
  aws_secretsmanager_secret: (c) => [{ description: "secret", monthly: c.regional().secretMonthly }],
  aws_ebs_volume: (c) => {
    if ((c.values.type ?? "gp3") !== "gp3") throw new Unpriceable(`EBS volume type ${String(c.values.type)} is not in the price table`);
    return [{ description: `${Number(c.values.size)} GiB gp3 volume`, monthly: Number(c.values.size) * c.regional().ebsGp3GbMonthly }];
  },
  aws_lb: (c) => loadBalancerCharges(c, scalarText(c.values.load_balancer_type) ?? "application"),
  // A release costs what its values make controllers create: gp3 volumes for its PVCs, load balancers for its
  // Ingresses and LoadBalancer Services (the storage class of the platform is gp3).
  helm_release: (c) => {
    const documents = (Array.isArray(c.values.values) ? c.values.values : []).map((text) => parseYamlDocument(String(text)));
    const chart = scalarText(c.values.chart) ?? "";
    return documents.flatMap((values) => [
      ...volumeClaims(chart, values).map((claim) => ({
        description: `${claim.count} × ${claim.gib} GiB gp3 volume (${claim.where})`,
        monthly: claim.count * claim.gib * c.regional().ebsGp3GbMonthly,
      })),
      ...controllerLoadBalancers(values).flatMap((balancer) => loadBalancerCharges(c, balancer.kind, `${balancer.where}: controller-created `)),
      ...(chart === "velero"
        ? veleroSnapshots(values).map((schedule) => ({
            description: `EBS snapshots of Velero schedule ${schedule} (not in Terraform's state)`,
            monthly: c.assume("veleroSnapshotGbPerSchedule") * c.regional().ebsSnapshotGbMonthly,
          }))
        : []),
      ...karpenterNodeEstimates(values).flatMap((pool) => karpenterNodeCharges(c, pool)),
    ]);
  },
  // S3 Replication Time Control is not used: only the transfer to the recovery region costs (the copies' storage is
  // the destination bucket's).
  aws_s3_bucket_replication_configuration: (c) => {
    const rules = (c.values.rule as { destination?: { bucket?: unknown } }[] | undefined) ?? [];
    return rules.map((rule) => {
      const destination = c.referenced(rule.destination?.bucket)?.region ?? c.region;
      return {
        description: `replication to ${destination}: inter-region transfer`,
        monthly: destination === c.region ? 0 : c.assume("backupReplicatedGb") * c.regional().interRegionTransferPerGb,
      };
    });
  },
  aws_cloudfront_distribution: (c) => [
    { description: "CloudFront data transfer out (no monthly base fee)", monthly: c.assume("cloudfrontTransferOutGb") * c.global.cloudfrontTransferOutPerGb },
    { description: "CloudFront HTTPS requests", monthly: c.assume("cloudfrontRequestsMillions") * c.global.cloudfrontHttpsRequestsPerMillion },
  ],
  aws_wafv2_web_acl: (c) => {
    const rules = Array.isArray(c.values.rule) ? c.values.rule.length : 0;
    return [
      { description: "web ACL", monthly: c.global.wafWebAclMonthly },
      { description: `${rules} rule(s)`, monthly: rules * c.global.wafRuleMonthly },
      { description: "WAF requests", monthly: c.assume("wafRequestsMillions") * c.global.wafRequestsPerMillion },
    ];
  },
  aws_route53_zone: (c) => [
    { description: "hosted zone", monthly: c.global.route53HostedZoneMonthly },
    { description: "DNS queries", monthly: c.assume("route53QueriesMillions") * c.global.route53QueriesPerMillion },
  ],
  aws_ecr_repository: (c) => [{ description: "image storage", monthly: c.assume("ecrStoredGb") * c.regional().ecrStorageGbMonthly }],
  ...GUARDRAIL_PRICERS,
};

/** Resource types the estimator prices (the rest are free by the price table, or reported as unknown). */
export const PRICED_TYPES: readonly string[] = Object.keys(PRICERS);

/** Prices every synthesized stack; stacks are grouped per environment, bootstrap stacks per account. */
export function estimate(stacks: readonly SynthesizedStack[], prices: PriceTable = defaultPrices): CostReport {
  const unknown = new Map<string, { count: number; stacks: Set<string> }>();
  const unpriced: Unpriced[] = [];
  const usedAssumptions = new Set<AssumptionName>();
  const noCharge = prices.noCharge as Record<string, string>;
  // A stack without an AWS provider (Terraform Cloud's workspaces and agent pool, tfe only) has no AWS bill.
  const onAws = stacks.filter((stack) => (stack.json.provider?.aws ?? []).length > 0);
  const estimates = onAws.map((stack): StackEstimate => {
    const { region } = awsLocation(stack);
    const items: LineItem[] = [];
    let freeResources = 0;
    for (const resource of resourcesOf(stack)) {
      const address = `${resource.type}.${resource.name}`;
      const pricer = PRICERS[resource.type];
      if (!pricer) {
        if (noCharge[resource.type]) {
          freeResources += 1;
        } else {
          const entry = unknown.get(resource.type) ?? { count: 0, stacks: new Set<string>() };
          entry.count += 1;
          entry.stacks.add(stack.name);
          unknown.set(resource.type, entry);
        }
        continue;
      }
      const assumptions = new Set<AssumptionName>();
      const resourceRegion = regionOf(stack, resource.values.provider) ?? region;
      let derivedRegion: string | undefined;
      const regionalAt = (name: string): RegionPrices => {
        const table = (prices.regions as Record<string, RegionPrices>)[name];
        if (table) return table;
        const reference = (prices.regions as Record<string, RegionPrices>)[prices.derivedRegions.from];
        if (!COMMERCIAL_REGIONS.has(name) || !reference) throw new Unpriceable(`no prices for region ${name}`);
        derivedRegion = name;
        return reference;
      };
      try {
        const charges = pricer({
          values: resource.values,
          region: resourceRegion,
          hours: prices.assumptions.hoursPerMonth.value,
          regional: () => regionalAt(resourceRegion),
          regionalAt,
          global: prices.global,
          assume: (name) => {
            assumptions.add(name);
            return prices.assumptions[name].value;
          },
          referenced: (expression) => {
            const target = referencedResource(stack, expression);
            return target && { values: target, region: regionOf(stack, target.provider) ?? region };
          },
        });
        assumptions.forEach((name) => usedAssumptions.add(name));
        if (charges.length === 0) freeResources += 1;
        const regionNote = derivedRegion && `${derivedRegion} priced at ${prices.derivedRegions.from} list prices (the table lists none for ${derivedRegion})`;
        for (const charge of charges) {
          const derived = [regionNote, charge.derived].filter((note): note is string => !!note).join("; ");
          items.push({
            stack: stack.name,
            address,
            resource: constructPath(stack, resource.values),
            description: charge.description,
            monthly: cents(charge.monthly),
            assumptions: [...assumptions],
            ...(derived ? { derived } : {}),
          });
        }
      } catch (error) {
        if (!(error instanceof Unpriceable)) throw error;
        unpriced.push({ stack: stack.name, address, reason: error.message });
      }
    }
    const lowerBound = unpriced.some((entry) => entry.stack === stack.name);
    return { name: stack.name, region, monthly: cents(sum(items)), items, freeResources, lowerBound };
  });
  const environmentNames = [...new Set(stacks.map((stack) => environmentOf(stack.name)).filter((name): name is string => !!name))];
  return {
    currency: prices.currency,
    priceTable: { source: prices.source, retrieved: prices.retrieved },
    environments: environmentNames.map((name) => {
      const own = estimates.filter((stack) => environmentOf(stack.name) === name);
      return { name, monthly: cents(sum(own)), lowerBound: own.some((stack) => stack.lowerBound), stacks: own };
    }),
    account: estimates.filter((stack) => environmentOf(stack.name) === undefined),
    assumptions: Object.fromEntries(
      (Object.keys(prices.assumptions) as AssumptionName[])
        .filter((name) => name === "hoursPerMonth" || usedAssumptions.has(name))
        .map((name) => [name, prices.assumptions[name]]),
    ),
    unknown: [...unknown.entries()]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([type, entry]) => ({ type, count: entry.count, stacks: [...entry.stacks].sort() })),
    unpriced,
    derived: [...new Set(estimates.flatMap((stack) => stack.items.flatMap((item) => (item.derived ? item.derived.split("; ") : []))))].sort(),
  };
}

/** A fixed-width table: one row per stack, a total per environment, then assumptions and what was not priced. */
export function formatReport(report: CostReport, options: { items?: boolean } = {}): string {
  const rows: string[][] = [["environment", "stack", "region", `${report.currency}/month`]];
  const stackRows = (environment: string, stack: StackEstimate): string[][] => [
    [environment, stack.name, stack.region, money(stack.monthly, stack.lowerBound)],
    ...(options.items
      ? stack.items
          .filter((item) => item.monthly > 0)
          .map((item) => ["", `  ${item.resource}: ${item.description}${item.derived ? " *" : ""}`, "", money(item.monthly)])
      : []),
  ];
  for (const environment of report.environments) {
    environment.stacks.forEach((stack) => rows.push(...stackRows(environment.name, stack)));
    rows.push([environment.name, "total", "", money(environment.monthly, environment.lowerBound)]);
  }
  report.account.forEach((stack) => rows.push(...stackRows("(account)", stack)));
  const widths = rows.reduce<number[]>((max, row) => row.map((cell, column) => Math.max(max[column] ?? 0, cell.length)), []);
  const lines = rows.map((row) =>
    row.map((cell, column) => (column === row.length - 1 ? cell.padStart(widths[column] ?? 0) : cell.padEnd(widths[column] ?? 0))).join("  "),
  );
  lines.splice(1, 0, widths.map((width) => "-".repeat(width)).join("  "));
  lines.push("", `Prices: ${report.priceTable.source}, retrieved ${report.priceTable.retrieved} (tools/cost/prices.json).`, "Assumptions:");
  for (const [name, assumption] of Object.entries(report.assumptions)) {
    lines.push(`  ${name} = ${assumption.value} ${assumption.unit}: ${assumption.why}`);
  }
  lines.push(report.unknown.length === 0 ? "Unknown resource types: none." : "Unknown resource types (not priced, not in the price table's noCharge list):");
  report.unknown.forEach((entry) => lines.push(`  ${entry.type} × ${entry.count} in ${entry.stacks.join(", ")}`));
  if (report.derived.length > 0) {
    lines.push("Derived, not listed in the price table (figures marked * in --items):");
    report.derived.forEach((note) => lines.push(`  ${note}`));
  }
  if (report.unpriced.length > 0) lines.push("Not priced (totals marked ≥ leave them out and are lower bounds):");
  report.unpriced.forEach((entry) => lines.push(`  ${entry.stack}: ${entry.address}: ${entry.reason}`));
  return `${lines.join("\n")}\n`;
}

function rootVolumeGib(c: PricingContext): number {
  const template = c.referenced((c.values.launch_template as { id?: unknown } | undefined)?.id)?.values;
  const mappings = template?.block_device_mappings as { ebs?: { volume_size?: number; volume_type?: string } }[] | undefined;
  const ebs = mappings?.[0]?.ebs;
  if (ebs && (ebs.volume_type ?? "gp3") !== "gp3") throw new Unpriceable(`root volume type ${ebs.volume_type} is not in the price table`);
  return Number(ebs?.volume_size ?? c.values.disk_size ?? 20);
}

function constructPath(stack: SynthesizedStack, values: ResourceValues): string {
  const path = (values["//"] as { metadata?: { path?: string } } | undefined)?.metadata?.path ?? "";
  return path.startsWith(`${stack.name}/`) ? path.slice(stack.name.length + 1) : path;
}

function lookup(table: Record<string, number>, key: string, what: string): number {
  const value = table[key];
  if (value === undefined) throw new Unpriceable(`no ${what}`);
  return value;
}

/** The resource a `${type.name.attribute}` expression points at, within the same stack. */
function referencedResource(stack: SynthesizedStack, expression: unknown): ResourceValues | undefined {
  const [, type = "", name = ""] = (typeof expression === "string" && /^\$\{([a-z0-9_]+)\.([^.}]+)\./.exec(expression)) || [];
  return stack.json.resource?.[type]?.[name];
}

function sum(entries: readonly { monthly: number }[]): number {
  return entries.reduce((total, entry) => total + entry.monthly, 0);
}

function cents(value: number): number {
  return Math.round(value * 100) / 100;
}

/** A figure as the table prints it; `≥` marks a lower bound (some resource of it is not priced). */
export function money(value: number, lowerBound = false): string {
  return `${lowerBound ? "≥ " : ""}${value.toLocaleString("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;
}
