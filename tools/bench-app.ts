import { spawn, spawnSync } from "child_process";
import * as http from "http";
import * as path from "path";
import { createInterface } from "readline";

/**
 * Load test of the application on loopback against a throwaway local PostgreSQL (app/tools/local.ts): fixed
 * concurrency, fixed duration per endpoint, then it stops by itself. Prints requests/s and p50/p99 latency of a read
 * (GET /users/:id) and a write (POST /users). Client, service and database share this machine's cores, so the
 * figures are a floor for one pod, not a capacity plan.
 */
const root = path.resolve(__dirname, "..");
const appDir = path.join(root, "app");
const concurrency = Number(process.env.BENCH_APP_CONCURRENCY ?? 16);
const seconds = Number(process.env.BENCH_APP_SECONDS ?? 10);
const warmup = 3;

interface Result {
  readonly requests: number;
  readonly errors: number;
  readonly latenciesMs: number[];
}

const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });

function request(port: number, method: string, urlPath: string, body?: string): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: "127.0.0.1",
        port,
        method,
        path: urlPath,
        agent,
        headers: body === undefined ? {} : { "content-type": "application/json", "content-length": Buffer.byteLength(body) },
      },
      (res) => {
        let text = "";
        res.setEncoding("utf8");
        res.on("data", (chunk: string) => (text += chunk));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, text }));
      },
    );
    req.on("error", reject);
    req.end(body);
  });
}

async function load(port: number, next: (i: number) => { method: string; path: string; body?: string; expect: number }, duration = seconds): Promise<Result> {
  const latenciesMs: number[] = [];
  let errors = 0;
  let counter = 0;
  const end = Date.now() + duration * 1000;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (Date.now() < end) {
        const call = next(counter++);
        const started = process.hrtime.bigint();
        const response = await request(port, call.method, call.path, call.body).catch(() => ({ status: 0, text: "" }));
        latenciesMs.push(Number(process.hrtime.bigint() - started) / 1e6);
        if (response.status !== call.expect) errors++;
      }
    }),
  );
  return { requests: latenciesMs.length, errors, latenciesMs: latenciesMs.sort((a, b) => a - b) };
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

function report(label: string, result: Result): void {
  const rate = result.requests / seconds;
  process.stdout.write(
    `${label.padEnd(48)} ${rate.toFixed(0).padStart(6)} req/s   p50 ${percentile(result.latenciesMs, 50).toFixed(1).padStart(6)} ms   p99 ${percentile(result.latenciesMs, 99).toFixed(1).padStart(6)} ms   errors ${result.errors}\n`,
  );
}

export async function benchApp(): Promise<void> {
  const tsc = path.join(appDir, "node_modules", "typescript", "bin", "tsc");
  const build = spawnSync(process.execPath, [tsc, "-p", path.join(appDir, "tsconfig.json")], { stdio: "inherit" });
  if (build.status !== 0) throw new Error("app: the build failed (npm ci --prefix app first)");
  const child = spawn(process.execPath, [path.join(appDir, "dist", "tools", "local.js")], {
    env: { ...process.env, PORT: "0", METRICS_PORT: "0" },
    stdio: ["ignore", "ignore", "pipe"],
  });
  try {
    const port = await new Promise<number>((resolve, reject) => {
      const lines: string[] = [];
      createInterface({ input: child.stderr }).on("line", (line) => {
        lines.push(line);
        const match = /^users-info on http:\/\/[^:]+:(\d+)/.exec(line);
        if (match) resolve(Number(match[1]));
      });
      child.once("exit", (code) => reject(new Error(`app: the local run exited (${code}):\n${lines.join("\n")}`)));
    });
    const ids: string[] = [];
    for (let i = 0; i < 200; i++) {
      const created = await request(port, "POST", "/users", JSON.stringify({ email: `seed${i}@bench.example`, name: `Seed ${i}` }));
      ids.push((JSON.parse(created.text) as { id: string }).id);
    }
    process.stdout.write(
      `app load test: ${concurrency} concurrent clients, ${seconds} s per endpoint after ${warmup} s of warm-up, loopback, local PostgreSQL\n`,
    );
    const read = (i: number) => ({ method: "GET", path: `/users/${ids[i % ids.length]}`, expect: 200 });
    // Unmeasured warm-up: the JIT, the pools and PostgreSQL's caches; the first seconds otherwise dominate the p99.
    await load(port, read, warmup);
    report("app GET /users/:id (reader)", await load(port, read));
    const run = Date.now();
    const write = (i: number) => ({
      method: "POST",
      path: "/users",
      body: JSON.stringify({ email: `load${run}-${i}@bench.example`, name: "Load" }),
      expect: 201,
    });
    await load(port, (i) => write(i + 1_000_000), warmup);
    report("app POST /users (writer)", await load(port, write));
  } finally {
    agent.destroy();
    child.kill("SIGTERM");
    await new Promise((resolve) => child.once("exit", resolve));
  }
}

// Run alone with `node --require tsx/cjs tools/bench-app.ts`; `npm run bench` calls benchApp() after the synth figures.
if (process.argv[1] === __filename) {
  benchApp().catch((error: unknown) => {
    process.stderr.write(`${(error as Error).message}\n`);
    process.exit(1);
  });
}
