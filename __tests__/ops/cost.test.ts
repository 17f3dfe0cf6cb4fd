import { CostReport, estimate, formatReport, LineItem, PRICED_TYPES } from "../../scripts/cost/estimate";
import prices from "../../scripts/cost/prices.json";
import { SynthesizedStack } from "../../scripts/synthesized";
import { fixtureStack, synthesizeShipped } from "./support";

/**
 * The monthly estimate of each shipped environment, pinned when the price table was written (2026-11-22).
 * TOLERANCE: a change of the configs, the constructs or the price table that moves an environment by more than
 * ±10 % fails here, so whoever makes it re-reads the estimate and updates the figure (README and docs/operations.md
 * quote these figures too).
 */
const PINNED_MONTHLY_USD: Record<string, number> = { dev: 626.73, staging: 1855.46, prod: 3466.96 };
const TOLERANCE = 0.1;

let shipped: SynthesizedStack[];
let report: CostReport;

beforeAll(() => {
  shipped = synthesizeShipped();
  report = estimate(shipped);
});

const environment = (name: string) => report.environments.find((candidate) => candidate.name === name)!;
const items = (stack: string): readonly LineItem[] => report.environments.flatMap((env) => env.stacks).find((candidate) => candidate.name === stack)!.items;
const hours = prices.assumptions.hoursPerMonth.value;
const ireland = prices.regions["eu-west-1"];

describe("estimate of the shipped environments", () => {
  it.each(Object.entries(PINNED_MONTHLY_USD))("%s costs its pinned monthly figure within ±10 %%", (name, pinned) => {
    const monthly = environment(name).monthly;
    expect(Math.abs(monthly - pinned) / pinned).toBeLessThanOrEqual(TOLERANCE);
  });

  it("dev costs at most 40 % of prod", () => {
    expect(environment("dev").monthly).toBeLessThanOrEqual(0.4 * environment("prod").monthly);
  });

  it("prices every resource: no unknown type and nothing left unpriced", () => {
    expect(report.unknown).toEqual([]);
    expect(report.unpriced).toEqual([]);
  });

  it("an environment's figure is the sum of its stacks, and each stack's the sum of its items", () => {
    for (const env of report.environments) {
      expect(env.monthly).toBeCloseTo(env.stacks.reduce((total, stack) => total + stack.monthly, 0), 1);
      for (const stack of env.stacks) expect(stack.monthly).toBeCloseTo(stack.items.reduce((total, item) => total + item.monthly, 0), 1);
    }
  });

  it("prices node groups at their desired size, spot groups at the spot assumption", () => {
    const spot = items("prod-cluster").find((item) => item.description.includes("spot"))!;
    expect(spot.description).toBe("3 × m7i.xlarge spot (desired size)");
    expect(spot.monthly).toBeCloseTo(3 * ireland.ec2OnDemandHourly["m7i.xlarge"] * (1 - prices.assumptions.spotDiscount.value) * hours, 1);
    expect(spot.assumptions).toContain("spotDiscount");
    const system = items("prod-cluster").find((item) => item.resource.startsWith("NodeGroup-system") && item.description.includes("on-demand"))!;
    expect(system.monthly).toBeCloseTo(3 * ireland.ec2OnDemandHourly["m7i.large"] * hours, 1);
  });

  it("prices dev's Serverless v2 writer at its minimum ACUs and prod's instances as I/O-Optimized", () => {
    expect(items("dev-data").find((item) => item.resource === "Database/Writer")!.monthly).toBeCloseTo(0.5 * ireland.auroraAcuHourly * hours, 1);
    const prodInstances = items("prod-data").filter((item) => item.description.startsWith("db.r7g.xlarge"));
    expect(prodInstances).toHaveLength(3);
    expect(prodInstances[0].monthly).toBeCloseTo(ireland.auroraInstanceHourly["db.r7g.xlarge"] * ireland.auroraIoOptimizedMultiplier * hours, 1);
  });

  it("prices prod's backup copy at the recovery region's prices", () => {
    const copy = items("prod-data").find((item) => item.description.includes("copy stored in eu-central-1"))!;
    expect(copy.monthly).toBeCloseTo(prices.assumptions.backupStoredGb.value * prices.regions["eu-central-1"].backupStorageGbMonthly, 2);
  });

  it("prices one NAT gateway in dev and three in prod, with the processed-GB assumption", () => {
    const nat = (stack: string) => items(stack).filter((item) => item.description === "NAT gateway hours");
    expect(nat("dev-network")).toHaveLength(1);
    expect(nat("prod-network")).toHaveLength(3);
    expect(items("prod-network").find((item) => item.description === "NAT gateway data processed")!.assumptions).toEqual(["natGatewayProcessedGb"]);
  });

  it("the price table has every region the shipped stacks use, each with the same kinds of price, and states its date", () => {
    const used = new Set(shipped.flatMap((stack) => (stack.json.provider?.aws ?? []).map((provider) => String(provider.region))));
    // eu-west-1: the environments; eu-central-1: prod's backup copies; us-east-1: CloudFront's certificate and web ACL
    expect([...used].sort()).toEqual(["eu-central-1", "eu-west-1", "us-east-1"]);
    for (const region of used) expect(Object.keys(prices.regions)).toContain(region);
    const keys = (region: Record<string, unknown>) => Object.keys(region).sort();
    for (const region of Object.values(prices.regions)) expect(keys(region)).toEqual(keys(ireland));
    expect(prices.retrieved).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    expect(Object.keys(prices.sources)).toEqual(expect.arrayContaining(["ec2", "eks", "vpc", "aurora", "elb", "cloudfront", "waf", "kms", "cloudwatch"]));
  });

  it("puts the bootstrap stack under the account, not an environment", () => {
    expect(report.account.map((stack) => stack.name)).toEqual(["bootstrap"]);
  });

  it("lists only the assumptions the figures use, each with value, unit and reason", () => {
    expect(Object.keys(report.assumptions)).toEqual(expect.arrayContaining(["hoursPerMonth", "spotDiscount", "natGatewayProcessedGb", "auroraStorageGb"]));
    expect(Object.keys(report.assumptions)).toEqual(expect.arrayContaining(["cloudfrontTransferOutGb", "wafRequestsMillions", "loadBalancerCapacityUnits"]));
    for (const assumption of Object.values(report.assumptions)) expect(assumption).toEqual({ value: expect.any(Number), unit: expect.any(String), why: expect.any(String) });
  });
});

describe("JSON output for CI", () => {
  it("has the price table's date, environments with stacks and items, unknown and unpriced lists", () => {
    const json = JSON.parse(JSON.stringify(report)) as Record<string, unknown>;
    expect(Object.keys(json).sort()).toEqual(["account", "assumptions", "currency", "environments", "priceTable", "unknown", "unpriced"]);
    expect(json.priceTable).toEqual({ source: expect.stringContaining("AWS"), retrieved: prices.retrieved });
    expect(json.environments).toEqual(
      expect.arrayContaining([
        {
          name: "dev",
          monthly: expect.any(Number),
          stacks: expect.arrayContaining([
            expect.objectContaining({ name: "dev-network", region: "eu-west-1", monthly: expect.any(Number), freeResources: expect.any(Number), items: expect.any(Array) }),
          ]),
        },
      ]),
    );
  });

  it("the table shows each environment's total and the price table's date", () => {
    const table = formatReport(report);
    expect(table).toMatch(/^prod\s+total\s+3,\d{3}\.\d{2}$/m);
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
    fixtureStack("lab-data", { aws_kms_key: { Key: {} } }, { region: "ap-south-2" }),
  ]);

  it("lists an unknown resource type with its count and stacks instead of ignoring it", () => {
    expect(made.unknown).toEqual([{ type: "aws_made_up_thing", count: 2, stacks: ["lab-network"] }]);
    expect(formatReport(made)).toContain("aws_made_up_thing × 2 in lab-network");
  });

  it("reports an instance type or region without prices as not priced, with the reason", () => {
    expect(made.unpriced).toEqual([
      { stack: "lab-network", address: "aws_eks_node_group.Gpu", reason: "no EC2 price for p5.48xlarge in eu-west-1" },
      { stack: "lab-data", address: "aws_kms_key.Key", reason: "no prices for region ap-south-2" },
    ]);
  });

  it("counts free resources without pricing them", () => {
    expect(made.environments[0].stacks[0].freeResources).toBe(1);
  });
});

describe("edge resources (ALB, CloudFront, WAF, Route 53, ECR, ACM)", () => {
  const edge = estimate([
    fixtureStack("shop-edge", {
      aws_lb: { Alb: { load_balancer_type: "application" } },
      aws_cloudfront_distribution: { Cdn: {} },
      aws_wafv2_web_acl: { Acl: { rule: [{ name: "a" }, { name: "b" }, { name: "c" }] } },
      aws_route53_zone: { Zone: {} },
      aws_ecr_repository: { App: {} },
      aws_acm_certificate: { Cert: {} },
      aws_cloudwatch_log_group: { WafLogs: { provider: "aws.global", retention_in_days: 30 } },
    }, { aliases: { global: "us-east-1" } }),
  ]);
  const priced = (address: string) => edge.environments[0].stacks[0].items.filter((item) => item.address === address);

  it("has a price for every edge resource type, ACM certificates free", () => {
    expect(PRICED_TYPES).toEqual(expect.arrayContaining(["aws_lb", "aws_cloudfront_distribution", "aws_wafv2_web_acl", "aws_route53_zone", "aws_ecr_repository"]));
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
    expect(total).toBeCloseTo((ireland.albHourly + ireland.albLcuHourly) * hours, 1);
  });
});
