import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import { createInterface } from "node:readline";
import { migrate } from "../src/migrate";
import { DEFAULT_SAMPLE_RATIO } from "../src/tracing";
import { postgresTool, startPostgres, type PostgresServer } from "./postgres";
import { testDatabaseSettings } from "../test/support";

/**
 * The app's load test (`npm run bench` at the root, or `node app/dist/tools/bench.js`), in one run against one local
 * PostgreSQL on loopback: GET /users/:id and POST /users at fixed concurrency for a fixed time each, served by
 *   - the app with tracing off,
 *   - the app with tracing as production configures it (parent-based ratio sampling, exporting to a local sink),
 *   - a minimal Fastify + pg server doing the same queries (tools/minimal-server.ts),
 * and the same statements straight from pgbench. Prints requests/s, latency, CPU per request of the server process,
 * and the ratios: app / minimal and app / pgbench (goal ≥ 0.8× the minimal server) and tracing's CPU cost (goal
 * ≤ 1.25× tracing off). Client, servers and database share the machine's cores: ratios, not absolute figures, count;
 * on a busy machine CPU per request is steadier than throughput.
 */
const appRoot = path.resolve(__dirname, "..", "..");
const concurrency = Number(process.env.BENCH_APP_CONCURRENCY ?? 16);
const seconds = Number(process.env.BENCH_APP_SECONDS ?? 5);
const warmup = Number(process.env.BENCH_APP_WARMUP ?? 2);
const rounds = Number(process.env.BENCH_APP_ROUNDS ?? 2);
const poolMax = 10;

interface Result {
  readonly rate: number;
  readonly errors: number;
  readonly p50: number;
  readonly p99: number;
  /** CPU milliseconds of the server process per request; NaN for pgbench. */
  readonly cpuMsPerRequest: number;
}

function request(agent: http.Agent, port: number, method: string, urlPath: string, body?: string): Promise<{ status: number; text: string }> {
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

/** utime + stime of a process, in milliseconds (Linux /proc; NaN elsewhere). */
function cpuMs(pid: number | undefined): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]?.split(" ") ?? [];
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
  } catch {
    return Number.NaN;
  }
}

type Call = { method: string; path: string; body?: string; expect: number };

async function load(port: number, pid: number | undefined, next: (i: number) => Call, duration: number): Promise<Result> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
  const latencies: number[] = [];
  let errors = 0;
  let counter = 0;
  const cpuBefore = cpuMs(pid);
  const started = Date.now();
  const end = started + duration * 1000;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (Date.now() < end) {
        const call = next(counter++);
        const t0 = process.hrtime.bigint();
        const response = await request(agent, port, call.method, call.path, call.body).catch(() => ({ status: 0, text: "" }));
        latencies.push(Number(process.hrtime.bigint() - t0) / 1e6);
        if (response.status !== call.expect) errors++;
      }
    }),
  );
  const elapsed = (Date.now() - started) / 1000;
  const cpu = cpuMs(pid) - cpuBefore;
  agent.destroy();
  latencies.sort((a, b) => a - b);
  const at = (p: number): number => latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))] ?? Number.NaN;
  return { rate: latencies.length / elapsed, errors, p50: at(50), p99: at(99), cpuMsPerRequest: cpu / latencies.length };
}

function report(label: string, result: Result): void {
  const cpu = Number.isNaN(result.cpuMsPerRequest) ? "" : `   cpu ${result.cpuMsPerRequest.toFixed(3)} ms/req`;
  process.stdout.write(
    `${label.padEnd(44)} ${result.rate.toFixed(0).padStart(6)} req/s   p50 ${result.p50.toFixed(1).padStart(5)} ms   p99 ${Number.isNaN(result.p99) ? "   n/a   " : `${result.p99.toFixed(1).padStart(6)} ms`}${cpu}   errors ${result.errors}\n`,
  );
}

/** Starts a server script and waits for its JSON "listening" line (the app and the minimal server both print one). */
function startServer(script: string, env: NodeJS.ProcessEnv): Promise<{ child: ChildProcess; port: number }> {
  // BENCH_APP_NODE_ARGS, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof": where a server spends its time.
  const nodeArgs = (process.env.BENCH_APP_NODE_ARGS ?? "").split(" ").filter((arg) => arg !== "");
  const child = spawn(process.execPath, [...nodeArgs, script], { env, stdio: ["ignore", "pipe", "pipe"] });
  const lines: string[] = [];
  createInterface({ input: child.stderr }).on("line", (line) => lines.push(line));
  return new Promise((resolve, reject) => {
    createInterface({ input: child.stdout }).on("line", (line) => {
      if (!line.includes('"listening"')) return;
      const entry = JSON.parse(line) as { port: number };
      resolve({ child, port: entry.port });
    });
    child.once("exit", (code) => reject(new Error(`${path.basename(script)} exited (${code}):\n${lines.join("\n")}`)));
  });
}

async function stopServer(child: ChildProcess): Promise<void> {
  const exited = new Promise((resolve) => child.once("exit", resolve));
  child.kill("SIGTERM");
  await exited;
}

/** The sampling ratio production sets (gitops/overlays/prod), else the app's default. */
function productionRatio(): { ratio: string; source: string } {
  const dir = path.resolve(appRoot, "..", "gitops", "overlays", "prod");
  for (const file of readdirSync(dir).filter((name) => name.endsWith(".yaml"))) {
    const match = /name: OTEL_TRACES_SAMPLER_ARG\s+value: "?([0-9.]+)"?/.exec(readFileSync(path.join(dir, file), "utf8"));
    if (match?.[1] !== undefined) return { ratio: match[1], source: `gitops/overlays/prod/${file}` };
  }
  return { ratio: String(DEFAULT_SAMPLE_RATIO), source: "the app's default (no OTEL_TRACES_SAMPLER_ARG in gitops/overlays/prod)" };
}

/** A sink for OTLP/HTTP exports: accepts and drops them, so tracing costs what it costs in the pod, not a timeout. */
function otlpSink(): Promise<{ server: http.Server; port: number; received: () => number }> {
  let count = 0;
  const server = http.createServer((req, res) => {
    req.resume();
    req.on("end", () => {
      count++;
      res.writeHead(200, { "content-type": "application/json" }).end("{}");
    });
  });
  return new Promise((resolve) =>
    server.listen(0, "127.0.0.1", () => resolve({ server, port: (server.address() as { port: number }).port, received: () => count })),
  );
}

function pgbench(db: PostgresServer, script: string, extra: string[]): Result {
  const dir = mkdtempSync(path.join(os.tmpdir(), "users-info-pgbench-"));
  const file = path.join(dir, "script.sql");
  writeFileSync(file, script);
  const result = spawnSync(
    postgresTool("pgbench"),
    [
      "-n",
      "-M",
      "prepared",
      "-c",
      String(poolMax),
      "-j",
      "2",
      "-T",
      String(seconds),
      "-h",
      db.host,
      "-p",
      String(db.port),
      "-U",
      db.user,
      "-f",
      file,
      ...extra,
      db.database,
    ],
    { env: { ...process.env, PGPASSWORD: db.password }, encoding: "utf8" },
  );
  const tps = Number(/tps = ([0-9.]+)/.exec(result.stdout)?.[1]);
  const latency = Number(/latency average = ([0-9.]+) ms/.exec(result.stdout)?.[1]);
  if (Number.isNaN(tps)) throw new Error(`pgbench failed: ${result.error?.message ?? ""}\n${result.stdout}\n${result.stderr}`);
  return {
    rate: tps,
    errors: Number(/number of failed transactions: (\d+)/.exec(result.stdout)?.[1] ?? 0),
    p50: latency,
    p99: Number.NaN,
    cpuMsPerRequest: Number.NaN,
  };
}

async function main(): Promise<void> {
  const db = await startPostgres();
  const sink = await otlpSink();
  try {
    const settings = testDatabaseSettings(
      {
        TEST_WRITER_HOST: db.host,
        TEST_READER_HOST: db.host,
        TEST_PGPORT: String(db.port),
        TEST_PGUSER: db.user,
        TEST_WRITER_PASSWORD: db.password,
        TEST_READER_PASSWORD: db.password,
        TEST_PGDATABASE: db.database,
        TEST_WRITER_SUPERPASSWORD: db.superPassword,
        TEST_READER_SUPERPASSWORD: db.superPassword,
        TEST_WRITER_DATA: db.dataDir,
        TEST_READER_DATA: db.dataDir,
      },
      db.host,
    );
    await migrate(settings);
    const seeded = await db.admin(
      "INSERT INTO users (email, name) SELECT 'seed' || g || '@bench.example', 'Seed ' || g FROM generate_series(1, 200) g RETURNING id::text",
    );
    const ids = seeded.rows.map((row: { id: string }) => row.id);
    const keyDir = mkdtempSync(path.join(os.tmpdir(), "users-info-bench-key-"));
    const keyFile = path.join(keyDir, "key");
    writeFileSync(keyFile, "bench-session-signing-key-0123456789abcdef", { mode: 0o600 });
    const pgEnv = { PATH: process.env.PATH, PGHOST: db.host, PGPORT: String(db.port), PGUSER: db.user, PGPASSWORD: db.password, PGDATABASE: db.database };
    const production = productionRatio();
    const appEnv = { ...pgEnv, PORT: "0", METRICS_PORT: "0", HOST: "127.0.0.1", SESSION_KEY_FILE: keyFile, LOG_LEVEL: "info", DB_POOL_MAX: String(poolMax) };
    const variants: Array<{ label: string; script: string; env: NodeJS.ProcessEnv }> = [
      { label: "app, tracing off", script: path.join(appRoot, "dist", "src", "main.js"), env: appEnv },
      {
        label: `app, tracing as in production (ratio ${production.ratio})`,
        script: path.join(appRoot, "dist", "src", "main.js"),
        env: {
          ...appEnv,
          OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${sink.port}`,
          OTEL_TRACES_SAMPLER: "parentbased_traceidratio",
          OTEL_TRACES_SAMPLER_ARG: production.ratio,
        },
      },
      { label: "minimal Fastify + pg", script: path.join(appRoot, "dist", "tools", "minimal-server.js"), env: { ...pgEnv, DB_POOL_MAX: String(poolMax) } },
    ];
    process.stdout.write(
      `app load test: node ${process.version}, ${concurrency} concurrent clients, ${seconds} s per endpoint after ${warmup} s of warm-up, best of ${rounds} interleaved rounds, loopback, one local PostgreSQL, pools of ${poolMax}\n` +
        `production tracing: parentbased_traceidratio, ratio ${production.ratio} from ${production.source}\n`,
    );
    // Rounds interleave the servers, so a burst of load from elsewhere on the machine hits all of them alike; each
    // figure is the best of the rounds (highest rate, lowest CPU per request).
    const best = (a: Result | undefined, b: Result): Result =>
      a === undefined
        ? b
        : {
            rate: Math.max(a.rate, b.rate),
            errors: a.errors + b.errors,
            p50: Math.min(a.p50, b.p50),
            p99: Math.min(a.p99, b.p99),
            cpuMsPerRequest: Math.min(a.cpuMsPerRequest, b.cpuMsPerRequest),
          };
    const results = new Map<string, { get: Result; post: Result }>();
    const run = Date.now();
    for (let round = 0; round < rounds; round++) {
      for (const variant of variants.map((_, i) => variants[(i + round) % variants.length]!)) {
        const { child, port } = await startServer(variant.script, variant.env);
        try {
          const read = (i: number): Call => ({ method: "GET", path: `/users/${ids[i % ids.length] ?? ""}`, expect: 200 });
          await load(port, child.pid, read, warmup);
          const get = await load(port, child.pid, read, seconds);
          const prefix = `${round}-${variant.label.length}-${run}`;
          const write = (i: number): Call => ({
            method: "POST",
            path: "/users",
            body: JSON.stringify({ email: `load${prefix}-${i}@bench.example`, name: "Load" }),
            expect: 201,
          });
          await load(port, child.pid, (i) => write(i + 10_000_000), warmup);
          const post = await load(port, child.pid, write, seconds);
          const previous = results.get(variant.label);
          results.set(variant.label, { get: best(previous?.get, get), post: best(previous?.post, post) });
        } finally {
          await stopServer(child);
        }
      }
    }
    for (const variant of variants) {
      const result = results.get(variant.label)!;
      report(`GET /users/:id   ${variant.label}`, result.get);
      report(`POST /users      ${variant.label}`, result.post);
    }
    const columns = "id, email, name, created_at, updated_at";
    const pgGet = pgbench(db, `SELECT ${columns} FROM users WHERE id = :id::uuid;\n`, ["-D", `id=${ids[0] ?? ""}`]);
    report("GET /users/:id   pgbench (same SELECT)", pgGet);
    const pgPost = pgbench(
      db,
      `INSERT INTO users (email, name) VALUES ('pgbench-' || md5(random()::text) || '@bench.example', 'Load') RETURNING ${columns};\n`,
      [],
    );
    report("POST /users      pgbench (same INSERT)", pgPost);

    const [off, traced, minimal] = variants.map((variant) => results.get(variant.label)!);
    const ratio = (a: number, b: number): string => `${(a / b).toFixed(2)}×`;
    process.stdout.write(`ratios (throughput; CPU per request)                 GET /users/:id   POST /users\n`);
    const line = (label: string, get: string, post: string): void =>
      void process.stdout.write(`${label.padEnd(52)} ${get.padStart(14)} ${post.padStart(13)}\n`);
    line("app (tracing off) / minimal server   (goal ≥ 0.80×)", ratio(off!.get.rate, minimal!.get.rate), ratio(off!.post.rate, minimal!.post.rate));
    line("app (production tracing) / minimal server", ratio(traced!.get.rate, minimal!.get.rate), ratio(traced!.post.rate, minimal!.post.rate));
    line("app (tracing off) / pgbench", ratio(off!.get.rate, pgGet.rate), ratio(off!.post.rate, pgPost.rate));
    line("app (production tracing) / pgbench", ratio(traced!.get.rate, pgGet.rate), ratio(traced!.post.rate, pgPost.rate));
    line(
      "CPU/request: production tracing / off (goal ≤ 1.25×)",
      ratio(traced!.get.cpuMsPerRequest, off!.get.cpuMsPerRequest),
      ratio(traced!.post.cpuMsPerRequest, off!.post.cpuMsPerRequest),
    );
    line(
      "CPU/request: app (tracing off) / minimal server",
      ratio(off!.get.cpuMsPerRequest, minimal!.get.cpuMsPerRequest),
      ratio(off!.post.cpuMsPerRequest, minimal!.post.cpuMsPerRequest),
    );
    process.stdout.write(`OTLP exports received from the traced run: ${sink.received()}\n`);
  } finally {
    sink.server.close();
    db.stop();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`app bench: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
