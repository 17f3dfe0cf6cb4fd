import assert from "node:assert/strict";
import { describe, it } from "node:test";
import pg from "pg";
import { freePort } from "../../tools/postgres";
import { admin, json, startApp, stopApp, testEnv } from "../support";

const env = testEnv();

describe("probes and shutdown", () => {
  it("is alive but not ready while neither the writer nor the reader can be reached", async () => {
    const deadPort = String(await freePort(["127.0.0.1"]));
    const app = await startApp(env, { PGPORT: deadPort });
    try {
      assert.equal((await fetch(`${app.url}/healthz`)).status, 200);
      const started = Date.now();
      const ready = await fetch(`${app.url}/readyz`);
      assert.equal(ready.status, 503);
      assert.ok(Date.now() - started < 2_000, "answers within the probe's 2 s timeout");
      const list = await fetch(`${app.url}/users`);
      assert.equal(list.status, 503);
      assert.match(list.headers.get("retry-after") ?? "", /^\d+$/);
      assert.match(await (await fetch(app.metricsUrl)).text(), /^app_ready 0$/m);
    } finally {
      await stopApp(app);
    }
  });

  it("is ready when the writer answers", async () => {
    const app = await startApp(env);
    try {
      const ready = await fetch(`${app.url}/readyz`);
      assert.equal(ready.status, 200);
      assert.equal((await json(ready)).status, "ready");
    } finally {
      await stopApp(app);
    }
  });

  it("on SIGTERM stops being ready, finishes the request in flight, then exits 0", async () => {
    const app = await startApp(env, { SHUTDOWN_TIMEOUT_MS: "20000" });
    const created = await json(
      await fetch(`${app.url}/users`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ email: `drain${Date.now()}@example.com`, name: "Drain" }),
      }),
    );
    // Hold the row's lock so the update below is still running when the signal arrives.
    const blocker = new pg.Client({
      host: env.TEST_WRITER_HOST,
      port: Number(env.TEST_PGPORT),
      user: env.TEST_PGUSER,
      password: env.TEST_WRITER_PASSWORD,
      database: env.TEST_PGDATABASE,
    });
    await blocker.connect();
    await blocker.query("BEGIN");
    await blocker.query("SELECT 1 FROM users WHERE id = $1 FOR UPDATE", [created.id]);
    const inFlight = fetch(`${app.url}/users/${String(created.id)}`, {
      method: "PATCH",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ name: "Drained" }),
    });
    await new Promise((resolve) => setTimeout(resolve, 300));
    app.child.kill("SIGTERM");
    await new Promise((resolve) => setTimeout(resolve, 300));
    assert.equal(app.child.exitCode, null, "still running while a request is in flight");
    await assert.rejects(fetch(`${app.url}/healthz`), "no new connections once draining");
    await blocker.query("COMMIT");
    await blocker.end();
    const released = Date.now();
    const response = await inFlight;
    assert.equal(response.status, 200);
    assert.equal((await json(response)).name, "Drained");
    assert.equal(await app.exited, 0);
    assert.ok(Date.now() - released < 10_000, "exits once the last request is done, not at the drain timeout");
    assert.ok(app.logs.some((line) => line.includes("draining in-flight requests")));
  });

  it("on SIGTERM under load: answers or refuses every request cleanly, keeps every acknowledged write, exits 0", async () => {
    const app = await startApp(env, { SHUTDOWN_TIMEOUT_MS: "10000" });
    const acknowledged: string[] = [];
    const statuses: number[] = [];
    let refused = 0;
    let stop = false;
    const clients = Array.from({ length: 8 }, async (_, client) => {
      for (let i = 0; !stop; i++) {
        const response = await fetch(`${app.url}/users`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ email: `term${client}-${i}-${Date.now()}@example.com`, name: "Term" }),
        }).catch(() => undefined);
        if (response === undefined) {
          // Refused: the listener is closed. The client retries elsewhere (the ALB has deregistered the pod by now).
          refused++;
          if (app.child.exitCode !== null) return;
          await new Promise((resolve) => setTimeout(resolve, 20));
          continue;
        }
        statuses.push(response.status);
        if (response.status === 201) acknowledged.push(String((await json(response)).id));
        else await response.arrayBuffer();
      }
    });
    await new Promise((resolve) => setTimeout(resolve, 800));
    app.child.kill("SIGTERM");
    assert.equal(await app.exited, 0);
    stop = true;
    await Promise.all(clients);
    assert.ok(acknowledged.length > 0, `${acknowledged.length} acknowledged, ${refused} refused`);
    assert.deepEqual(
      statuses.filter((status) => status !== 201 && status !== 503),
      [],
      "201, or 503 from a closing server",
    );
    const stored = await admin(env, "writer", "SELECT count(*)::int AS n FROM users WHERE id = ANY($1::uuid[])", [acknowledged]);
    assert.equal(stored.rows[0]?.n, acknowledged.length, "no acknowledged write lost");
  });

  it("exits 1 with one line when the session-signing key is missing", async () => {
    await assert.rejects(
      startApp(env, { SESSION_KEY_FILE: "/nonexistent/session-signing-key" }),
      /SESSION_KEY_FILE \/nonexistent\/session-signing-key cannot be read \(ENOENT\)/,
    );
  });

  it("exits 0 on SIGTERM when idle", async () => {
    const app = await startApp(env);
    assert.equal(await stopApp(app), 0);
  });
});
