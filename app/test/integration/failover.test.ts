import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import pg from "pg";
import { controlServer } from "../../tools/postgres";
import { admin, json, startApp, stopApp, testEnv, type AppProcess } from "../support";

/**
 * Fault injection against the real writer and reader the test run started: each endpoint is crashed
 * (`pg_ctl stop -m immediate`) and brought back while the app serves. Readiness must mean "can serve".
 */
const env = testEnv();
let app: AppProcess;
const down = new Set<"writer" | "reader">();

function crash(server: "writer" | "reader"): void {
  controlServer(server === "writer" ? env.TEST_WRITER_DATA : env.TEST_READER_DATA, "crash");
  down.add(server);
}
function restart(server: "writer" | "reader"): void {
  controlServer(server === "writer" ? env.TEST_WRITER_DATA : env.TEST_READER_DATA, "start");
  down.delete(server);
}

async function readiness(): Promise<{ status: number; writer: string; reader: string }> {
  const started = Date.now();
  const response = await fetch(`${app.url}/readyz`);
  assert.ok(Date.now() - started < 2_000, "/readyz answers within the probe's 2 s timeout");
  const body = await json(response);
  return { status: response.status, writer: String(body.writer), reader: String(body.reader) };
}

/** Polls /readyz until the probes report `expected` (the health checker runs every 200 ms here). */
async function until(expected: { writer: string; reader: string }): Promise<void> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const seen = await readiness();
    if (seen.writer === expected.writer && seen.reader === expected.reader) return;
    if (Date.now() > deadline) assert.fail(`readiness stayed ${JSON.stringify(seen)}, expected ${JSON.stringify(expected)}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

function send(method: string, path: string, body?: unknown): Promise<Response> {
  return fetch(`${app.url}${path}`, {
    method,
    headers: body === undefined ? {} : { "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
}

const unique = (): string => `f${Date.now()}${Math.random().toString(36).slice(2, 8)}@example.com`;

before(async () => {
  app = await startApp(env, { DB_HEALTH_INTERVAL_MS: "200", DB_BREAKER_OPEN_MS: "1000" });
});
after(async () => {
  for (const server of [...down]) restart(server);
  await stopApp(app);
});

describe("failover", () => {
  it("with the writer down: stays ready, serves reads from the reader, fails writes fast with 503 and Retry-After", async () => {
    const created = await json(await send("POST", "/users", { email: unique(), name: "Replicated" }));
    // What replication would have copied to the reader before the writer failed.
    await admin(env, "reader", "INSERT INTO users (id, email, name) VALUES ($1, $2, 'Replicated')", [created.id, created.email]);
    crash("writer");
    await until({ writer: "down", reader: "up" });
    assert.equal((await readiness()).status, 200, "the pod stays in the Service while the reader can serve");

    const read = await send("GET", `/users/${String(created.id)}`);
    assert.equal(read.status, 200);
    assert.equal(read.headers.get("x-served-by"), "reader");
    assert.equal((await send("GET", "/users?limit=5")).status, 200);

    const started = Date.now();
    const write = await send("POST", "/users", { email: unique(), name: "During failover" });
    assert.equal(write.status, 503);
    assert.ok(Date.now() - started < 1_500, `a write fails fast (${Date.now() - started} ms)`);
    assert.match(write.headers.get("retry-after") ?? "", /^\d+$/);
    assert.equal(((await json(write)).error as { code: string }).code, "unavailable");

    restart("writer");
    await until({ writer: "up", reader: "up" });
    assert.equal((await send("POST", "/users", { email: unique(), name: "After failover" })).status, 201);
  });

  it("with the reader down: stays ready, and reads fall back to the writer at little cost", async () => {
    crash("reader");
    await until({ writer: "up", reader: "down" });
    assert.equal((await readiness()).status, 200);
    const latencies: number[] = [];
    for (let i = 0; i < 20; i++) {
      const started = Date.now();
      const response = await send("GET", "/users?limit=5");
      latencies.push(Date.now() - started);
      assert.equal(response.status, 200);
      assert.equal(response.headers.get("x-served-by"), "writer");
    }
    assert.ok(Math.max(...latencies) < 1_500, `a dead reader costs little: ${latencies.join(", ")} ms`);
    restart("reader");
    await until({ writer: "up", reader: "up" });
    // Once the probe sees it again the breaker closes: lists go back to the reader.
    assert.equal((await send("GET", "/users?limit=5")).headers.get("x-served-by"), "reader");
  });

  it("is unready only while neither endpoint can serve, and ready again when both are back", async () => {
    crash("writer");
    crash("reader");
    await until({ writer: "down", reader: "down" });
    assert.equal((await readiness()).status, 503);
    const response = await send("GET", "/users?limit=5");
    assert.equal(response.status, 503);
    assert.match(response.headers.get("retry-after") ?? "", /^\d+$/);
    restart("writer");
    restart("reader");
    await until({ writer: "up", reader: "up" });
    assert.equal((await readiness()).status, 200);
    assert.equal((await send("GET", "/users?limit=5")).status, 200);
  });

  it("loses no acknowledged write when the writer crashes under load", async () => {
    const acknowledged: string[] = [];
    const statuses = new Map<number, number>();
    let stop = false;
    const clients = Array.from({ length: 6 }, async () => {
      while (!stop) {
        const response = await send("POST", "/users", { email: unique(), name: "Load" }).catch(() => undefined);
        if (response === undefined) continue;
        statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
        if (response.status === 201) acknowledged.push(String((await json(response)).id));
        else await response.arrayBuffer();
      }
    });
    await new Promise((resolve) => setTimeout(resolve, 700));
    crash("writer");
    await new Promise((resolve) => setTimeout(resolve, 700));
    restart("writer");
    await until({ writer: "up", reader: "up" });
    await new Promise((resolve) => setTimeout(resolve, 300));
    stop = true;
    await Promise.all(clients);
    assert.ok((statuses.get(201) ?? 0) > 0);
    assert.deepEqual(
      [...statuses.keys()].filter((status) => status !== 201 && status !== 503),
      [],
      `only 201 or 503: ${JSON.stringify([...statuses])}`,
    );
    const stored = await admin(env, "writer", "SELECT count(*)::int AS n FROM users WHERE id = ANY($1::uuid[])", [acknowledged]);
    assert.equal(stored.rows[0]?.n, acknowledged.length, "every write answered 201 is on the writer after its crash");
  });
});

describe("a writer address that reaches a replica (right after an Aurora failover)", () => {
  it("is reported down, so writes fail fast with 503 and Retry-After while the reader serves reads", async () => {
    const standby = env.TEST_STANDBY_HOST;
    assert.ok(standby !== undefined, "TEST_STANDBY_HOST: npm test starts a streaming standby");
    const demoted = await startApp(env, { PGHOST: standby, DB_HEALTH_INTERVAL_MS: "200" });
    try {
      const ready = await fetch(`${demoted.url}/readyz`);
      assert.equal(ready.status, 200, "the reader can serve");
      assert.deepEqual(await json(ready), { status: "ready", writer: "down", reader: "up" });
      const started = Date.now();
      const write = await fetch(`${demoted.url}/users`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ email: unique(), name: "Refused" }),
      });
      assert.equal(write.status, 503);
      assert.ok(Date.now() - started < 1_500);
      assert.match(write.headers.get("retry-after") ?? "", /^\d+$/);
      const read = await fetch(`${demoted.url}/users?limit=1`);
      assert.equal(read.status, 200);
      assert.equal(read.headers.get("x-served-by"), "reader");
    } finally {
      await stopApp(demoted);
    }
  });
});

describe("bursts", () => {
  it("queue for a pooled connection instead of failing, and readiness does not wait behind them", async () => {
    // One connection per pool: a PATCH blocked on a row lock holds the writer's only connection for 2.5 s, longer
    // than the old 1.5 s bound on waiting for a connection.
    const burstApp = await startApp(env, { DB_POOL_MAX: "1" });
    const blocker = new pg.Client({
      host: env.TEST_WRITER_HOST,
      port: Number(env.TEST_PGPORT),
      user: env.TEST_PGUSER,
      password: env.TEST_WRITER_PASSWORD,
      database: env.TEST_PGDATABASE,
    });
    try {
      const post = (body: unknown): Promise<Response> =>
        fetch(`${burstApp.url}/users`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
      const created = await json(await post({ email: unique(), name: "Locked" }));
      await blocker.connect();
      await blocker.query("BEGIN");
      await blocker.query("SELECT 1 FROM users WHERE id = $1 FOR UPDATE", [created.id]);
      const held = fetch(`${burstApp.url}/users/${String(created.id)}`, {
        method: "PATCH",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ name: "Unlocked" }),
      });
      await new Promise((resolve) => setTimeout(resolve, 200));
      const burst = [
        ...Array.from({ length: 30 }, () => fetch(`${burstApp.url}/users/${String(created.id)}`)),
        ...Array.from({ length: 10 }, () => post({ email: unique(), name: "Burst" })),
      ];
      const started = Date.now();
      const ready = await fetch(`${burstApp.url}/readyz`);
      assert.equal(ready.status, 200);
      // The old pool made the probe wait for a connection (1.5 s, then 503): now it reads the health checker's answer.
      assert.ok(Date.now() - started < 1_000, `readiness answers at once during the burst (${Date.now() - started} ms)`);
      await new Promise((resolve) => setTimeout(resolve, 2_300));
      await blocker.query("COMMIT");
      assert.equal((await held).status, 200);
      const statuses = await Promise.all(burst.map(async (response) => (await response).status));
      assert.deepEqual(
        statuses.filter((status) => status >= 300),
        [],
        "every queued request was served",
      );
    } finally {
      await blocker.end().catch(() => undefined);
      await stopApp(burstApp);
    }
  });
});
