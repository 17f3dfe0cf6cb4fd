import * as fs from "fs";
import * as path from "path";
import { parseDocument } from "yaml";
import { applicationHost, EnvironmentConfig, resolveEnvironment } from "./environment";
import { ConfigError, ConfigProblem } from "./errors";
import { environmentSchema } from "./schema/environment";
import { checkGuardrailsAcrossEnvironments } from "./schema/guardrails";
import { checkCluster, clusterSchema } from "./schema/cluster";
import { networkSchema } from "./schema/network";
import { checkSubnetPlan } from "./subnet-plan";
import { describeIssue, formatPath } from "./issues";
import { checkNameLimits } from "./name-limits";
import { checkProductionRules } from "./production-rules";
import { checkChartValues, checkChartVersions, lockedVersions } from "./charts";
import { PlatformConfig, platformSchema } from "./schema/platform";

export const DEFAULT_CONFIG_DIR = "config";

export interface LoadOptions {
  /** Folder of `<environment>.yaml` files. @default $PLATFORM_CONFIG_DIR or "config" */
  readonly dir?: string;
  /** Environments to load, by file name without `.yaml`. @default $PLATFORM_ENVS or every *.yaml in dir */
  readonly environments?: readonly string[];
}

/** Options as the app's users give them: through PLATFORM_CONFIG_DIR and PLATFORM_ENVS. */
export function optionsFromEnv(env: NodeJS.ProcessEnv = process.env): LoadOptions {
  const selected = env.PLATFORM_ENVS?.split(",")
    .map((name) => name.trim())
    .filter((name) => name.length > 0);
  return {
    dir: env.PLATFORM_CONFIG_DIR || DEFAULT_CONFIG_DIR,
    environments: selected && selected.length > 0 ? selected : undefined,
  };
}

/**
 * Reads, validates and resolves every selected environment. Throws a ConfigError listing every problem in every file
 * (one line each), so a user fixes them all in one round.
 */
export function loadEnvironments(options: LoadOptions = {}): EnvironmentConfig[] {
  const dir = options.dir ?? DEFAULT_CONFIG_DIR;
  const { files, problems } = selectFiles(dir, options.environments);
  const environments: EnvironmentConfig[] = [];
  for (const file of files) {
    const result = loadFile(file);
    if ("problems" in result) {
      problems.push(...result.problems);
    } else {
      environments.push(result.environment);
    }
  }
  problems.push(...checkAcrossEnvironments(environments));
  if (problems.length > 0) {
    throw new ConfigError(problems);
  }
  return environments;
}

/** The files to load, and the problems of the folder's listing (reported with those of the files). */
function selectFiles(dir: string, selected: readonly string[] | undefined): { files: string[]; problems: ConfigProblem[] } {
  const shown = displayPath(dir);
  if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) {
    throw new ConfigError([
      { file: shown, location: "PLATFORM_CONFIG_DIR", message: "is not a folder; point PLATFORM_CONFIG_DIR at the folder of <environment>.yaml files" },
    ]);
  }
  const entries = fs.readdirSync(dir).sort();
  const available = entries.filter((entry) => entry.endsWith(".yaml")).map((entry) => entry.slice(0, -".yaml".length));
  // A .yml file would otherwise be skipped without a word, and its environment silently missing from the synth.
  const misnamed: ConfigProblem[] = entries
    .filter((entry) => entry.endsWith(".yml"))
    .map((entry) => ({
      file: displayPath(path.join(dir, entry)),
      location: "(file name)",
      message: `is not read: environment files end in .yaml; rename it to ${entry.slice(0, -".yml".length)}.yaml`,
    }));
  if (available.length === 0) {
    throw new ConfigError([...misnamed, { file: shown, location: "PLATFORM_CONFIG_DIR", message: "holds no <environment>.yaml file" }]);
  }
  const names = selected ?? available;
  const missing = names.filter((name) => !available.includes(name));
  if (missing.length > 0) {
    throw new ConfigError(
      missing.map((name) => ({
        file: displayPath(path.join(dir, `${name}.yaml`)),
        location: "PLATFORM_ENVS",
        message: `names environment "${name}" but there is no such file; available: ${available.join(", ")}`,
      })),
    );
  }
  return { files: [...new Set(names)].map((name) => path.join(dir, `${name}.yaml`)), problems: misnamed };
}

type FileResult = { environment: EnvironmentConfig } | { problems: ConfigProblem[] };

/** Loads one environment file; exported for tests and tools that work on a single file. */
export function loadFile(file: string, readText: (file: string) => string = readUtf8File): FileResult {
  const shown = displayPath(file);
  const name = path.basename(file, ".yaml");
  const problems: ConfigProblem[] = [];
  if (!/^[a-z][a-z0-9-]{0,18}[a-z0-9]$/.test(name)) {
    problems.push({
      file: shown,
      location: "(file name)",
      message: `environment name "${name}" must be 2-20 characters of a-z, 0-9 and '-', starting with a letter`,
    });
  }
  const read = readConfigFile(file, readText);
  if ("problem" in read) return { problems: [{ file: shown, location: "(file)", message: read.problem }] };
  const { text } = read;
  const document = parseDocument(text, { prettyErrors: false, uniqueKeys: true });
  if (document.errors.length > 0) {
    return {
      problems: document.errors.map((error) => ({
        file: shown,
        location: yamlLocation(text, error.pos[0]),
        message: `YAML syntax error: ${(error.message.split("\n")[0] ?? "").replace(/ at line \d+, column \d+:?$/, "")}`,
      })),
    };
  }
  let data: unknown;
  try {
    data = document.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (error) {
    if (!(error instanceof ReferenceError)) throw error;
    return {
      problems: [
        {
          file: shown,
          location: "(aliases)",
          message: `YAML aliases expand too far (${error.message.replace(/\.$/, "")}); write the values out or use fewer *alias references`,
        },
      ],
    };
  }
  if (data === null || data === undefined) {
    return { problems: [{ file: shown, location: "(top level)", message: "the file is empty; expected a mapping with project, tier, account, network" }] };
  }
  const result = validateEnvironment(name, shown, data);
  const platform = "environment" in result ? result.environment.platform : platformSection(data);
  const charts = platform ? chartProblems(shown, platform) : [];
  if ("problems" in result || charts.length > 0) {
    return { problems: [...problems, ...("problems" in result ? result.problems : []), ...charts] };
  }
  return problems.length > 0 ? { problems } : result;
}

/** The platform section of a file that failed validation elsewhere, when it parses on its own (one round of problems). */
function platformSection(data: unknown): PlatformConfig | undefined {
  const parsed = platformSchema.safeParse(typeof data === "object" && data !== null ? (data as { platform?: unknown }).platform : undefined);
  return parsed.success ? parsed.data : undefined;
}

/**
 * Chart versions against charts.lock.json and free-form Helm values against the charts' files (config/charts.ts), for
 * every file the loader reads.
 */
function chartProblems(file: string, platform: PlatformConfig): ConfigProblem[] {
  const locked = lockedVersions();
  return [...checkChartVersions(platform, locked), ...checkChartValues(platform, locked)].map((problem) => ({ file, ...problem }));
}

/** Validates already-parsed data as the environment `name` read from `file`; the loader and tests share it. */
export function validateEnvironment(name: string, file: string, data: unknown): FileResult {
  const parsed = environmentSchema.safeParse(data, { reportInput: true });
  if (!parsed.success) {
    const described = parsed.error.issues.flatMap((issue) => describeIssue(issue));
    const seen = new Set(described.map(({ location, message }) => `${location}\0${message}`));
    const more = sectionRuleProblems(data).filter(({ location, message }) => !seen.has(`${location}\0${message}`));
    return { problems: [...described, ...more].map((problem) => ({ file, ...problem })) };
  }
  const environment = resolveEnvironment(name, file, parsed.data);
  const problems = [...checkNameLimits(environment), ...checkProductionRules(environment)];
  return problems.length > 0 ? { problems } : { environment };
}

/**
 * When a file fails the schema, zod skips the rules across fields, so a wrong `tier` would hide a subnet plan that
 * does not fit. The sections whose rules need nothing outside themselves are checked on their own wherever they
 * parse, so every problem of a file comes out in one round.
 */
function sectionRuleProblems(data: unknown): { location: string; message: string }[] {
  if (typeof data !== "object" || data === null) return [];
  const input = data as Record<string, unknown>;
  const problems: { location: string; message: string }[] = [];
  const at = (section: string, path: readonly (string | number)[], message: string) => ({ location: formatPath([section, ...path]), message });
  const network = networkSchema.safeParse(input.network);
  if (network.success) problems.push(...checkSubnetPlan(network.data).map(({ path, message }) => at("network", path, message)));
  const cluster = clusterSchema.safeParse(input.cluster ?? {});
  if (cluster.success) {
    problems.push(...checkCluster(cluster.data, input.tier === "production").map(({ path, message }) => at("cluster", path, message)));
  }
  return problems;
}

/** Environments that share an AWS account share its bootstrap stack, so they must agree on the state bucket. */
function checkAcrossEnvironments(environments: EnvironmentConfig[]): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const firstByAccount = new Map<string, EnvironmentConfig>();
  for (const environment of environments) {
    if (environment.state.backend !== "s3") continue;
    const first = firstByAccount.get(environment.account.id);
    if (!first) {
      firstByAccount.set(environment.account.id, environment);
      continue;
    }
    if (first.state.backend !== "s3") continue;
    for (const field of ["githubOidcProvider", "autoScalingServiceLinkedRole"] as const) {
      if (first.account[field] !== environment.account[field]) {
        problems.push({
          file: environment.file,
          location: `account.${field}`,
          message: `is "${environment.account[field]}" but ${first.file} says "${first.account[field]}" for the same account ${environment.account.id}; it is a fact about the account, so every environment in it must say the same`,
        });
      }
    }
    for (const field of ["bucket", "region"] as const) {
      if (first.state[field] !== environment.state[field]) {
        problems.push({
          file: environment.file,
          location: `state.${field}`,
          message: `is "${environment.state[field]}" but ${first.file} uses "${first.state[field]}" in the same account ${environment.account.id}; environments of one account share the bootstrap stack's state bucket`,
        });
      }
    }
  }
  const byPrefix = new Map<string, EnvironmentConfig>();
  for (const environment of environments) {
    const other = byPrefix.get(`${environment.account.id}/${environment.prefix}`);
    if (other) {
      problems.push({
        file: environment.file,
        location: "project",
        message: `gives the resource prefix "${environment.prefix}" that ${other.file} already uses in account ${environment.account.id}`,
      });
    }
    byPrefix.set(`${environment.account.id}/${environment.prefix}`, environment);
  }
  problems.push(...checkHostCollisions(environments));
  problems.push(...checkGuardrailsAcrossEnvironments(environments));
  return problems;
}

/**
 * Host names are global: a CloudFront alias exists once in all of AWS and a Route53 record once per zone, so two
 * environments claiming one host would plan fine and fail at the second apply.
 */
function checkHostCollisions(environments: readonly EnvironmentConfig[]): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const owners = new Map<string, { file: string; location: string }>();
  const claim = (environment: EnvironmentConfig, host: string, location: string, what: string) => {
    const owner = owners.get(host);
    if (owner && owner.file !== environment.file) {
      problems.push({
        file: environment.file,
        location,
        message: `gives ${what} "${host}", which ${owner.file} already uses (${owner.location}); host names are unique in CloudFront and Route53, so the second apply would fail`,
      });
    } else if (!owner) {
      owners.set(host, { file: environment.file, location });
    }
  };
  for (const environment of environments) {
    const { edge } = environment;
    const appLocation = edge?.appSubdomain ? "edge.appSubdomain" : "edge.domainName";
    if (edge) {
      const host = applicationHost(edge);
      claim(environment, host, appLocation, "the CloudFront alias and application record");
      claim(environment, `origin.${host}`, appLocation, "the origin record");
    }
    const argoCd = environment.platform.argoCd;
    if (argoCd.enabled && argoCd.hostname) claim(environment, argoCd.hostname, "platform.argoCd.hostname", "the Argo CD host");
  }
  return problems;
}

/**
 * YAML's own limit on alias expansion (the yaml package's default): a "billion laughs" file fails with one line
 * instead of exhausting memory or printing the parser's trace.
 */
const MAX_ALIAS_COUNT = 100;

/** Reads an environment file, or says in one line why it cannot be: a folder, a link to nowhere, a FIFO, no permission. */
function readConfigFile(file: string, readText: (file: string) => string): { text: string } | { problem: string } {
  let stat: fs.Stats;
  try {
    stat = fs.statSync(file);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ELOOP") return { problem: "is a symbolic link that loops back on itself; point it at a real .yaml file" };
    if (code === "ENOENT" && fs.lstatSync(file, { throwIfNoEntry: false })?.isSymbolicLink()) {
      return { problem: `is a symbolic link to ${fs.readlinkSync(file)}, which does not exist; fix or remove the link` };
    }
    return { problem: `cannot be read (${code ?? (error as Error).message}); check the file` };
  }
  if (stat.isDirectory()) return { problem: "is a folder, not a file; environment files are <name>.yaml files, so rename or move the folder" };
  // A FIFO or device would block the read (or never end): only regular files are environments.
  if (!stat.isFile()) return { problem: "is not a regular file (a FIFO, socket or device); environment files are plain .yaml files" };
  try {
    return { text: readText(file) };
  } catch (error) {
    if (error instanceof EncodingProblem) return { problem: error.message };
    const code = (error as NodeJS.ErrnoException).code;
    return {
      problem:
        code === "EACCES"
          ? "cannot be read: permission denied (EACCES); give the user running the synth read permission"
          : `cannot be read (${code ?? (error as Error).message}); check the file`,
    };
  }
}

/** Raised by readUtf8File for a file that is not UTF-8 text; the loader reports its message as the file's one problem. */
class EncodingProblem extends Error {}

/** Reads a file as UTF-8 text (a UTF-8 byte-order mark is dropped), or raises an EncodingProblem saying what it is instead. */
function readUtf8File(file: string): string {
  const bytes = fs.readFileSync(file);
  const problem = encodingProblem(bytes);
  if (problem) throw new EncodingProblem(problem);
  return bytes.toString("utf8").replace(/^\uFEFF/, "");
}

/** What is wrong with the bytes of an environment file as UTF-8 YAML, if anything. */
export function encodingProblem(bytes: Uint8Array): string | undefined {
  const starts = (...prefix: number[]) => prefix.every((byte, index) => bytes[index] === byte);
  const resave = "save it as UTF-8 (in most editors: Save with Encoding, UTF-8)";
  if (starts(0x00, 0x00, 0xfe, 0xff) || starts(0xff, 0xfe, 0x00, 0x00)) return `is encoded as UTF-32 (byte-order mark); environment files are UTF-8: ${resave}`;
  if (starts(0xfe, 0xff) || starts(0xff, 0xfe)) return `is encoded as UTF-16 (byte-order mark); environment files are UTF-8: ${resave}`;
  const nul = bytes.indexOf(0);
  if (nul >= 0) {
    return `holds a NUL byte at offset ${nul}: it is UTF-16 or UTF-32 without a byte-order mark, or not text at all; environment files are UTF-8: ${resave}`;
  }
  try {
    new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    const text = Buffer.from(bytes).toString("utf8");
    const offset = Buffer.byteLength(text.slice(0, text.indexOf("\uFFFD")), "utf8");
    return `is not valid UTF-8 (first bad byte near offset ${offset}; Latin-1 or Windows-1252?): ${resave}`;
  }
  return undefined;
}

function yamlLocation(text: string, offset: number): string {
  const before = text.slice(0, offset).split("\n");
  return `line ${before.length}, column ${(before.at(-1) ?? "").length + 1}`;
}

function displayPath(file: string): string {
  const relative = path.relative(process.cwd(), file);
  return relative && !relative.startsWith("..") ? relative : file;
}
