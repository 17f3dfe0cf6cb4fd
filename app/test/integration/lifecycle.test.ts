import assert from "node:assert/strict";
import { describe, it } from "node:test";
import pg from "pg";
import { freePort } from "../../tools/postgres";
import { json, startApp, stopApp, testEnv } from "../support";

const env = testEnv();

describe("probes and shutdown", () => {
  it("is alive but not ready while the writer cannot be reached", async () => {
    const deadPort = String(await freePort(["127.0.0.1"]));
    const app = await startApp(env, { PGPORT: deadPort });
    try {
      assert.equal((await fetch(`${app.url}/healthz`)).status, 200);
      const started = Date.now();
      const ready = await fetch(`${app.url}/readyz`);
      assert.equal(ready.status, 503);
      assert.ok(Date.now() - started < 2_000, "answers within the probe's 2 s timeout");
      assert.equal((await fetch(`${app.url}/users`)).status, 503);
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
