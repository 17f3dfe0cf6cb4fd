import { AwsLocation, AwsScope } from "../../constructs/core/aws-scope";
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { App, TerraformStack, Testing } from "cdktf";
import { EnvironmentConfig, loadEnvironments, validateEnvironment } from "../../config";
import type { EnvironmentInput } from "../../config/schema/environment";
import { pipelineRolesOf } from "../../constructs/iam/pipeline-roles";

export const REPO_ROOT = path.resolve(__dirname, "..", "..");
/**
 * The environments the shipped-environment tests run over: `config/`, or the folder PLATFORM_CONFIG_DIR names
 * (`npm run test:adopt` points it at a renamed copy with an added environment). Tests derive what they expect from
 * these files, never from the shipped names.
 */
export const SHIPPED_CONFIG_DIR = process.env.PLATFORM_CONFIG_DIR ? path.resolve(process.env.PLATFORM_CONFIG_DIR) : path.join(REPO_ROOT, "config");

/** Every environment of SHIPPED_CONFIG_DIR, loaded through the real loader. */
export function shippedEnvironments(): EnvironmentConfig[] {
  return loadShipped(undefined);
}

export function shippedEnvironment(name: string): EnvironmentConfig {
  const [environment] = loadShipped([name]);
  return environment;
}

/**
 * The loader's answer for SHIPPED_CONFIG_DIR, kept per selection and per content of the folder's environment files:
 * a suite asks for the same environments dozens of times, and each load parses YAML, validates it and plans subnets.
 * Each call gets its own copy, as a fresh load would give it; a changed file is a new key, so nothing goes stale.
 */
const loaded = new Map<string, EnvironmentConfig[]>();
function loadShipped(names: string[] | undefined): EnvironmentConfig[] {
  const files = fs
    .readdirSync(SHIPPED_CONFIG_DIR)
    .filter((file) => /\.ya?ml$/.test(file))
    .sort();
  const key = JSON.stringify([names ?? null, files.map((file) => [file, fs.readFileSync(path.join(SHIPPED_CONFIG_DIR, file), "utf8")])]);
  let environments = loaded.get(key);
  if (!environments) {
    environments = loadEnvironments({ dir: SHIPPED_CONFIG_DIR, environments: names });
    loaded.set(key, environments);
  }
  return structuredClone(environments);
}

type DeepPartial<T> = { [K in keyof T]?: T[K] extends (infer U)[] ? U[] : T[K] extends object ? DeepPartial<T[K]> : T[K] };

/** A minimal valid environment input; tests override what they are about. */
export function environmentInput(overrides: DeepPartial<EnvironmentInput> = {}): EnvironmentInput {
  const base: EnvironmentInput = {
    project: "shop",
    tier: "production",
    account: { id: "123456789012", region: "eu-central-1" },
    network: {
      cidr: "10.0.0.0/16",
      availabilityZones: ["eu-central-1a", "eu-central-1b", "eu-central-1c"],
    },
  };
  // An environment with the application (edge) needs Vault, which needs cert-manager (config/schema/platform.ts):
  // the application reads its session key through the Vault agent. Tests that switch Vault off say so.
  const application = overrides.edge
    ? { platform: { certManager: { enabled: true, acmeEmail: "ops@shop.example.com", hostedZoneIds: ["Z0TEST000000000000001"] }, vault: { enabled: true } } }
    : {};
  return merge(merge(base, application), overrides) as EnvironmentInput;
}

/** Validates an input through the real schema; fails the test with every problem when it is not valid. */
export function testEnvironment(overrides: DeepPartial<EnvironmentInput> = {}, name = "test"): EnvironmentConfig {
  const result = validateEnvironment(name, `config/${name}.yaml`, environmentInput(overrides));
  if ("problems" in result) {
    throw new Error(`test environment is invalid:\n${result.problems.map((p) => `${p.location}: ${p.message}`).join("\n")}`);
  }
  return result.environment;
}

/** A fresh cdktf App for a test, writing into the ignored .tmp folder. */
export function testApp(): App {
  return Testing.app();
}

/** Where the constructs of a bare test stack live (account 123456789012, eu-central-1). */
export const TEST_LOCATION: AwsLocation = { accountId: "123456789012", region: "eu-central-1", partition: "aws" };

/** A bare stack for construct tests, with the account and region constructs read from their scope. */
export function testStack(location: AwsLocation = TEST_LOCATION, id = "test"): TerraformStack {
  const stack = new TerraformStack(testApp(), id);
  AwsScope.declare(stack, location);
  return stack;
}

function merge(base: unknown, overrides: unknown): unknown {
  if (overrides === undefined) return base;
  if (Array.isArray(overrides) || typeof overrides !== "object" || overrides === null) return overrides;
  if (typeof base !== "object" || base === null || Array.isArray(base)) return overrides;
  const result: Record<string, unknown> = { ...(base as Record<string, unknown>) };
  for (const [key, value] of Object.entries(overrides)) {
    result[key] = merge(result[key], value);
  }
  return result;
}

/**
 * The first shipped environment of a tier (by file name), for tests about what a tier means ("production spreads
 * readers over three AZs") that must not depend on what the environments are called.
 */
export function shippedByTier(tier: EnvironmentConfig["tier"]): EnvironmentConfig {
  const found = shippedEnvironments().find((environment) => environment.tier === tier);
  if (!found) throw new Error(`no environment of tier ${tier} in ${SHIPPED_CONFIG_DIR}`);
  return found;
}

/**
 * A non-production shipped environment with an edge (of the development tier when one has it): what tests of
 * "outside production the edge is disposable" synthesize, when an adopter runs development without an edge.
 */
export function nonProductionWithEdge(): EnvironmentConfig {
  const candidates = shippedEnvironments().filter((environment) => !environment.isProduction && environment.edge);
  const found = candidates.find((environment) => environment.tier === "development") ?? candidates[0];
  if (!found) throw new Error(`no non-production environment with an edge in ${SHIPPED_CONFIG_DIR}`);
  return found;
}

/**
 * One shipped environment per tier, loaded on first use: what the shipped-environment tests derive their expectations
 * from (`tier.production.prefix`, `tier.development.account.region`), so renaming or adding environments keeps them true.
 */
export const tier = {
  get development(): EnvironmentConfig {
    return shippedByTier("development");
  },
  get staging(): EnvironmentConfig {
    return shippedByTier("staging");
  },
  get production(): EnvironmentConfig {
    return shippedByTier("production");
  },
};

/**
 * The first shipped environment (by file name) that has what a test is about, e.g. `shippedWith("with GitHub pipeline
 * roles outside production", ...)`; throws naming what the config under test lacks, so no test passes without it.
 */
export function shippedWith(description: string, matches: (environment: EnvironmentConfig) => boolean): EnvironmentConfig {
  const found = shippedEnvironments().find(matches);
  if (!found) throw new Error(`no environment ${description} in ${SHIPPED_CONFIG_DIR}`);
  return found;
}

/** Whether GitHub Actions deploys the environment: it names a repository and keeps its state in S3 (pipelineRolesOf). */
export function hasPipelines(environment: EnvironmentConfig): boolean {
  return pipelineRolesOf(environment) !== undefined;
}

/** The shipped environments GitHub Actions deploys: their account's bootstrap stack holds their pipeline roles. */
export function withPipelines(): EnvironmentConfig[] {
  return shippedEnvironments().filter(hasPipelines);
}

/** The shipped environments whose state is in S3: the ones of the accounts' bootstrap stacks (main.ts bootstrapStacks). */
export function withS3State(): EnvironmentConfig[] {
  return shippedEnvironments().filter((environment) => environment.state.backend === "s3");
}

/**
 * The environments the repository ships: config/*.yaml as committed at HEAD, for tests about the shipped defaults
 * (one account per environment, the price table's regions). An adopter's change of config/ (what `npm run test:adopt`
 * makes on top of its copy's commit, e.g. every environment in one account) is their choice, not what ships.
 */
export function committedEnvironments(): EnvironmentConfig[] {
  const git = (...args: string[]) => execFileSync("git", args, { cwd: REPO_ROOT, encoding: "utf8" });
  const files = git("ls-tree", "--name-only", "HEAD", "config/")
    .split("\n")
    .filter((file) => file.endsWith(".yaml"));
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "committed-config-"));
  for (const file of files) fs.writeFileSync(path.join(dir, path.basename(file)), git("show", `HEAD:${file}`));
  return loadEnvironments({ dir });
}
