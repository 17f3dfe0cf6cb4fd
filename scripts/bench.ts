import { spawn } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { benchApp } from "./bench-app";

/**
 * Synth budgets, measured: wall time and peak memory of `cdktf synth` and of the compiled app run directly, for all
 * shipped environments, and the cost of each added environment (synth of 1, 2, 3 environments). Prints figures;
 * it asserts nothing (budgets are read by people, not by timed tests that flake on a busy machine).
 */
const root = path.resolve(__dirname, "..");
const runs = Number(process.env.BENCH_RUNS ?? 3);
const environments = fs.readdirSync(path.join(root, "config")).filter((file) => file.endsWith(".yaml")).map((file) => file.slice(0, -5)).sort();

interface Sample {
  readonly seconds: number;
  readonly peakMiB: number;
}

/** Runs a command under /usr/bin/time -f %M when available (peak RSS of the whole process tree's largest member). */
function measure(command: string, args: string[], env: NodeJS.ProcessEnv): Promise<Sample> {
  const timeBinary = "/usr/bin/time";
  const useTime = fs.existsSync(timeBinary);
  const [bin, argv] = useTime ? [timeBinary, ["-f", "%M", command, ...args]] : [command, args];
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const child = spawn(bin, argv, { cwd: root, env: { ...process.env, ...env }, stdio: ["ignore", "ignore", "pipe"] });
    let stderr = "";
    child.stderr.on("data", (chunk) => (stderr += String(chunk)));
    child.on("close", (code) => {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      if (code !== 0) return reject(new Error(`${command} ${args.join(" ")} exited ${code}\n${stderr}`));
      const lastLine = stderr.trim().split("\n").pop() ?? "";
      resolve({ seconds, peakMiB: useTime ? Number(lastLine) / 1024 : Number.NaN });
    });
  });
}

async function best(label: string, command: string, args: string[], env: NodeJS.ProcessEnv): Promise<Sample> {
  const samples: Sample[] = [];
  for (let i = 0; i < runs; i++) samples.push(await measure(command, args, env));
  const fastest = samples.reduce((a, b) => (a.seconds <= b.seconds ? a : b));
  const peak = Math.max(...samples.map((sample) => sample.peakMiB));
  process.stdout.write(`${label.padEnd(48)} ${fastest.seconds.toFixed(2).padStart(6)} s   peak ${peak.toFixed(0).padStart(5)} MiB   (best of ${runs})\n`);
  return { seconds: fastest.seconds, peakMiB: peak };
}

async function main(): Promise<void> {
  const out = fs.mkdtempSync(path.join(os.tmpdir(), "bench-"));
  const env = { CDKTF_OUTDIR: out, CHECKPOINT_DISABLE: "1", DISABLE_VERSION_CHECK: "true", PLATFORM_ENVS: "" };
  process.stdout.write(`benchmark: ${environments.join(", ")}; node ${process.version}; ${os.cpus().length} cores\n`);
  await best(`cdktf synth (all ${environments.length} environments)`, path.join(root, "node_modules", ".bin", "cdktf"), ["synth", "--output", out], env);
  await best(`node dist/main.js (all ${environments.length} environments)`, process.execPath, [path.join(root, "dist", "main.js")], env);
  const perCount: Sample[] = [];
  for (let count = 1; count <= environments.length; count++) {
    const selection = environments.slice(0, count).join(",");
    perCount.push(await best(`node dist/main.js (${selection})`, process.execPath, [path.join(root, "dist", "main.js")], { ...env, PLATFORM_ENVS: selection }));
  }
  if (perCount.length > 1) {
    const perEnvironment = (perCount[perCount.length - 1].seconds - perCount[0].seconds) / (perCount.length - 1);
    const memoryPerEnvironment = (perCount[perCount.length - 1].peakMiB - perCount[0].peakMiB) / (perCount.length - 1);
    process.stdout.write(`${"per added environment".padEnd(48)} ${perEnvironment.toFixed(2).padStart(6)} s   peak ${memoryPerEnvironment.toFixed(0).padStart(5)} MiB\n`);
  }
  fs.rmSync(out, { recursive: true, force: true });
  await benchApp();
}

main().catch((error) => {
  process.stderr.write(`${(error as Error).message}\n`);
  process.exit(1);
});
