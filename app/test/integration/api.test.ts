import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { connect } from "node:net";
import { after, before, describe, it } from "node:test";
import { OPENAPI_FILE } from "../../tools/openapi";
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
    assert.ok(secondIds.every((id) => !firstIds.includes(id)));
    const times = [...(first.users as Array<{ createdAt: string }>), ...(second.users as Array<{ createdAt: string }>)].map((u) => Date.parse(u.createdAt));
    assert.deepEqual(
      times,
      [...times].sort((a, b) => a - b),
      "pages follow creation order",
    );
    const [payload, signature] = String(first.nextCursor).split(".");
    const forged = `${Buffer.from("2000-01-01 00:00:00+00|ffffffff-ffff-4fff-bfff-ffffffffffff").toString("base64url")}.${signature ?? ""}`;
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

describe("client input", () => {
  const id = "6f1c1e6e-4a5e-4c1e-9a34-2f6a3c1d9b10";
  const problemOf = async (response: Response): Promise<{ code: string; message: string }> => (await json(response)).error as { code: string; message: string };

  it("answers 4xx with the documented body for every malformed input, never 5xx, and counts them", async () => {
    const cases: Array<[string, string, unknown, number]> = [
      // PostgreSQL rejects what JSON Schema's uuid format admits.
      ["GET", `/users/urn:uuid:${id}`, undefined, 400],
      ["PATCH", `/users/urn:uuid:${id}`, { name: "X" }, 400],
      ["DELETE", `/users/urn:uuid:${id}`, undefined, 400],
      ["GET", `/users/${id.replace(/-/g, "")}`, undefined, 400],
      ["GET", `/users/{${id}}`, undefined, 400],
      // PostgreSQL text cannot hold NUL.
      ["POST", "/users", { email: unique(), name: "a\u0000b" }, 400],
      ["POST", "/users", { email: `a\u0000${unique()}`, name: "X" }, 400],
      ["PATCH", `/users/${id}`, { name: "\u0000" }, 400],
      // Wrong JSON types are refused, not coerced.
      ["POST", "/users", { email: unique(), name: 123 }, 400],
      ["POST", "/users", { email: unique(), name: true }, 400],
      ["POST", "/users", { email: unique(), name: ["X"] }, 400],
      ["PATCH", `/users/${id}`, { name: 123 }, 400],
      ["POST", "/users", null, 400],
      ["POST", "/users", [], 400],
      ["GET", "/users?limit=1&limit=2", undefined, 400],
      ["GET", "/users?cursor=a&cursor=b", undefined, 400],
    ];
    for (const [method, path, body, status] of cases) {
      const response = await send(method, path, body);
      assert.equal(response.status, status, `${method} ${path} ${JSON.stringify(body)}`);
      assert.equal((await problemOf(response)).code, "invalid_request", `${method} ${path}`);
    }
    const text = await (await fetch(app.metricsUrl)).text();
    assert.match(text, /^http_requests_total\{method="GET",route="\/users\/:id",status="400",code="400"\} \d+/m);
    assert.doesNotMatch(text, /^http_requests_total\{[^}]*code="5\d\d"\}/m, "no 5xx");
  });

  it("answers errors raised before routing in the documented shape, and counts them", async () => {
    const bodyErrors: Array<[RequestInit, number, string]> = [
      [{ method: "POST", headers: { "content-type": "application/json" }, body: "{not json" }, 400, "invalid_request"],
      [{ method: "POST", headers: { "content-type": "application/xml" }, body: "<user/>" }, 415, "unsupported_media_type"],
      [
        { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ email: unique(), name: "x".repeat(2_000_000) }) },
        413,
        "payload_too_large",
      ],
    ];
    for (const [init, status, code] of bodyErrors) {
      const response = await fetch(`${app.url}/users`, init);
      assert.equal(response.status, status);
      assert.equal((await problemOf(response)).code, code);
    }
    const badUrl = await fetch(`${app.url}/users/%E0%A4%A`);
    assert.equal(badUrl.status, 400);
    assert.equal((await problemOf(badUrl)).code, "invalid_request");
    const raw = await new Promise<string>((resolve, reject) => {
      const socket = connect(Number(new URL(app.url).port), "127.0.0.1", () => socket.write("GET /users HTTP/1.1\r\nHost: x\r\nBad Header\r\n\r\n"));
      let data = "";
      socket.on("data", (chunk) => (data += String(chunk)));
      socket.on("end", () => resolve(data));
      socket.on("error", reject);
    });
    assert.match(raw, /^HTTP\/1\.1 400 /);
    assert.deepEqual(JSON.parse(raw.slice(raw.indexOf("\r\n\r\n") + 4)), { error: { code: "invalid_request", message: "the request is not valid HTTP" } });
    const text = await (await fetch(app.metricsUrl)).text();
    assert.match(text, /^http_requests_total\{method="GET",route="unmatched",status="400",code="400"\} \d+/m);
    assert.match(text, /^http_requests_total\{method="unknown",route="unmatched",status="400",code="400"\} \d+/m);
    assert.match(text, /^http_requests_total\{method="POST",route="\/users",status="415",code="415"\} \d+/m);
  });
});

describe("consistency", () => {
  it("reads a user's own update and delete back at once, even when the reader still holds the old row", async () => {
    const created = await json(await send("POST", "/users", { email: unique(), name: "Before" }));
    // The reader's stale copy: what a lagging replica holds right after the write.
    await admin(env, "reader", "INSERT INTO users (id, email, name) VALUES ($1, $2, 'Before')", [created.id, created.email]);
    assert.equal((await send("PATCH", `/users/${String(created.id)}`, { name: "After" })).status, 200);
    const afterUpdate = await send("GET", `/users/${String(created.id)}`);
    assert.equal((await json(afterUpdate)).name, "After");
    assert.equal(afterUpdate.headers.get("x-served-by"), "writer");
    assert.equal((await send("DELETE", `/users/${String(created.id)}`)).status, 204);
    assert.equal((await send("GET", `/users/${String(created.id)}`)).status, 404);
  });
});

describe("the OpenAPI document", () => {
  it("is served, and is the committed openapi.json", async () => {
    const response = await fetch(`${app.url}/openapi.json`);
    assert.equal(response.status, 200);
    const served = await response.text();
    assert.deepEqual(JSON.parse(served), JSON.parse(readFileSync(OPENAPI_FILE, "utf8")));
    assert.deepEqual(Object.keys((JSON.parse(served) as { paths: object }).paths).sort(), ["/healthz", "/openapi.json", "/readyz", "/users", "/users/{id}"]);
  });
});

describe("logs", () => {
  it("write one short line per failed request, none per successful one at info, and no stack for an expected failure", async () => {
    await new Promise((resolve) => setTimeout(resolve, 100));
    const before = app.logs.length;
    await send("GET", "/users?limit=1");
    await send("GET", `/users/urn:uuid:6f1c1e6e-4a5e-4c1e-9a34-2f6a3c1d9b10`);
    await new Promise((resolve) => setTimeout(resolve, 200));
    const lines = app.logs.slice(before);
    assert.equal(lines.length, 1, lines.join("\n"));
    for (const line of lines) {
      assert.ok(Buffer.byteLength(line) < 300, `${Buffer.byteLength(line)} bytes: ${line}`);
      assert.doesNotMatch(line, /"stack"/);
      assert.match(line, /"route":"\/users\/:id","status":400/);
    }
  });
});
