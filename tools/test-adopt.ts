// `npm run test:adopt [-- --scenario <name>] [<jest args>]`: proves the tests follow the config. For each adoption
// scenario (__tests__/support/adopted-config.ts: what adopters change, from project and region to Terraform Cloud and
// an environment without edge) it copies the repository (its tracked and new files) to a temporary folder, writes the
// scenario's config there, runs the generate step a user runs (`npm run generate`: workflows, GitOps overlays, diagram,
// cost tables, synth sample), then the config-dependent unit suites of that copy, unedited. Suites that do not read the config under
// test would only repeat the unit run, so they are left out (configDependentSuites).
import { execFileSync, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { AdoptionScenario, scenario, SCENARIOS, writeAdoptedConfig } from "../__tests__/support/adopted-config";
import { filesUnder } from "../__tests__/support/files";
import { loadEnvironments } from "../config";
import { appTreeId } from "./generate";
import { createLimiter } from "./harness/runner";
import { HeldRun, runHeld } from "./lib/held-output";

const root = path.resolve(__dirname, "..");
/** Installed or derived folders the copy shares with the repository instead of copying them. */
const SHARED = ["node_modules", "app/node_modules", ".cache"];

function copyRepository(target: string): void {
  const files = execFileSync("git", ["ls-files", "--cached", "--others", "--exclude-standard", "-z"], { cwd: root, encoding: "utf8" })
    .split("\0")
    .filter((file) => file && fs.existsSync(path.join(root, file)));
  for (const file of files) {
    fs.mkdirSync(path.dirname(path.join(target, file)), { recursive: true });
    fs.copyFileSync(path.join(root, file), path.join(target, file));
  }
  for (const shared of SHARED.filter((folder) => fs.existsSync(path.join(root, folder)))) {
    fs.symlinkSync(path.join(root, shared), path.join(target, shared), "dir");
  }
  // A clone of the repository, as an adopter starts from: one commit of the copied files; the scenario's config is a
  // change on top of it. A new overlay's image tag is the git tree id of app/ at HEAD, which depends on the tree's
  // content only, so the copy's is the repository's when app/ is committed (adoptedCopy says when not).
  const git = (...args: string[]) => execFileSync("git", args, { cwd: target, stdio: ["ignore", "pipe", "pipe"] });
  git("init", "-q");
  git("add", "-A");
  git("-c", "user.name=adopt", "-c", "user.email=adopt@localhost", "-c", "commit.gpgsign=false", "commit", "-qm", "adopt");
}

function run(command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = process.env): number {
  return spawnSync(command, args, { cwd, stdio: "inherit", env }).status ?? 1;
}

/**
 * What makes a suite depend on the config under test: it reads the environments (the support/environments.ts helpers,
 * the shared synth of them), the repository's config/ folder, or files generated from it (workflows, overlays, docs).
 * Written as code names them (`path.join(REPO_ROOT, "docs", …)`, `".github/workflows"`), not as prose does: an error
 * message that cites docs/cluster.md or an OIDC host (token.actions.githubusercontent.com) reads no file.
 */
export const CONFIG_MARKERS =
  /\b(shippedEnvironments|shippedEnvironment|shippedByTier|shippedWith|nonProductionWithEdge|withPipelines|withS3State|committedEnvironments|tier\.(development|staging|production)|SHIPPED_CONFIG_DIR|synthesizeShipped|synthesizeRepositoryConfig)\b|"config"|gitops\/overlays|["'`/]\.github\b|"README|\bREADME\.md|["'`]docs\/|"docs"/;

/**
 * The modules that define the markers' helpers next to helpers that read no config (testEnvironment, fixtureStack):
 * importing them is no sign; using a marker is.
 */
const MARKER_DEFINITIONS = ["__tests__/support/environments.ts", "__tests__/tools/support.ts"];

/** The test helpers (under __tests__/, relative imports) a file imports, as paths relative to the repository. */
function testHelpersOf(repository: string, file: string): string[] {
  const source = fs.readFileSync(path.join(repository, file), "utf8");
  const helpers: string[] = [];
  for (const [, specifier] of source.matchAll(/(?:\bfrom\s+|\brequire\(\s*|\bimport\(\s*)["'](\.{1,2}\/[^"']+)["']/g)) {
    const base = path.join(path.dirname(file), specifier!);
    const found = [`${base}.ts`, path.join(base, "index.ts")].find((candidate) => fs.existsSync(path.join(repository, candidate)));
    if (found && found.startsWith(`__tests__${path.sep}`)) helpers.push(found);
  }
  return helpers;
}

/**
 * Whether the file, or a test helper it imports (transitively), uses a CONFIG_MARKERS name: a suite that attacks the
 * shipped environments through attacks/layouts.ts depends on them as much as one that calls shippedEnvironments().
 */
function readsConfig(repository: string, file: string, seen: Set<string> = new Set()): boolean {
  if (seen.has(file)) return false;
  seen.add(file);
  if (!MARKER_DEFINITIONS.includes(file) && CONFIG_MARKERS.test(fs.readFileSync(path.join(repository, file), "utf8"))) return true;
  return testHelpersOf(repository, file).some((helper) => readsConfig(repository, helper, seen));
}

/** The unit suites (paths relative to the repository; the integration project's left out) that read the config under test (readsConfig), sorted. */
export function configDependentSuites(repository: string): string[] {
  return filesUnder(path.join(repository, "__tests__"))
    .map((file) => path.relative(repository, file))
    .filter((file) => file.endsWith(".test.ts") && !file.startsWith(path.join("__tests__", "integration") + path.sep) && readsConfig(repository, file))
    .sort();
}

/** Copies the repository and adopts it as the scenario says (the config only); returns the copy. */
function adoptedCopy(adoption: AdoptionScenario): string {
  const copy = fs.mkdtempSync(path.join(os.tmpdir(), `adopted-${adoption.name}-`));
  // mkdtemp makes it 0700; some tests run the app as an unprivileged user, who must be able to read the copy.
  fs.chmodSync(copy, 0o755);
  copyRepository(copy);
  writeAdoptedConfig(path.join(root, "config"), path.join(copy, "config"), adoption);
  // The copy's commit holds the working files: with uncommitted changes in app/ its tree id (the overlays' first image
  // tag in the copy) is not the repository's HEAD one, which the copy's tests do not need; say so rather than fail.
  if (appTreeId(copy) !== appTreeId(root)) console.log(`test:adopt: app/ has uncommitted changes; the copy's overlays carry the tree id of the working app/`);
  const environments = loadEnvironments({ dir: path.join(copy, "config") });
  console.log(`test:adopt ${adoption.name}: ${adoption.summary}; ${environments.length} environments in ${copy}`);
  return copy;
}

/** What a user runs after changing the config: `npm run generate` (tools/generate-all.ts); its output held back. */
function generate(copy: string, env: NodeJS.ProcessEnv): Promise<HeldRun> {
  return runHeld(process.execPath, ["--require", "tsx/cjs", "tools/generate-all.ts"], { cwd: copy, env });
}

async function main(args: string[]): Promise<number> {
  const selected: AdoptionScenario[] = [];
  const jestArgs: string[] = [];
  for (let index = 0; index < args.length; index++) {
    if (args[index] === "--scenario") selected.push(scenario(args[++index] ?? ""));
    else jestArgs.push(args[index]!);
  }
  const suites = configDependentSuites(root);
  const env = { ...process.env, PLATFORM_CONFIG_DIR: "", PLATFORM_ENVS: "" };
  const results: string[] = [];
  const adoptions = selected.length > 0 ? selected : SCENARIOS;
  const copies = adoptions.map((adoption) => ({ adoption, copy: adoptedCopy(adoption) }));
  try {
    // A generate is single-threaded: two scenarios' at a time. A scenario's jest run starts once its own generate is
    // done; a third scenario's may still be running beside it.
    const limit = createLimiter(2);
    const generated = copies.map(({ copy }) => limit(() => generate(copy, env)));
    for (const [index, { adoption, copy }] of copies.entries()) {
      const { status: failed, output } = await generated[index]!;
      process.stdout.write(output);
      // --selectProjects takes every argument after it up to the next option as a project name: it comes last.
      const paths = jestArgs.some((arg) => !arg.startsWith("-")) ? [] : suites;
      const jest = [require.resolve("jest/bin/jest"), ...jestArgs, ...paths, "--selectProjects", "unit"];
      const status = failed !== 0 ? failed : run(process.execPath, jest, copy, env);
      results.push(`test:adopt ${adoption.name}: ${status === 0 ? "passed" : `FAILED (exit ${status})`}`);
    }
  } finally {
    for (const { copy } of copies) fs.rmSync(copy, { recursive: true, force: true });
  }
  console.log([`test:adopt: ${suites.length} config-dependent suites per scenario`, ...results].join("\n"));
  return results.every((line) => line.endsWith("passed")) ? 0 : 1;
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => (process.exitCode = code),
    (error: unknown) => {
      process.stderr.write(`test:adopt: ${(error as Error).message}\n`);
      process.exitCode = 1;
    },
  );
}
