import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { admin, json, startApp, stopApp, testEnv, type AppProcess } from "../support";

const env = testEnv();
let app: AppProcess;

before(async () => {
  app = await startApp(env);
});
after(async () => {
  await stopApp(app);
});

function send(method: string, path: string, body?: unknown): Promise<Response> {
  return fetch(`${app.url}${path}`, {
    method,
    headers: body === undefined ? {} : { "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
}

const unique = (): string => `u${Date.now()}${Math.random().toString(36).slice(2, 8)}@example.com`;

describe("users API", () => {
  it("creates, reads, updates and deletes a user", async () => {
    const email = unique();
    const created = await send("POST", "/users", { email, name: "Ada" });
    assert.equal(created.status, 201);
    const user = await json(created);
    assert.equal(user.email, email);
    assert.equal(created.headers.get("location"), `/users/${String(user.id)}`);

    const patched = await send("PATCH", `/users/${String(user.id)}`, { name: "Ada Lovelace" });
    assert.equal(patched.status, 200);
    assert.equal((await json(patched)).name, "Ada Lovelace");

    assert.equal((await send("DELETE", `/users/${String(user.id)}`)).status, 204);
    assert.equal((await send("GET", `/users/${String(user.id)}`)).status, 404);
    assert.equal((await send("DELETE", `/users/${String(user.id)}`)).status, 404);
  });

  it("answers 400 with the offending field for invalid input", async () => {
    const cases: Array<[string, string, unknown, RegExp]> = [
      ["POST", "/users", { name: "No Email" }, /email/],
      ["POST", "/users", { email: "not-an-address", name: "X" }, /email/],
      ["POST", "/users", { email: unique(), name: "" }, /name/],
      ["POST", "/users", { email: unique(), name: "X", admin: true }, /additional/],
      ["GET", "/users/42", undefined, /id/],
      ["GET", "/users?limit=1000", undefined, /limit/],
      ["GET", "/users?cursor=forged.cursor", undefined, /cursor/],
      ["PATCH", "/users/00000000-0000-4000-8000-000000000000", {}, /fewer than 1|minProperties|must NOT have fewer/],
    ];
    for (const [method, path, body, message] of cases) {
      const response = await send(method, path, body);
      assert.equal(response.status, 400, `${method} ${path}`);
      const problem = (await json(response)).error as { code: string; message: string };
      assert.equal(problem.code, "invalid_request");
      assert.match(problem.message, message, `${method} ${path}: ${problem.message}`);
    }
  });

  it("answers 409 when an email is taken, whatever its case", async () => {
    const email = unique();
    assert.equal((await send("POST", "/users", { email, name: "First" })).status, 201);
    const duplicate = await send("POST", "/users", { email: email.toUpperCase(), name: "Second" });
    assert.equal(duplicate.status, 409);
    assert.equal(((await json(duplicate)).error as { code: string }).code, "email_taken");
  });

  it("writes to the writer, lists from the reader, and reads a user back right after creating it", async () => {
    // The reader is a separate server that replicates nothing: what it holds tells which endpoint a read used.
    const onlyOnReader = unique();
    await admin(env, "reader", "INSERT INTO users (email, name) VALUES ($1, 'Reader Only')", [onlyOnReader]);
    const created = await json(await send("POST", "/users", { email: unique(), name: "Writer Only" }));

    const onWriter = await admin(env, "writer", "SELECT count(*)::int AS n FROM users WHERE id = $1", [created.id]);
    assert.equal(onWriter.rows[0]?.n, 1, "the write reached the writer");
    const onReader = await admin(env, "reader", "SELECT count(*)::int AS n FROM users WHERE id = $1", [created.id]);
    assert.equal(onReader.rows[0]?.n, 0, "the write did not reach the reader");

    const emails: string[] = [];
    let cursor: string | null = null;
    do {
      const page = await json(await send("GET", `/users?limit=100${cursor === null ? "" : `&cursor=${encodeURIComponent(cursor)}`}`));
      emails.push(...(page.users as Array<{ email: string }>).map((user) => user.email));
      cursor = page.nextCursor as string | null;
    } while (cursor !== null);
    assert.ok(emails.includes(onlyOnReader), "the list came from the reader");
    assert.ok(!emails.includes(String(created.email)), "the list did not come from the writer");

    const readBack = await send("GET", `/users/${String(created.id)}`);
    assert.equal(readBack.status, 200, "a read right after the write finds the user (writer fallback)");
    assert.equal((await json(readBack)).email, created.email);
  });

  it("pages with signed cursors", async () => {
    for (let i = 0; i < 3; i++) await send("POST", "/users", { email: unique(), name: `Page ${i}` });
    await admin(
      env,
      "reader",
      "INSERT INTO users (email, name) SELECT 'page' || g || '-' || md5(random()::text) || '@example.com', 'P' FROM generate_series(1, 3) g",
    );
    const first = await json(await send("GET", "/users?limit=2"));
    assert.equal((first.users as unknown[]).length, 2);
    assert.equal(typeof first.nextCursor, "string");
    const second = await json(await send("GET", `/users?limit=2&cursor=${encodeURIComponent(String(first.nextCursor))}`));
    const firstIds = (first.users as Array<{ id: string }>).map((user) => user.id);
    const secondIds = (second.users as Array<{ id: string }>).map((user) => user.id);
    assert.ok(secondIds.every((id) => !firstIds.includes(id) && id > (firstIds[1] ?? "")));
    const [payload, signature] = String(first.nextCursor).split(".");
    const forged = `${Buffer.from("ffffffff-ffff-4fff-bfff-ffffffffffff").toString("base64url")}.${signature ?? ""}`;
    assert.notEqual(forged.split(".")[0], payload);
    assert.equal((await send("GET", `/users?cursor=${forged}`)).status, 400);
  });

  it("exports the request metrics the alert rules and the analysis query, by route template", async () => {
    await send("GET", "/users/00000000-0000-4000-8000-000000000000");
    const body = await (await fetch(app.metricsUrl)).text();
    assert.match(body, /^http_requests_total\{method="GET",route="\/users\/:id",status="404",code="404"\} \d+/m);
    assert.match(body, /^http_request_duration_seconds_bucket\{le="0.005",method="GET",route="\/users\/:id",status="404",code="404"\} \d+/m);
    assert.match(body, /^db_pool_connections\{pool="reader",state="total"\} \d+/m);
    assert.match(body, /^db_query_duration_seconds_count\{pool="writer",outcome="ok"\} \d+/m);
    assert.equal((await fetch(`${app.url}/metrics`)).status, 404, "metrics are not on the public port");
  });

  it("logs one JSON object per line", () => {
    const lines = app.logs.filter((line) => line.startsWith("{"));
    assert.ok(lines.length > 0);
    for (const line of lines) {
      const entry = JSON.parse(line) as { level?: unknown; time?: unknown; msg?: unknown };
      assert.equal(typeof entry.level, "string");
      assert.ok(!Number.isNaN(Date.parse(String(entry.time))));
    }
  });
});
