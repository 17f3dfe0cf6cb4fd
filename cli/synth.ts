import * as fs from "fs";
import * as path from "path";
import { App, TerraformResource, TerraformStack } from "cdktf";
import { ConfigError, EnvironmentConfig, formatProblem, loadEnvironments, optionsFromEnv } from "../config";
import { policyReportOf } from "../constructs/policy/policy-aspect";
import { PolicyReport } from "../constructs/policy/evaluate";
import { count, errorsOf, formatFinding, formatSummary, PolicyViolationError } from "../constructs/policy/report";
import { EnvironmentStack } from "../stacks/environment-stack";
import { stateGuard } from "./state-guard";

/** What the app is built from besides the selected environments. */
export interface BuildOptions {
  /**
   * Every environment of the config folder, whatever PLATFORM_ENVS selects: an account's bootstrap stack holds the
   * roles of all its environments, so a partial synth must not drop the others'. @default the selected environments
   */
  readonly allEnvironments?: readonly EnvironmentConfig[];
}

export type BuildApp = (app: App, environments: readonly EnvironmentConfig[], options?: BuildOptions) => App;

export interface SynthIo {
  readonly out: (line: string) => void;
  readonly err: (line: string) => void;
}

const processIo: SynthIo = {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
};

/**
 * The app's entry point, run directly (`npm run synth`) or by cdktf-cli (`cdktf synth|diff|deploy`): loads the
 * config, synthesizes every stack into a fresh folder next to the output folder and swaps it in only when the whole
 * synth succeeded, so the output folder never mixes two synths. Prints one line per environment on stdout (cdktf-cli
 * shows a child's stderr as `[ERROR]`, so only errors go there); `--verbose` adds each stack's policy summary.
 * Refuses to run while the output folder holds a Terraform state (swapping the folder in would delete it).
 * Returns the exit code.
 */
export function runSynth(build: BuildApp, argv: readonly string[], env: NodeJS.ProcessEnv = process.env, io: SynthIo = processIo): number {
  const verbose = argv.includes("--verbose") || argv.includes("-v");
  const outdir = path.resolve(env.CDKTF_OUTDIR || "cdktf.out");
  const refusal = stateGuard(outdir, displayPath);
  if (refusal) {
    io.err(refusal);
    return 1;
  }
  let environments: EnvironmentConfig[];
  let allEnvironments: EnvironmentConfig[];
  try {
    ({ environments, allEnvironments } = loadSelection(optionsFromEnv(env)));
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    for (const problem of error.problems) io.err(formatProblem(problem));
    return 1;
  }
  fs.mkdirSync(path.dirname(outdir), { recursive: true });
  const staging = fs.mkdtempSync(`${outdir}.next-`);
  const app = new App({ outdir: staging });
  try {
    build(app, environments, { allEnvironments }).synth();
  } catch (error) {
    fs.rmSync(staging, { recursive: true, force: true });
    if (error instanceof PolicyViolationError) {
      // Policy errors name the environment's file, as config errors do; account-level stacks name themselves.
      const stack = app.node.tryFindChild(error.report.stack);
      const label = stack instanceof EnvironmentStack ? stack.environment.file : error.report.stack;
      for (const finding of errorsOf(error.report)) io.err(`${label}: policy ${error.report.stack}: ${formatFinding(finding)}`);
    } else {
      io.err((error as Error).stack ?? String(error));
    }
    io.err(previousSynth(outdir));
    return 1;
  }
  replaceDirectory(staging, outdir);
  const stacks = app.node.findAll().filter((node) => TerraformStack.isStack(node));
  for (const line of summaryLines(stacks, verbose)) io.out(line);
  io.out(`wrote ${displayPath(outdir)}: ${count(stacks.length, "stack")}`);
  return 0;
}

/**
 * The selected environments, and every environment of the folder: a partial synth still builds each bootstrap stack
 * from every environment of its account. Each file is read and resolved once: when the whole folder loads, the
 * selection is taken from it (the folder's checks across environments, passed by all of them, hold for any of them).
 * When it does not, the selection is loaded alone first, so a problem of a selected file is reported with the
 * selection's problems only, as when the selection is all there is to load; a name with no file is reported likewise.
 */
function loadSelection(options: ReturnType<typeof optionsFromEnv>): { environments: EnvironmentConfig[]; allEnvironments: EnvironmentConfig[] } {
  if (!options.environments) {
    const environments = loadEnvironments(options);
    return { environments, allEnvironments: environments };
  }
  let allEnvironments: EnvironmentConfig[];
  try {
    allEnvironments = loadEnvironments({ ...options, environments: undefined });
  } catch (error) {
    if (error instanceof ConfigError) loadEnvironments(options);
    throw error;
  }
  const byName = new Map(allEnvironments.map((environment) => [environment.name, environment]));
  const selected = [...new Set(options.environments)].map((name) => byName.get(name));
  if (selected.some((environment) => environment === undefined)) return { environments: loadEnvironments(options), allEnvironments };
  return { environments: selected.filter((environment) => environment !== undefined), allEnvironments };
}

/** One line per environment (and per account-level stack), then the findings that need a look. */
export function summaryLines(stacks: readonly TerraformStack[], verbose: boolean): string[] {
  const groups = new Map<string, { stacks: TerraformStack[]; reports: PolicyReport[] }>();
  for (const stack of stacks) {
    const key = stack instanceof EnvironmentStack ? stack.environment.name : stack.node.id;
    const group = groups.get(key) ?? { stacks: [], reports: [] };
    group.stacks.push(stack);
    const report = policyReportOf(stack);
    if (report) group.reports.push(report);
    groups.set(key, group);
  }
  const lines: string[] = [];
  for (const [name, group] of groups) {
    const resources = group.stacks.reduce((sum, stack) => sum + stack.node.findAll().filter((node) => node instanceof TerraformResource).length, 0);
    const sum = (pick: (report: PolicyReport) => number) => group.reports.reduce((total, report) => total + pick(report), 0);
    const warnings = sum((report) => report.findings.length);
    lines.push(
      `${name}: ${count(group.stacks.length, "stack")}, ${count(resources, "resource")}, ${count(
        sum((report) => report.rulesChecked),
        "rule check",
      )}, ` + `${count(warnings, "warning")}, ${sum((report) => report.suppressed.length)} suppressed`,
    );
    for (const report of group.reports) {
      // Without --verbose only what asks for action: warnings and suppressions that no longer match anything.
      const details = verbose
        ? formatSummary(report)
        : formatSummary(report)
            .slice(1)
            .filter((line) => !line.startsWith("  suppressed:"));
      lines.push(...details.map((line) => (verbose ? `  ${line}` : `  ${report.stack}:${line}`)));
    }
  }
  return lines;
}

/** Swaps a finished synth in. Two renames: a crash between them leaves `<out>.old-*` complete, never a mixed tree. */
function replaceDirectory(staging: string, outdir: string): void {
  if (!fs.existsSync(outdir)) {
    fs.renameSync(staging, outdir);
    return;
  }
  const old = `${outdir}.old-${process.pid}`;
  fs.rmSync(old, { recursive: true, force: true });
  fs.renameSync(outdir, old);
  fs.renameSync(staging, outdir);
  fs.rmSync(old, { recursive: true, force: true });
}

/** What a failed synth left in place: the previous synth, untouched, and when it was written. */
export function previousSynth(outdir: string): string {
  const manifest = path.join(outdir, "manifest.json");
  if (!fs.existsSync(manifest)) return `${displayPath(outdir)} was not written; there is no previous synth`;
  return `${displayPath(outdir)} still holds the previous synth, written ${fs
    .statSync(manifest)
    .mtime.toISOString()
    .replace(/\.\d+Z$/, "Z")}`;
}

function displayPath(file: string): string {
  const relative = path.relative(process.cwd(), file);
  return relative && !relative.startsWith("..") ? relative : file;
}
