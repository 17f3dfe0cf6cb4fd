import * as fs from "fs";
import * as path from "path";
import { parseDocument } from "yaml";
import { z } from "zod";
import { EnvironmentConfig, resolveEnvironment } from "./environment";
import { ConfigError, ConfigProblem } from "./errors";
import { environmentSchema } from "./schema/environment";
import { describeIssue } from "./issues";

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
  const files = selectFiles(dir, options.environments);
  const problems: ConfigProblem[] = [];
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

function selectFiles(dir: string, selected: readonly string[] | undefined): string[] {
  const shown = displayPath(dir);
  if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) {
    throw new ConfigError([
      { file: shown, location: "PLATFORM_CONFIG_DIR", message: "is not a folder; point PLATFORM_CONFIG_DIR at the folder of <environment>.yaml files" },
    ]);
  }
  const available = fs
    .readdirSync(dir)
    .filter((entry) => entry.endsWith(".yaml"))
    .map((entry) => entry.slice(0, -".yaml".length))
    .sort();
  if (available.length === 0) {
    throw new ConfigError([{ file: shown, location: "PLATFORM_CONFIG_DIR", message: "holds no <environment>.yaml file" }]);
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
  return [...new Set(names)].map((name) => path.join(dir, `${name}.yaml`));
}

type FileResult = { environment: EnvironmentConfig } | { problems: ConfigProblem[] };

/** Loads one environment file; exported for tests and tools that work on a single file. */
export function loadFile(file: string): FileResult {
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
  const text = fs.readFileSync(file, "utf8");
  const document = parseDocument(text, { prettyErrors: false, uniqueKeys: true });
  if (document.errors.length > 0) {
    return {
      problems: document.errors.map((error) => ({
        file: shown,
        location: yamlLocation(text, error.pos[0]),
        message: `YAML syntax error: ${error.message.split("\n")[0].replace(/ at line \d+, column \d+:?$/, "")}`,
      })),
    };
  }
  const data: unknown = document.toJS();
  if (data === null || data === undefined) {
    return { problems: [{ file: shown, location: "(top level)", message: "the file is empty; expected a mapping with project, tier, account, network" }] };
  }
  const result = validateEnvironment(name, shown, data);
  if ("problems" in result) {
    return { problems: [...problems, ...result.problems] };
  }
  return problems.length > 0 ? { problems } : result;
}

/** Validates already-parsed data as the environment `name` read from `file`; the loader and tests share it. */
export function validateEnvironment(name: string, file: string, data: unknown): FileResult {
  const parsed = environmentSchema.safeParse(data, { reportInput: true });
  if (!parsed.success) {
    return {
      problems: parsed.error.issues
        .flatMap((issue) => describeIssue(issue as z.core.$ZodIssue))
        .map((problem) => ({ file, ...problem })),
    };
  }
  return { environment: resolveEnvironment(name, file, parsed.data) };
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
  return problems;
}

function yamlLocation(text: string, offset: number): string {
  const before = text.slice(0, offset).split("\n");
  return `line ${before.length}, column ${before[before.length - 1].length + 1}`;
}

function displayPath(file: string): string {
  const relative = path.relative(process.cwd(), file);
  return relative && !relative.startsWith("..") ? relative : file;
}
