import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";
import { EnvironmentConfig, validateEnvironment } from "../../config";
import { decide as evaluatorDecide, Decision, IamRequest, PolicyDocumentJson } from "./evaluation";
import { GITHUB_OIDC_HOST } from "../../constructs/iam/github-oidc";
import { buildApp } from "../../main";
import { documentJson } from "../../tools/contracts/checks/effective-permissions";
import { parsePolicy, policiesOfRole, resourcesOfType } from "../../tools/contracts/terraform";
import { readSynthesizedStacks } from "../../tools/lib/synth-output";
import { hasPipelines, SHIPPED_CONFIG_DIR, shippedEnvironments, testApp } from "../support/environments";

/**
 * The two account layouts the attacks run against, built from the shipped development and production environments
 * GitHub Actions deploys (attackedPair; their files, so whatever they configure is what is attacked): each in an
 * account of its own (the default), and both in one account (supported, weaker). The whole app is synthesized once
 * per layout.
 */
export type LayoutName = "per-account" | "shared-account";

/**
 * Who runs the environments' Terraform: GitHub Actions (S3 state, the bootstrap's roles), Terraform Cloud (the same
 * environment files with `state.backend: cloud` and no GitHub repository; the trust stack's `-tfc-` roles), or both
 * (`mixed`: the lower environment on GitHub Actions, the higher on Terraform Cloud).
 */
export type Runner = "github" | "terraform-cloud" | "mixed";

/** Who runs one environment's Terraform in a layout. */
export function runnerOf(layout: Pick<Layout, "runner" | "lower">, environment: EnvironmentConfig): Exclude<Runner, "mixed"> {
  if (layout.runner !== "mixed") return layout.runner;
  return environment.name === layout.lower.name ? "github" : "terraform-cloud";
}

/** The Terraform Cloud organization and project the attacked environments' workspaces are in. */
export const ATTACKED_ORGANIZATION = "attacked-org";

export interface Layout {
  readonly name: LayoutName;
  readonly runner: Runner;
  /** The development environment (pull requests plan it) and the production one. */
  readonly lower: EnvironmentConfig;
  readonly higher: EnvironmentConfig;
  /** Synthesized `cdk.tf.json` by stack name. */
  readonly stacks: Record<string, Record<string, unknown>>;
}

const SECOND_ACCOUNT = "210987654321";

function configOf(environment: EnvironmentConfig, accountId: string, runner: Exclude<Runner, "mixed">): EnvironmentConfig {
  const file = path.join(SHIPPED_CONFIG_DIR, `${environment.name}.yaml`);
  const input = parse(fs.readFileSync(file, "utf8")) as { account: { id: string; autoScalingServiceLinkedRole?: string }; github?: unknown };
  const account = { ...input.account, id: accountId };
  const inCloud = () => {
    // Without a bootstrap stack nothing creates the service-linked role, and Terraform Cloud runs need no repository.
    const cloud: Record<string, unknown> = { ...input, state: { backend: "cloud", organization: ATTACKED_ORGANIZATION } };
    delete cloud.github;
    cloud.account = account.autoScalingServiceLinkedRole ? { ...account, autoScalingServiceLinkedRole: "existing" } : account;
    return cloud;
  };
  const result = validateEnvironment(environment.name, file, runner === "github" ? { ...input, account } : inCloud());
  if ("problems" in result) throw new Error(result.problems.map((problem) => `${problem.location}: ${problem.message}`).join("\n"));
  return result.environment;
}

/**
 * The environments the attacks run between: the first development-tier environment GitHub Actions deploys (pull
 * requests plan it, so its principals are the ones an outsider reaches first) and the first production one; none when
 * the config has no such pair (e.g. development without a GitHub repository: it has no principal to attack with).
 */
export function attackedPair(environments: readonly EnvironmentConfig[]): { lower: EnvironmentConfig; higher: EnvironmentConfig } | undefined {
  const lower = environments.find((environment) => environment.tier === "development" && hasPipelines(environment));
  const higher = environments.find((environment) => environment.isProduction && hasPipelines(environment));
  return lower && higher ? { lower, higher } : undefined;
}

const cache = new Map<string, Layout>();

export function layout(name: LayoutName, runner: Runner = "github"): Layout {
  const cached = cache.get(`${name}/${runner}`);
  if (cached) return cached;
  const pair = attackedPair(shippedEnvironments());
  if (!pair) throw new Error(`no development environment GitHub Actions deploys and production one to attack in ${SHIPPED_CONFIG_DIR}`);
  const { lower: development, higher: production } = pair;
  const lower = configOf(development, development.account.id, runner === "mixed" ? "github" : runner);
  const higherAccount = name === "shared-account" ? lower.account.id : production.account.id === lower.account.id ? SECOND_ACCOUNT : production.account.id;
  const higher = configOf(production, higherAccount, runner === "mixed" ? "terraform-cloud" : runner);
  const app = buildApp(testApp(), [lower, higher]);
  app.synth();
  const stacks = Object.fromEntries(readSynthesizedStacks(app.outdir).map((stack) => [stack.name, stack.json as Record<string, unknown>]));
  const built = { name, runner, lower, higher, stacks };
  cache.set(`${name}/${runner}`, built);
  return built;
}

/** The layouts to attack: both, when the config under test has an attacked pair; none otherwise (attacks.test.ts asserts why). */
export const LAYOUTS: readonly LayoutName[] = attackedPair(shippedEnvironments()) ? ["per-account", "shared-account"] : [];

/** One principal of an environment as IAM sees it: its identity policies, boundary, and account. */
export interface Principal {
  readonly label: string;
  readonly account: string;
  readonly identity: readonly PolicyDocumentJson[];
  readonly boundary?: PolicyDocumentJson;
}

function roleResource(layout: Layout, name: string) {
  const role = resourcesOfType(layout.stacks, "aws_iam_role").find((candidate) => candidate.values.name === name);
  if (!role) throw new Error(`no role ${name} in the ${layout.name} layout`);
  return role;
}

/** A synthesized role's permission policies as one document. */
export function roleIdentity(layout: Layout, name: string): PolicyDocumentJson {
  return documentJson(policiesOfRole(layout.stacks, roleResource(layout, name)).flatMap((document) => document.statements));
}

/** A synthesized role's trust document. */
export function roleTrust(layout: Layout, name: string): PolicyDocumentJson {
  return documentJson(parsePolicy(roleResource(layout, name).values.assume_role_policy) ?? []);
}

/**
 * Trust of any synthesized role that admits more than its own account, AWS services, and the GitHub, Terraform Cloud
 * and cluster identity providers: one line per principal found.
 */
export function foreignTrusts(layout: Layout): string[] {
  const { lower, higher } = layout;
  // A role's account: its environment's stack, or the account a bootstrap stack is named after.
  const roleAccount = (stack: string) =>
    [higher, lower].find((environment) => stack.startsWith(`${environment.name}-`) || stack.endsWith(`-${environment.account.id}`))?.account.id ??
    lower.account.id;
  return resourcesOfType(layout.stacks, "aws_iam_role").flatMap((role) =>
    documentJson(parsePolicy(role.values.assume_role_policy) ?? []).Statement.flatMap((statement) => {
      const principal = statement.Principal as Record<string, string[]> | "*" | undefined;
      if (principal === "*" || principal === undefined) return [`${String(role.values.name)}: any principal`];
      return Object.entries(principal).flatMap(([type, ids]) =>
        ids
          .filter((id) => {
            if (type === "Service") return !/^[a-z0-9.-]+\.amazonaws\.com$/.test(id);
            // GitHub's and Terraform Cloud's providers, and the clusters' (a reference to the cluster stack's provider).
            const providers = [`oidc-provider/${GITHUB_OIDC_HOST}`, "oidc-provider/app.terraform.io", "oidc-provider/oidc.eks."];
            if (type === "Federated") return !(id.startsWith("${") || providers.some((provider) => id.includes(provider)));
            const account = id.split(":")[4];
            return !(account === lower.account.id || account === higher.account.id) || (layout.name === "per-account" && account !== roleAccount(role.stack));
          })
          .map((id) => `${String(role.values.name)}: ${type} ${id}`),
      );
    }),
  );
}

export function boundaryOf(layout: Layout, environment: EnvironmentConfig): PolicyDocumentJson {
  const policy = resourcesOfType(layout.stacks, "aws_iam_policy").find((candidate) => candidate.values.name === `${environment.prefix}-boundary`);
  if (!policy) throw new Error(`no boundary of ${environment.name}`);
  return documentJson(parsePolicy(policy.values.policy) ?? []);
}

/** A role the environment's stacks create under the boundary, whatever its own policy says (here: administrator). */
const ADMINISTRATOR: PolicyDocumentJson = { Statement: [{ Effect: "Allow", Action: "*", Resource: "*" }] };

/** The roles that run an environment's Terraform, by the label the attacks report: the applying one first. */
export function pipelineRolesOf(layout: Layout, environment: EnvironmentConfig): { label: string; name: string }[] {
  const { prefix } = environment;
  if (runnerOf(layout, environment) === "terraform-cloud") {
    return [
      { label: "Terraform Cloud apply role", name: `${prefix}-tfc-apply` },
      { label: "Terraform Cloud plan role", name: `${prefix}-tfc-plan` },
    ];
  }
  const pullRequests = environment.tier === "development" ? [{ label: "pull-request plan role", name: `${prefix}-pr-plan` }] : [];
  return [{ label: "deploy role", name: `${prefix}-deploy` }, { label: "plan role", name: `${prefix}-plan` }, ...pullRequests];
}

/** The principals of an environment an attacker may act as: its pipeline roles and any role under its boundary. */
export function principalsOf(layout: Layout, environment: EnvironmentConfig): Principal[] {
  const account = environment.account.id;
  return [
    ...pipelineRolesOf(layout, environment).map(({ label, name }) => ({
      label,
      account,
      identity: [roleIdentity(layout, name)],
    })),
    { label: "role under the boundary", account, identity: [ADMINISTRATOR], boundary: boundaryOf(layout, environment) },
  ];
}

export function decide(principal: Principal, request: IamRequest): Decision {
  return evaluatorDecide(principal, request);
}

/**
 * Each attack among `paths` that one of `principals` gets through, as `<principal>: <attack>`: an attack gets through
 * when its decision is `allowed`, or whatever `breached` says (the guardrails ask for an explicit deny).
 */
export function breaches(
  principals: readonly Principal[],
  paths: readonly (readonly [attack: string, request: IamRequest])[],
  breached: (decision: Decision) => boolean = (decision) => decision === "allowed",
): string[] {
  return principals.flatMap((principal) =>
    paths.filter(([, request]) => breached(decide(principal, request))).map(([attack]) => `${principal.label}: ${attack}`),
  );
}

/** ARNs in an environment's account and region. */
export function arnsOf(environment: EnvironmentConfig) {
  const { partition, account, prefix } = environment;
  return {
    prefix,
    iam: (resource: string) => `arn:${partition}:iam::${account.id}:${resource}`,
    regional: (service: string, resource: string, region = account.region) => `arn:${partition}:${service}:${region}:${account.id}:${resource}`,
    global: (service: string, resource: string) => `arn:${partition}:${service}:::${resource}`,
  };
}

/** A request in the environment's region. */
export function inRegion(environment: EnvironmentConfig, action: string, resource: string, context: Record<string, string> = {}): IamRequest {
  return { action, resource, context: { "aws:RequestedRegion": environment.account.region, ...context } };
}
