import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { ConfigError, formatProblem, loadEnvironments, optionsFromEnv } from "../../config";
import { SHIPPED_CONFIG_DIR, tier } from "../support/environments";

const VALID = `project: shop
tier: production
account:
  id: "123456789012"
  region: eu-central-1
network:
  cidr: 10.0.0.0/16
  availabilityZones: [eu-central-1a, eu-central-1b, eu-central-1c]
`;

/** Writes environment files into a fresh folder and returns the loader's error lines (or [] when they load). */
function errorsFor(files: Record<string, string>, environments?: string[]): string[] {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "config-"));
  for (const [name, text] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), text);
  try {
    loadEnvironments({ dir, environments });
    return [];
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    // The loader shows paths relative to the working directory; the folder is dropped to keep expectations short.
    const shownDir = `${path.relative(process.cwd(), dir)}${path.sep}`;
    return error.problems.map((problem) => formatProblem(problem).split(shownDir).join(""));
  }
}

describe("config loader", () => {
  it("loads the shipped dev, staging and prod environments, named after their files", () => {
    const environments = loadEnvironments({ dir: SHIPPED_CONFIG_DIR });
    expect(environments.map((environment) => environment.name)).toEqual(
      fs
        .readdirSync(SHIPPED_CONFIG_DIR)
        .filter((file) => file.endsWith(".yaml"))
        .map((file) => file.slice(0, -".yaml".length))
        .sort(),
    );
    expect(environments.find((environment) => environment.name === "prod")).toMatchObject({
      isProduction: true,
      prefix: tier.production.prefix,
      partition: "aws",
      state: { backend: "s3", bucket: `${tier.production.project}-tfstate-${tier.production.account.id}`, region: tier.production.account.region },
    });
  });

  it("fills defaults: NAT per AZ, flow logs for a year, the default endpoints", () => {
    const [environment] = loadEnvironments({ dir: writeDir({ "qa.yaml": VALID }) });
    expect(environment.network).toMatchObject({
      oneNatGatewayPerAz: true,
      flowLogs: { enabled: true, retentionDays: 365, trafficType: "ALL" },
      endpoints: { s3Gateway: true, interface: ["ecr.api", "ecr.dkr", "sts", "logs", "ec2"] },
    });
    expect(environment.tags).toEqual({});
  });

  it("selects environments from PLATFORM_ENVS and the folder from PLATFORM_CONFIG_DIR", () => {
    expect(optionsFromEnv({ PLATFORM_ENVS: " prod, dev ,", PLATFORM_CONFIG_DIR: "elsewhere" })).toEqual({
      dir: "elsewhere",
      environments: ["prod", "dev"],
    });
    expect(optionsFromEnv({})).toEqual({ dir: "config", environments: undefined });
    const selected = loadEnvironments({ dir: SHIPPED_CONFIG_DIR, environments: ["prod"] });
    expect(selected.map((environment) => environment.name)).toEqual(["prod"]);
  });

  // Each malformed file gives exactly the lines a user needs: file, dotted path, what is wrong and what is allowed.
  const malformed: [string, Record<string, string>, unknown[]][] = [
    [
      "a YAML syntax error, with line and column",
      { "dev.yaml": "project: shop\n  tier: x\n" },
      [
        "dev.yaml: line 1, column 10: YAML syntax error: Nested mappings are not allowed in compact mappings",
        "dev.yaml: line 1, column 10: YAML syntax error: Implicit keys need to be on a single line",
      ],
    ],
    ["a duplicated key", { "dev.yaml": `${VALID}project: other\n` }, ["dev.yaml: line 9, column 1: YAML syntax error: Map keys must be unique"]],
    [
      "a misspelt key",
      { "dev.yaml": VALID.replace("network:", "netwrok:") },
      [
        "dev.yaml: network: is required (object): The VPC and its subnets.",
        expect.stringMatching(
          /^dev\.yaml: netwrok: unknown key \(did you mean "network"\?\); allowed keys here: project, tier, account, tags, state, network, /,
        ),
      ],
    ],
    [
      "an account id that lost its leading zero",
      { "dev.yaml": VALID.replace('"123456789012"', "12345678901") },
      ["dev.yaml: account.id: must be a 12-digit AWS account id in quotes (YAML drops leading zeros of bare numbers); got 12345678901"],
    ],
    [
      "an AZ of another region",
      { "dev.yaml": VALID.replace("eu-central-1b,", "eu-west-1b,") },
      [
        'dev.yaml: network.availabilityZones[1]: "eu-west-1b" is not an availability zone of eu-central-1; expected eu-central-1 followed by a letter, e.g. eu-central-1a',
      ],
    ],
    [
      "a production tier in two AZs",
      { "dev.yaml": VALID.replace(", eu-central-1c]", "]") },
      ["dev.yaml: network.availabilityZones: a production tier needs at least 3 availability zones, got 2"],
    ],
    [
      "a VPC CIDR with host bits",
      { "dev.yaml": VALID.replace("10.0.0.0/16", "10.0.0.1/16") },
      ['dev.yaml: network.cidr: "10.0.0.1/16" has host bits set; the network address is 10.0.0.0/16'],
    ],
    [
      "a VPC too small for the subnet plan",
      { "dev.yaml": VALID.replace("10.0.0.0/16", "10.0.0.0/18") },
      [
        "dev.yaml: network.cidr: 10.0.0.0/18 (16384 addresses) is too small for the subnet plan: each tier reserves room for 6 AZs (52224 addresses); use a larger VPC CIDR, longer subnet prefix lengths or explicit cidrs",
      ],
    ],
    [
      "overlapping explicit subnets",
      {
        "dev.yaml": `${VALID}  subnets:\n    public: {cidrs: [10.0.0.0/24, 10.0.1.0/24, 10.0.2.0/24]}\n    database: {cidrs: [10.0.2.0/25, 10.0.3.0/24, 10.0.4.0/24]}\n`,
      },
      ["dev.yaml: network.subnets.database.cidrs[0]: 10.0.2.0/25 overlaps public subnet 10.0.2.0/24; subnets may not overlap"],
    ],
    [
      "a retention CloudWatch does not accept",
      { "dev.yaml": `${VALID}  flowLogs: {retentionDays: 42}\n` },
      [
        "dev.yaml: network.flowLogs.retentionDays: must be a CloudWatch Logs retention: 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288 or 3653 days; got 42",
      ],
    ],
    [
      "an unknown tier",
      { "dev.yaml": VALID.replace("tier: production", "tier: prod") },
      ['dev.yaml: tier: must be one of "development", "staging", "production"; got "prod"'],
    ],
    ["an empty file", { "dev.yaml": "" }, ["dev.yaml: (top level): the file is empty; expected a mapping with project, tier, account, network"]],
    [
      "Terraform Cloud without an organization",
      { "dev.yaml": `${VALID}state: {backend: cloud}\n` },
      ["dev.yaml: state.organization: is required (string): Terraform Cloud organization that owns the workspaces."],
    ],
    [
      "a single NAT gateway in production",
      { "dev.yaml": `${VALID}  oneNatGatewayPerAz: false\n` },
      ["dev.yaml: network.oneNatGatewayPerAz: must be true for a production tier: a single NAT gateway makes one AZ a point of failure for all egress"],
    ],
    [
      "a reserved tag key",
      { "dev.yaml": `${VALID}tags: {"aws:owner": me}\n` },
      [`dev.yaml: tags.aws:owner: key "aws:owner": tag keys may not start with 'aws:' (reserved by AWS)`],
    ],
    [
      "two environments of one account with different state buckets",
      {
        "aa.yaml": VALID,
        "bb.yaml": VALID.replace("project: shop", "project: shop2") + "state: {backend: s3, bucket: other-bucket}\n",
      },
      [
        'bb.yaml: state.bucket: is "other-bucket" but aa.yaml uses "shop-tfstate-123456789012" in the same account 123456789012; environments of one account share the bootstrap stack\'s state bucket',
      ],
    ],
    [
      "two environments of one account that disagree about its GitHub OIDC provider",
      {
        "aa.yaml": VALID,
        "bb.yaml":
          VALID.replace("project: shop", "project: shop2").replace("region: eu-central-1", "region: eu-central-1\n  githubOidcProvider: existing") +
          "state: {backend: s3, bucket: shop-tfstate-123456789012}\n",
      },
      [
        'bb.yaml: account.githubOidcProvider: is "existing" but aa.yaml says "create" for the same account 123456789012; it is a fact about the account, so every environment in it must say the same',
      ],
    ],
    [
      "creating the Auto Scaling service-linked role without the bootstrap stack",
      {
        "dev.yaml":
          VALID.replace("region: eu-central-1", "region: eu-central-1\n  autoScalingServiceLinkedRole: create") +
          "state: {backend: cloud, organization: acme}\n",
      },
      [
        "dev.yaml: account.autoScalingServiceLinkedRole: create needs the bootstrap stack (state.backend s3); with Terraform Cloud create the role once: aws iam create-service-linked-role --aws-service-name autoscaling.amazonaws.com, then say existing",
      ],
    ],
  ];

  it.each(malformed)("reports %s in one line per problem", (_, files, expected) => {
    expect(errorsFor(files)).toEqual(expected);
  });

  it("reports every problem of every file at once", () => {
    const lines = errorsFor({ "aa.yaml": VALID.replace("tier: production", "tier: x"), "bb.yaml": VALID.replace("10.0.0.0/16", "10.0.0.0/33") });
    expect(lines).toEqual([
      'aa.yaml: tier: must be one of "development", "staging", "production"; got "x"',
      'bb.yaml: network.cidr: "10.0.0.0/33" is not an IPv4 CIDR block such as 10.0.0.0/16',
    ]);
  });

  it("names a selected environment that has no file, and lists the ones that do", () => {
    expect(errorsFor({ "dev.yaml": VALID }, ["qa"])).toEqual(['qa.yaml: PLATFORM_ENVS: names environment "qa" but there is no such file; available: dev']);
  });

  it("rejects a file name that cannot be an environment name", () => {
    expect(errorsFor({ "Prod_EU.yaml": VALID })).toEqual([
      `Prod_EU.yaml: (file name): environment name "Prod_EU" must be 2-20 characters of a-z, 0-9 and '-', starting with a letter`,
    ]);
  });
});

function writeDir(files: Record<string, string>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "config-"));
  for (const [name, text] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), text);
  return dir;
}
