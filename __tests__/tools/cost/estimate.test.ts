import { CostReport, estimate, formatReport, LineItem, money, PRICED_TYPES } from "../../../tools/cost/estimate";
import prices from "../../../tools/cost/prices.json";
import { SynthesizedStack } from "../../../tools/lib/synth-output";
import { bootstrapStackName } from "../../../stacks/bootstrap-stack";
import { guardrailsStacks } from "../../../main";
import { terraformCloudTrustStackName } from "../../../stacks/terraform-cloud-stack";
import { AWS_REGIONS } from "../../../config/schema/aws-catalog";
import type { EnvironmentConfig } from "../../../config";
import { committedEnvironments, hasPipelines, shippedEnvironments, testApp, tier, withS3State } from "../../support/environments";
import { fixtureStack, synthesizeShipped } from "../support";

/** The budget of a development environment with every layer present, at list price (issue 15). */
const DEVELOPMENT_BUDGET_USD = 400;

let shipped: SynthesizedStack[];
let report: CostReport;

beforeAll(() => {
  shipped = synthesizeShipped();
  report = estimate(shipped);
});

const environment = (name: string) => report.environments.find((candidate) => candidate.name === name)!;
const items = (stack: string): readonly LineItem[] => report.environments.flatMap((env) => env.stacks).find((candidate) => candidate.name === stack)!.items;
const hours = prices.assumptions.hoursPerMonth.value;
/** The prices the estimate uses for a region: its own, or (a commercial region the table lacks) the reference region's. */
const regional = (region: string) => {
  const table = prices.regions as Record<string, (typeof prices.regions)["us-east-1"]>;
  return table[region] ?? table[prices.derivedRegions.from];
};
const home = () => regional(tier.production.account.region);
const listed = (region: string) => region in prices.regions;
/** AWS's commercial regions (not China, GovCloud or the isolated ones): the estimate prices one the table lacks at the reference region's list prices. */
const commercial = (region: string) => (AWS_REGIONS as readonly string[]).includes(region) && !/^cn-|-gov-|-iso/.test(region);
const derivedRegionNote = (region: string) => `${region} priced at ${prices.derivedRegions.from} list prices`;
const usedRegions = () => new Set(shipped.flatMap((stack) => (stack.json.provider?.aws ?? []).map((provider) => String(provider.region))));
const prod = () => tier.production;
const dev = () => tier.development;

describe("estimate of the shipped environments", () => {
  it.each(
    shippedEnvironments()
      .filter((env) => env.tier === "development")
      .map((env) => env.name),
  )("%s (development tier) costs at most $400 a month at list price", (name) => {
    expect(environment(name).lowerBound).toBe(false);
    expect(environment(name).monthly).toBeLessThanOrEqual(DEVELOPMENT_BUDGET_USD);
  });

  it("a development environment with every layer present (edge, GitHub pipeline roles) has production's stacks, within that budget", () => {
    const complete = (env: EnvironmentConfig) => env.tier === "development" && !!env.edge && hasPipelines(env);
    // The repository's own config has one; an adopter's may run development without some layer (then none is checked here).
    expect(committedEnvironments().filter(complete).length).toBeGreaterThan(0);
    const stackKinds = (name: string) =>
      environment(name)
        .stacks.map((stack) => stack.name.slice(name.length + 1))
        .sort();
    for (const env of shippedEnvironments().filter(complete)) {
      expect(stackKinds(env.name)).toEqual(stackKinds(prod().name));
      expect(environment(env.name).monthly).toBeLessThanOrEqual(DEVELOPMENT_BUDGET_USD);
    }
  });

  it("costs grow with the tier: development at most 40 % of production, staging between them", () => {
    const byTier = (wanted: string) =>
      shippedEnvironments()
        .filter((env) => env.tier === wanted)
        .map((env) => environment(env.name).monthly);
    for (const development of byTier("development")) for (const production of byTier("production")) expect(development).toBeLessThanOrEqual(0.4 * production);
    for (const staging of byTier("staging")) {
      expect(staging).toBeGreaterThan(Math.max(...byTier("development")));
      expect(staging).toBeLessThan(Math.min(...byTier("production")));
    }
  });

  it("each node group costs what its config implies: desired size × the instance type's hourly price (spot at the spot assumption)", () => {
    for (const env of shippedEnvironments()) {
      const cluster = items(`${env.name}-cluster`);
      // With Karpenter only the system pool is a node group (its NodePools are priced in __tests__/tools/cost/karpenter.test.ts).
      const karpenter = env.cluster.autoscaler === "karpenter" && !env.cluster.karpenter.keepNodeGroups;
      for (const [pool, group] of Object.entries(env.cluster.nodeGroups).filter(([pool]) => !karpenter || pool === "system")) {
        const spot = group.capacityType === "SPOT";
        const groups = group.oneGroupPerAz ? env.network.availabilityZones.length : 1;
        const compute = cluster.filter(
          (item) => item.resource.startsWith(`Eks/NodeGroup-${pool}`) && / (spot|on-demand) \(desired size\)$/.test(item.description),
        );
        expect(compute).toHaveLength(groups);
        const hourly = (regional(env.account.region).ec2OnDemandHourly as Record<string, number>)[group.instanceTypes[0]];
        const total = compute.reduce((sum, item) => sum + item.monthly, 0);
        expect(total).toBeCloseTo(group.desiredSize * groups * hourly * (spot ? 1 - prices.assumptions.spotDiscount.value : 1) * hours, 0);
      }
    }
  });

  it("prices every resource when every region the stacks use is in the price table or a commercial one (marked derived), and says lower bound otherwise", () => {
    expect(report.unknown).toEqual([]);
    const used = usedRegions();
    const priced = [...used].every((region) => listed(region) || commercial(region));
    expect(report.unpriced.length === 0).toBe(priced);
    for (const env of report.environments) expect(env.lowerBound).toBe(!priced && env.stacks.some((stack) => stack.lowerBound));
    // A commercial region the table lacks is priced at the reference region's list prices, and the report says so.
    const derivedRegions = [...used].filter((region) => !listed(region) && commercial(region)).sort();
    const regionNotes = report.derived.filter((note) => note.includes(` priced at ${prices.derivedRegions.from} list prices`));
    expect(regionNotes.map((note) => note.split(" ")[0]).sort()).toEqual(derivedRegions);
    const items = [...report.environments.flatMap((env) => env.stacks), ...report.account].flatMap((stack) => stack.items);
    for (const region of derivedRegions) expect(items.filter((item) => item.derived?.includes(derivedRegionNote(region))).length).toBeGreaterThan(0);
  });

  it("prices the in-cluster volumes of Prometheus, Alertmanager, Vault and Elasticsearch from the add-ons' values", () => {
    const volumes = items(`${prod().name}-platform`).filter((item) => item.description.includes("GiB gp3 volume ("));
    const gib = (resource: string) =>
      volumes.filter((item) => item.resource === resource).reduce((sum, item) => sum + item.monthly, 0) / home().ebsGp3GbMonthly;
    const { kubePrometheusStack, vault, elasticsearch } = prod().platform;
    const size = (quantity: string) => Number(quantity.replace(/Gi$/, ""));
    expect(gib("AddOns/kubePrometheusStack")).toBeGreaterThanOrEqual(size(kubePrometheusStack.prometheus.storageSize));
    expect(gib("AddOns/vault")).toBeCloseTo(vault.replicas * (10 + size(vault.auditStorageSize)), 0);
    if (elasticsearch.enabled) expect(gib("AddOns/elasticsearchManifests")).toBeCloseTo(elasticsearch.nodes * size(elasticsearch.storageSize), 0);
  });

  it("prices Velero's EBS snapshots per schedule (not in Terraform's state) and the copy of its bucket to the recovery region", () => {
    const platformItems = items(`${prod().name}-platform`);
    const snapshots = platformItems.filter((item) => item.resource === "AddOns/velero" && item.description.startsWith("EBS snapshots of Velero schedule"));
    const { kubePrometheusStack, elasticsearch, vault } = prod().platform;
    const stateful = [kubePrometheusStack.enabled, elasticsearch.enabled, vault.enabled].filter(Boolean).length;
    expect(snapshots).toHaveLength(prod().platform.velero.enabled ? stateful : 0);
    for (const item of snapshots) expect(item.monthly).toBeCloseTo(prices.assumptions.veleroSnapshotGbPerSchedule.value * home().ebsSnapshotGbMonthly, 2);
    const recovery = prod().database.disasterRecovery;
    const replication = platformItems.filter((item) => item.description.startsWith("replication to "));
    expect(replication.map((item) => item.description)).toEqual(
      recovery.mode !== "none" && prod().platform.velero.enabled ? [`replication to ${recovery.region}: inter-region transfer`] : [],
    );
    for (const item of replication) expect(item.monthly).toBeCloseTo(prices.assumptions.backupReplicatedGb.value * home().interRegionTransferPerGb, 2);
  });

  it("prices the load balancer the controller creates for Argo CD's ingress", () => {
    const alb = items(`${prod().name}-platform`).filter((item) => item.resource === "AddOns/argoCd" && item.description.includes("controller-created"));
    expect(alb.map((item) => item.description)).toEqual([
      "server.ingress: controller-created application load balancer hours",
      "server.ingress: controller-created 1 LCU",
    ]);
    expect(alb[0].monthly).toBeCloseTo(home().albHourly * hours, 1);
  });

  it("an environment's figure is the sum of its stacks, and each stack's the sum of its items", () => {
    for (const env of report.environments) {
      expect(env.monthly).toBeCloseTo(
        env.stacks.reduce((total, stack) => total + stack.monthly, 0),
        1,
      );
      for (const stack of env.stacks)
        expect(stack.monthly).toBeCloseTo(
          stack.items.reduce((total, item) => total + item.monthly, 0),
          1,
        );
    }
  });

  it("prices the development Serverless v2 writer at its minimum ACUs and production's instances as I/O-Optimized", () => {
    const minimum = dev().database.serverless.minCapacity;
    expect(items(`${dev().name}-data`).find((item) => item.resource.startsWith("Database/Instance-"))!.monthly).toBeCloseTo(
      minimum * regional(dev().account.region).auroraAcuHourly * hours,
      1,
    );
    const instanceClass = prod().database.instanceClass;
    const prodInstances = items(`${prod().name}-data`).filter((item) => item.description.startsWith(instanceClass));
    expect(prodInstances).toHaveLength(1 + prod().database.readers);
    const hourly = (home().auroraInstanceHourly as Record<string, number>)[instanceClass];
    expect(prodInstances[0].monthly).toBeCloseTo(hourly * home().auroraIoOptimizedMultiplier * hours, 1);
  });

  it("prices what production's database adds beyond instances and storage: Performance Insights kept past 7 days, Enhanced Monitoring, the managed master secret, backup storage", () => {
    const data = items(`${prod().name}-data`);
    const { performanceInsightsRetentionDays, monitoringIntervalSeconds, backupRetentionDays, instanceClass } = prod().database;
    const insights = data.filter((item) => item.description.startsWith("Performance Insights kept"));
    if (performanceInsightsRetentionDays > 7) {
      const vcpus = (prices.global.auroraInstanceVcpus as Record<string, number>)[instanceClass];
      const months = Math.round(performanceInsightsRetentionDays / 31);
      expect(insights).toHaveLength(1 + prod().database.readers);
      expect(insights[0].monthly).toBeCloseTo(
        vcpus * (prices.global.performanceInsightsFirstMonthPerVcpu + (months - 1) * prices.global.performanceInsightsExtraMonthPerVcpu),
        2,
      );
      expect(insights[0].derived).toContain("Performance Insights retention at the Asia Pacific (Tokyo) list rate");
    } else {
      expect(insights).toEqual([]);
    }
    const monitoring = data.filter((item) => item.description.startsWith("Enhanced Monitoring"));
    expect(monitoring).toHaveLength(monitoringIntervalSeconds > 0 ? 1 + prod().database.readers : 0);
    if (monitoringIntervalSeconds > 0) {
      const gb = (((hours * 3600) / monitoringIntervalSeconds) * prices.assumptions.enhancedMonitoringKbPerSample.value) / 1024 / 1024;
      expect(monitoring[0].monthly).toBeCloseTo(gb * home().cloudwatchLogsIngestedPerGb, 2);
    }
    expect(data.filter((item) => item.description === "RDS-managed master password secret").map((item) => item.monthly)).toEqual([home().secretMonthly]);
    const backup = data.find((item) => item.description.startsWith("backup storage beyond the free allowance"))!;
    expect(backup.monthly).toBeCloseTo(prices.assumptions.auroraDailyChangedGb.value * (backupRetentionDays - 1) * home().backupStorageGbMonthly, 2);
  });

  it("prices production's backup copy at the recovery region's prices", () => {
    const recovery = prod().database.disasterRecovery.region!;
    const copy = items(`${prod().name}-data`).find((item) => item.description.includes(`copy stored in ${recovery}`))!;
    expect(copy.monthly).toBeCloseTo(prices.assumptions.backupStoredGb.value * regional(recovery).backupStorageGbMonthly, 2);
  });

  it("prices one NAT gateway per AZ where the config asks for it and one otherwise, with the processed-GB assumption", () => {
    for (const env of shippedEnvironments()) {
      const nat = items(`${env.name}-network`).filter((item) => item.description === "NAT gateway hours");
      expect(nat).toHaveLength(env.network.oneNatGatewayPerAz ? env.network.availabilityZones.length : 1);
    }
    expect(items(`${prod().name}-network`).find((item) => item.description === "NAT gateway data processed")!.assumptions).toEqual(["natGatewayProcessedGb"]);
  });

  it("the price table has every region the shipped stacks use, each with the same kinds of price, and states its date", () => {
    const used = usedRegions();
    // the environments' regions, the recovery regions of backup copies, us-east-1 for CloudFront's certificate and web ACL
    const expected = shippedEnvironments().flatMap((env) => [
      env.account.region,
      ...(env.database.disasterRecovery.region ? [env.database.disasterRecovery.region] : []),
    ]);
    expect([...used].sort()).toEqual([...new Set([...expected, "us-east-1"])].sort());
    // Every region is priced: listed in the table, or a commercial one priced at the reference region's list prices.
    expect([...used].filter((region) => !listed(region) && !commercial(region))).toEqual([]);
    // The table lists every region of the config the repository ships (committed at HEAD): its figures are list prices.
    const committed = committedEnvironments().flatMap((env) => [
      env.account.region,
      ...(env.database.disasterRecovery.region ? [env.database.disasterRecovery.region] : []),
    ]);
    for (const region of new Set([...committed, "us-east-1", prices.derivedRegions.from])) expect(Object.keys(prices.regions)).toContain(region);
    const keys = (region: Record<string, unknown>) => Object.keys(region).sort();
    for (const region of Object.values(prices.regions)) expect(keys(region)).toEqual(keys(prices.regions["us-east-1"]));
    expect(prices.retrieved).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    expect(Object.keys(prices.sources)).toEqual(expect.arrayContaining(["ec2", "eks", "vpc", "aurora", "elb", "cloudfront", "waf", "kms", "cloudwatch"]));
  });

  it("puts the bootstrap and guardrails stacks under their accounts, not an environment", () => {
    // Accounts with an environment of S3 state have a bootstrap stack; those with one in Terraform Cloud its trust stack.
    const accounts = [...new Set(withS3State().map((environment) => environment.account.id))].sort();
    const inCloud = new Set(
      shippedEnvironments()
        .filter((environment) => environment.state.backend === "cloud")
        .map((environment) => environment.account.id),
    );
    expect(report.account.map((stack) => stack.name).sort()).toEqual(
      [
        ...accounts.map((account) => bootstrapStackName(account, accounts.length)),
        ...[...inCloud].map(terraformCloudTrustStackName),
        // An account whose environments turn on guardrails (production tiers by default) has its guardrails stack.
        ...guardrailsStacks(testApp(), shippedEnvironments(), shippedEnvironments()).map((stack) => stack.node.id),
      ].sort(),
    );
  });

  it("lists only the assumptions the figures use, each with value, unit and reason", () => {
    expect(Object.keys(report.assumptions)).toEqual(expect.arrayContaining(["hoursPerMonth", "spotDiscount", "natGatewayProcessedGb", "auroraStorageGb"]));
    expect(Object.keys(report.assumptions)).toEqual(expect.arrayContaining(["cloudfrontTransferOutGb", "wafRequestsMillions", "loadBalancerCapacityUnits"]));
    for (const assumption of Object.values(report.assumptions))
      expect(assumption).toEqual({ value: expect.any(Number), unit: expect.any(String), why: expect.any(String) });
  });
});

describe("JSON output for CI", () => {
  it("has the price table's date, environments with stacks and items, unknown and unpriced lists", () => {
    const json = JSON.parse(JSON.stringify(report)) as Record<string, unknown>;
    expect(Object.keys(json).sort()).toEqual(["account", "assumptions", "currency", "derived", "environments", "priceTable", "unknown", "unpriced"]);
    expect(json.priceTable).toEqual({ source: expect.stringContaining("AWS"), retrieved: prices.retrieved });
    expect(json.environments).toEqual(
      expect.arrayContaining([
        {
          name: dev().name,
          monthly: expect.any(Number),
          lowerBound: false,
          stacks: expect.arrayContaining([
            expect.objectContaining({
              name: `${dev().name}-network`,
              region: dev().account.region,
              monthly: expect.any(Number),
              lowerBound: false,
              freeResources: expect.any(Number),
              items: expect.any(Array),
            }),
          ]),
        },
      ]),
    );
  });

  it("the table shows each environment's total and the price table's date", () => {
    const table = formatReport(report);
    expect(table).toMatch(new RegExp(`^${prod().name}\\s+total\\s+${money(environment(prod().name).monthly).replace(/[.]/g, "\\.")}$`, "m"));
    expect(table).toContain(`retrieved ${prices.retrieved}`);
    expect(table).toContain("Unknown resource types: none.");
  });
});

describe("resources the price table does not know", () => {
  const made = estimate([
    fixtureStack("lab-network", {
      aws_made_up_thing: { One: {}, Two: {} },
      aws_eks_node_group: { Gpu: { instance_types: ["p5.48xlarge"], scaling_config: { desired_size: 1 } } },
      aws_iam_role: { Role: {} },
    }),
    fixtureStack("lab-data", { aws_kms_key: { Key: {} } }, { region: "cn-north-1" }),
  ]);

  it("lists an unknown resource type with its count and stacks instead of ignoring it", () => {
    expect(made.unknown).toEqual([{ type: "aws_made_up_thing", count: 2, stacks: ["lab-network"] }]);
    expect(formatReport(made)).toContain("aws_made_up_thing × 2 in lab-network");
  });

  it("marks a total with unpriced items as a lower bound, in the table (≥) and in JSON", () => {
    const lab = made.environments[0];
    expect(lab.lowerBound).toBe(true);
    expect(lab.stacks.map((stack) => [stack.name, stack.lowerBound])).toEqual([
      ["lab-network", true],
      ["lab-data", true],
    ]);
    expect(formatReport(made)).toMatch(/^lab\s+total\s+≥ \d/m);
    const priced = estimate([fixtureStack("lab-network", { aws_kms_key: { Key: {} } })]);
    expect(priced.environments[0].lowerBound).toBe(false);
    expect(formatReport(priced)).not.toContain("≥");
  });

  it("prices Graviton instance types in every priced region", () => {
    for (const region of Object.values(prices.regions)) {
      expect(Object.keys(region.ec2OnDemandHourly)).toEqual(expect.arrayContaining(["t4g.medium", "t4g.large", "m7g.large", "r7g.large"]));
    }
  });

  it("reports an instance type or region without prices as not priced, with the reason", () => {
    expect(made.unpriced).toEqual([
      { stack: "lab-network", address: "aws_eks_node_group.Gpu", reason: "no EC2 price for p5.48xlarge in eu-west-1" },
      { stack: "lab-data", address: "aws_kms_key.Key", reason: "no prices for region cn-north-1" },
    ]);
  });

  it("prices a commercial region the table does not list at the reference region's prices, and says so", () => {
    const derived = estimate([fixtureStack("lab-data", { aws_kms_key: { Key: {} } }, { region: "ap-south-2" })]);
    const reference = (prices.regions as Record<string, { kmsKeyMonthly: number }>)[prices.derivedRegions.from];
    expect(derived.unpriced).toEqual([]);
    expect(derived.environments[0].lowerBound).toBe(false);
    expect(derived.environments[0].monthly).toBe(reference.kmsKeyMonthly);
    expect(derived.environments[0].stacks[0].items[0].derived).toBe(
      `ap-south-2 priced at ${prices.derivedRegions.from} list prices (the table lists none for ap-south-2)`,
    );
    expect(derived.derived).toEqual([`ap-south-2 priced at ${prices.derivedRegions.from} list prices (the table lists none for ap-south-2)`]);
    expect(formatReport(derived)).toContain("Derived, not listed in the price table");
    expect(formatReport(derived, { items: true })).toMatch(/customer managed key \*/);
  });

  it("counts free resources without pricing them", () => {
    expect(made.environments[0].stacks[0].freeResources).toBe(1);
  });
});

describe("edge resources (ALB, CloudFront, WAF, Route 53, ECR, ACM)", () => {
  const edge = estimate([
    fixtureStack(
      "shop-edge",
      {
        aws_lb: { Alb: { load_balancer_type: "application" } },
        aws_cloudfront_distribution: { Cdn: {} },
        aws_wafv2_web_acl: { Acl: { rule: [{ name: "a" }, { name: "b" }, { name: "c" }] } },
        aws_route53_zone: { Zone: {} },
        aws_ecr_repository: { App: {} },
        aws_acm_certificate: { Cert: {} },
        aws_cloudwatch_log_group: { WafLogs: { provider: "aws.global", retention_in_days: 30 } },
      },
      { aliases: { global: "us-east-1" } },
    ),
  ]);
  const priced = (address: string) => edge.environments[0].stacks[0].items.filter((item) => item.address === address);

  it("has a price for every edge resource type, ACM certificates free", () => {
    expect(PRICED_TYPES).toEqual(
      expect.arrayContaining(["aws_lb", "aws_cloudfront_distribution", "aws_wafv2_web_acl", "aws_route53_zone", "aws_ecr_repository"]),
    );
    expect(edge.unknown).toEqual([]);
    expect(edge.environments[0].stacks[0].freeResources).toBe(1);
  });

  it("charges the WAF web ACL its base fee plus one fee per rule", () => {
    const acl = priced("aws_wafv2_web_acl.Acl");
    expect(acl.find((item) => item.description === "web ACL")!.monthly).toBe(prices.global.wafWebAclMonthly);
    expect(acl.find((item) => item.description === "3 rule(s)")!.monthly).toBe(3 * prices.global.wafRuleMonthly);
  });

  it("prices a resource of an aliased provider (CloudFront's us-east-1) at that region's prices", () => {
    const ingestion = priced("aws_cloudwatch_log_group.WafLogs").find((item) => item.description === "log ingestion")!;
    expect(ingestion.monthly).toBeCloseTo(prices.assumptions.logIngestedGb.value * prices.regions["us-east-1"].cloudwatchLogsIngestedPerGb, 2);
  });

  it("charges the ALB its hours and the LCU assumption", () => {
    const total = priced("aws_lb.Alb").reduce((sum, item) => sum + item.monthly, 0);
    expect(total).toBeCloseTo((prices.regions["eu-west-1"].albHourly + prices.regions["eu-west-1"].albLcuHourly) * hours, 1);
  });
});
