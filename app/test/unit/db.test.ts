import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { loadConfig } from "../../src/config";
import { Breaker, isUnavailable, poolConfig, UnavailableError } from "../../src/db";

describe("database endpoints", () => {
  it("bound the wait for a pooled connection separately from (and longer than) a connection attempt", () => {
    const settings = loadConfig({ PGHOST: "w", PGHOST_READER: "r", PGUSER: "u" }).database;
    const writer = poolConfig(settings, "writer");
    assert.equal(writer.connectionTimeoutMillis, settings.queueTimeoutMs);
    assert.ok(settings.queueTimeoutMs > settings.connectTimeoutMs, "a burst waits longer than a dead endpoint takes to fail");
    assert.equal(poolConfig(settings, "reader").statement_timeout, settings.readerStatementTimeoutMs);
    assert.equal(writer.statement_timeout, settings.writerStatementTimeoutMs);
    const custom = loadConfig({ PGHOST: "w", PGUSER: "u", DB_QUEUE_TIMEOUT_MS: "8000", DB_CONNECT_TIMEOUT_MS: "500" }).database;
    assert.equal(poolConfig(custom, "writer").connectionTimeoutMillis, 8_000);
    assert.equal(custom.connectTimeoutMs, 500);
  });

  it("tell an unavailable endpoint from a wrong statement", () => {
    for (const error of [
      Object.assign(new Error("connect ECONNREFUSED"), { code: "ECONNREFUSED" }),
      new Error("Connection terminated unexpectedly"),
      new Error("timeout exceeded when trying to connect"),
      Object.assign(new Error("terminating connection due to administrator command"), { code: "57P01" }),
      Object.assign(new Error("the database system is starting up"), { code: "57P03" }),
      Object.assign(new Error("cannot execute INSERT in a read-only transaction"), { code: "25006" }),
      Object.assign(new Error("canceling statement due to statement timeout"), { code: "57014" }),
      new UnavailableError("reader", "down"),
    ])
      assert.ok(isUnavailable(error), error.message);
    for (const code of ["23505", "22P02", "42P01", "22021"]) assert.ok(!isUnavailable(Object.assign(new Error(code), { code })), code);
  });

  it("skip a failed endpoint for a while, then try it again", () => {
    let now = 1_000;
    const breaker = new Breaker(2_000, () => now);
    assert.equal(breaker.open, false);
    breaker.failure();
    assert.equal(breaker.open, true);
    now += 1_999;
    assert.equal(breaker.open, true);
    now += 1;
    assert.equal(breaker.open, false, "tried again after openMs");
    breaker.failure();
    breaker.success();
    assert.equal(breaker.open, false, "a successful probe closes it at once");
  });
});
