import { execFileSync, spawn, spawnSync } from "child_process";
import * as path from "path";

/**
 * The application's part of `npm run bench`: builds app/ and runs its load test (app/tools/bench.ts) on the Node.js
 * major the image uses (tools/node-runtime.sh). One run prints, for GET /users/:id and POST /users, the app with
 * tracing off and with tracing as production configures it, a minimal Fastify + pg server doing the same queries,
 * and pgbench running the same statements, with the ratios between them (goals: app ≥ 0.8× the minimal server;
 * production tracing ≤ 1.25× the CPU per request of tracing off). Bounded: BENCH_APP_SECONDS (default 5) per
 * endpoint and server, BENCH_APP_ROUNDS (default 2) rounds, about a minute and a half in all.
 */
const root = path.resolve(__dirname, "..");
const appDir = path.join(root, "app");

/** Runs the load test, prints its figures and returns the lines it printed (for the README's load-test block). */
export async function benchApp(): Promise<string[]> {
  const node = execFileSync(path.join(root, "tools", "node-runtime.sh"), { encoding: "utf8" }).trim();
  const tsc = path.join(appDir, "node_modules", "typescript", "bin", "tsc");
  const build = spawnSync(node, [tsc, "-p", path.join(appDir, "tsconfig.json")], { stdio: "inherit" });
  if (build.status !== 0) throw new Error("app: the build failed (npm ci --prefix app first)");
  const child = spawn(node, [path.join(appDir, "dist", "tools", "bench.js")], { stdio: ["ignore", "pipe", "inherit"] });
  // The migration's own log lines are not figures.
  child.stdout.setEncoding("utf8");
  let pending = "";
  const printed: string[] = [];
  const print = (line: string) => {
    if (line.startsWith("{")) return;
    printed.push(line);
    process.stdout.write(`${line}\n`);
  };
  child.stdout.on("data", (chunk: string) => {
    const lines = (pending + chunk).split("\n");
    pending = lines.pop() ?? "";
    lines.forEach(print);
  });
  const code = await new Promise<number | null>((resolve) => child.once("exit", resolve));
  if (pending !== "") print(pending);
  if (code !== 0) throw new Error(`app: the load test exited ${code}`);
  return printed;
}

// Run alone with `node --require tsx/cjs tools/bench-app.ts`; `npm run bench` calls benchApp() after the synth figures.
if (process.argv[1] === __filename) {
  benchApp().catch((error: unknown) => {
    process.stderr.write(`${(error as Error).message}\n`);
    process.exit(1);
  });
}
