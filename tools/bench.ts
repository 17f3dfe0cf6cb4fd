import { spawn } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { benchApp } from "./bench-app";
import { BlockMarkers, replaceBlock } from "./lib/generated-block";
import { parseDocument } from "yaml";

/**
 * Synth budgets, measured: wall time and peak memory of `cdktf synth` and of the compiled app run directly, for all
 * shipped environments; the edit loop (one config value changed, then `npm run synth` to fresh JSON) against the bare
 * app, with their ratio; the cost of each added environment (synth of 1, 2, 3 environments, CPU against its goal);
 * and how fast each operations tool answers when asked for usage. Prints each phase's figures;
 * it asserts nothing (budgets are read by people, not by timed tests that flake on a busy machine).
 * `npm run bench -- --readme` also writes the synth figures into README.md's benchmark table (the block between
 * `README_MARKERS`): run it on an idle machine, so the figures the README quotes are this tool's.
 */
const root = path.resolve(__dirname, "..");
const runs = Number(process.env.BENCH_RUNS ?? 3);
const environments = fs
  .readdirSync(path.join(root, "config"))
  .filter((file) => file.endsWith(".yaml"))
  .map((file) => file.slice(0, -5))
  .sort();

/** The README block that holds the synth figures `--readme` writes. */
export const README_MARKERS: BlockMarkers = {
  begin: "<!-- bench-synth:begin (npm run bench -- --readme) -->",
  end: "<!-- bench-synth:end -->",
};

/** The README block that holds the app's load-test figures `--readme` writes. */
export const README_LOAD_TEST_MARKERS: BlockMarkers = {
  begin: "<!-- bench-app:begin (npm run bench -- --readme) -->",
  end: "<!-- bench-app:end -->",
};

/** The rows of the README's benchmark table, in the order the phases run. */
const readmeRows: string[] = [];

interface Sample {
  readonly seconds: number;
  /** User + system CPU seconds of the process tree: steadier than wall time on a shared machine. */
  readonly cpuSeconds: number;
  readonly peakMiB: number;
}

/** Runs a command under /usr/bin/time when available: CPU time and peak RSS (of the process tree's largest member). */
function measure(command: string, args: string[], env: NodeJS.ProcessEnv, before?: () => void, allowedCodes: readonly number[] = [0]): Promise<Sample> {
  before?.();
  const timeBinary = "/usr/bin/time";
  const useTime = fs.existsSync(timeBinary);
  const [bin, argv] = useTime ? [timeBinary, ["-f", "%U %S %M", command, ...args]] : [command, args];
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const child = spawn(bin, argv, { cwd: root, env: { ...process.env, ...env }, stdio: ["ignore", "ignore", "pipe"] });
    let stderr = "";
    child.stderr.on("data", (chunk) => (stderr += String(chunk)));
    child.on("close", (code) => {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      if (code === null || !allowedCodes.includes(code)) return reject(new Error(`${command} ${args.join(" ")} exited ${code}\n${stderr}`));
      const lastLine = stderr.trim().split("\n").pop() ?? "";
      // GNU time's last line: user and system seconds, peak resident KiB; missing fields read as NaN.
      const [user = Number.NaN, system = Number.NaN, peakKiB = Number.NaN] = useTime ? lastLine.split(" ").map(Number) : [];
      resolve({ seconds, cpuSeconds: user + system, peakMiB: peakKiB / 1024 });
    });
  });
}

async function best(
  label: string,
  command: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  before?: () => void,
  allowedCodes: readonly number[] = [0],
): Promise<Sample> {
  const samples: Sample[] = [];
  for (let i = 0; i < runs; i++) samples.push(await measure(command, args, env, before, allowedCodes));
  return report(label, samples);
}

/** Prints the best of a command's samples (fastest wall time, least CPU, highest peak) and returns it. */
function report(label: string, samples: readonly Sample[]): Sample {
  const fastest = samples.reduce((a, b) => (a.seconds <= b.seconds ? a : b));
  const peak = Math.max(...samples.map((sample) => sample.peakMiB));
  const cpu = Math.min(...samples.map((sample) => sample.cpuSeconds));
  process.stdout.write(
    `${label.padEnd(48)} ${fastest.seconds.toFixed(2).padStart(6)} s   cpu ${cpu.toFixed(2).padStart(6)} s   peak ${peak.toFixed(0).padStart(5)} MiB   (best of ${samples.length})\n`,
  );
  return { seconds: fastest.seconds, cpuSeconds: cpu, peakMiB: peak };
}

/**
 * The best of each command, run in turns (one run of each, `runs` times over) rather than one command's runs after
 * the other's: figures compared with each other (the cost per added environment is a difference of two of them) then
 * see the same machine, which on a shared one changes from minute to minute.
 */
export async function bestInTurns(commands: readonly { label: string; command: string; args: string[]; env: NodeJS.ProcessEnv }[]): Promise<Sample[]> {
  const samples: Sample[][] = commands.map(() => []);
  for (let i = 0; i < runs; i++) {
    for (const [index, { command, args, env }] of commands.entries()) samples[index]!.push(await measure(command, args, env));
  }
  return commands.map(({ label }, index) => report(label, samples[index]!));
}

async function main(): Promise<void> {
  const out = fs.mkdtempSync(path.join(os.tmpdir(), "bench-"));
  const env = { CDKTF_OUTDIR: out, CHECKPOINT_DISABLE: "1", DISABLE_VERSION_CHECK: "true", PLATFORM_ENVS: "" };
  process.stdout.write(`benchmark: ${environments.join(", ")}; node ${process.version}; ${os.cpus().length} cores\n`);
  const synth = await best(
    `cdktf synth (all ${environments.length} environments)`,
    path.join(root, "node_modules", ".bin", "cdktf"),
    ["synth", "--output", out],
    env,
  );
  const bare = await best(`node dist/main.js (all ${environments.length} environments)`, process.execPath, [path.join(root, "dist", "main.js")], env);
  readmeRows.push(
    row(`\`cdktf synth\`, all ${environments.length} environments`, synth),
    row(`\`node dist/main.js\`, all ${environments.length} environments`, bare),
  );
  const edit = await best(
    `edit one config value → JSON (npm run synth)`,
    "npm",
    ["run", "--silent", "synth"],
    { ...env, PLATFORM_CONFIG_DIR: editableConfig() },
    editOneValue,
  );
  process.stdout.write(
    `${"edit → JSON / bare app".padEnd(48)} ${(edit.seconds / bare.seconds).toFixed(2).padStart(6)} ×   cpu ${(edit.cpuSeconds / bare.cpuSeconds).toFixed(2).padStart(6)} ×   (goal ≤ 1.30)\n`,
  );
  readmeRows.push(
    row("edit one config value → JSON (`npm run synth`)", edit),
    `| edit → JSON / bare app | ${(edit.seconds / bare.seconds).toFixed(2)} × | ${(edit.cpuSeconds / bare.cpuSeconds).toFixed(2)} × | |`,
  );
  const perCount = await bestInTurns(
    environments.map((_, index) => {
      const selection = environments.slice(0, index + 1).join(",");
      return {
        label: `node dist/main.js (${selection})`,
        command: process.execPath,
        args: [path.join(root, "dist", "main.js")],
        env: { ...env, PLATFORM_ENVS: selection },
      };
    }),
  );
  const [fewest, most] = [perCount[0], perCount[perCount.length - 1]];
  if (fewest && most && perCount.length > 1) {
    const perEnvironment = (most.seconds - fewest.seconds) / (perCount.length - 1);
    const cpuPerEnvironment = (most.cpuSeconds - fewest.cpuSeconds) / (perCount.length - 1);
    const memoryPerEnvironment = (most.peakMiB - fewest.peakMiB) / (perCount.length - 1);
    process.stdout.write(
      `${"per added environment".padEnd(48)} ${perEnvironment.toFixed(2).padStart(6)} s   cpu ${cpuPerEnvironment.toFixed(2).padStart(6)} s   peak ${memoryPerEnvironment.toFixed(0).padStart(5)} MiB   (goal cpu ≤ 0.30)\n`,
    );
    readmeRows.push(row("per added environment", { seconds: perEnvironment, cpuSeconds: cpuPerEnvironment, peakMiB: memoryPerEnvironment }));
  }
  // A tool asked for usage loads none of the app: it must answer well under a second.
  for (const tool of ["cost", "contracts", "diagram", "teardown"]) {
    await best(
      `npm run ${tool} -- --help (usage)`,
      process.execPath,
      ["--require", "tsx/cjs", path.join(root, "tools", tool, "cli.ts"), "--help"],
      env,
      undefined,
      [0, 1],
    );
  }
  // The last synth above was of every environment: its stacks are the ones the figures are of.
  if (process.argv.includes("--readme")) writeReadme(fs.readdirSync(path.join(out, "stacks")).length);
  fs.rmSync(out, { recursive: true, force: true });
  const loadTest = await benchApp();
  if (process.argv.includes("--readme")) writeLoadTest(loadTest);
  fs.rmSync(path.dirname(editedFile), { recursive: true, force: true });
}

/** One row of the README's table: wall, CPU and peak memory of a phase. */
function row(what: string, sample: Sample): string {
  const mib = Number.isNaN(sample.peakMiB) ? "" : `${sample.peakMiB.toFixed(0)} MiB`;
  return `| ${what} | ${sample.seconds.toFixed(2)} s | ${sample.cpuSeconds.toFixed(2)} s | ${mib} |`;
}

/** Writes this run's synth figures into README.md's benchmark block, with the machine and date they were measured on. */
function writeReadme(stacks: number): void {
  const file = path.join(root, "README.md");
  const month = new Date().toLocaleString("en-GB", { month: "long", year: "numeric", timeZone: "UTC" });
  const content = [
    `Measured by \`npm run bench -- --readme\` on a ${os.cpus().length}-core machine (${stacks} stacks, policy aspect included, best of ${runs}, ${month}):`,
    "",
    "| what | wall | CPU | peak memory |",
    "|---|---:|---:|---:|",
    ...readmeRows,
  ].join("\n");
  fs.writeFileSync(file, replaceBlock(fs.readFileSync(file, "utf8"), README_MARKERS, content, "README.md"));
  process.stdout.write(`wrote the synth figures into README.md\n`);
}

/** Writes the load test's figures (as it printed them) into README.md's load-test block. */
function writeLoadTest(lines: readonly string[]): void {
  const file = path.join(root, "README.md");
  const content = ["```", ...lines.filter((line) => line.trim() !== ""), "```"].join("\n");
  fs.writeFileSync(file, replaceBlock(fs.readFileSync(file, "utf8"), README_LOAD_TEST_MARKERS, content, "README.md"));
  process.stdout.write(`wrote the load-test figures into README.md\n`);
}

let editedFile = "";
let edits = 0;

/** A copy of the shipped config that the edit loop may change. */
function editableConfig(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "bench-config-"));
  for (const name of environments) fs.copyFileSync(path.join(root, "config", `${name}.yaml`), path.join(dir, `${name}.yaml`));
  editedFile = path.join(dir, `${environments[0]}.yaml`);
  return dir;
}

/** Changes one value (a tag of the first environment) as a user editing the file would, before each timed synth. */
function editOneValue(): void {
  const document = parseDocument(fs.readFileSync(editedFile, "utf8"));
  document.setIn(["tags", "bench-edit"], String(++edits));
  fs.writeFileSync(editedFile, document.toString());
}

// `npm run bench` runs this file; the README test imports README_MARKERS from it without running anything.
if (require.main === module) {
  main().catch((error) => {
    process.stderr.write(`${(error as Error).message}\n`);
    process.exit(1);
  });
}
