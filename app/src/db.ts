import { readFileSync } from "node:fs";
import { Signer } from "@aws-sdk/rds-signer";
import pg from "pg";
import type { DatabaseSettings } from "./config";
import type { Metrics } from "./metrics";
import { endQuery, startQuery, type Trace } from "./tracing";

/** IAM tokens live 15 minutes; a new one is signed after 10, so a connection never starts with a token about to expire. */
export const IAM_TOKEN_REFRESH_MS = 10 * 60 * 1000;

/**
 * Signs IAM authentication tokens for one host and reuses each for IAM_TOKEN_REFRESH_MS. Signing is local (SigV4 with
 * the IRSA credentials), so a refresh costs no network round trip; caching keeps it off the connection path anyway.
 */
export class IamTokenSource {
  private token: { readonly value: string; readonly signedAt: number } | undefined;

  constructor(
    private readonly sign: () => Promise<string>,
    private readonly now: () => number = Date.now,
  ) {}

  static forHost(settings: DatabaseSettings, hostname: string): IamTokenSource {
    const signer = new Signer({ hostname, port: settings.port, username: settings.user, region: settings.region });
    return new IamTokenSource(() => signer.getAuthToken());
  }

  async get(): Promise<string> {
    const current = this.token;
    if (current !== undefined && this.now() - current.signedAt < IAM_TOKEN_REFRESH_MS) return current.value;
    const value = await this.sign();
    this.token = { value, signedAt: this.now() };
    return value;
  }
}

export type PoolName = "writer" | "reader";

export function poolConfig(settings: DatabaseSettings, pool: PoolName): pg.PoolConfig {
  const host = pool === "writer" ? settings.writerHost : settings.readerHost;
  const tokens = settings.iamAuth ? IamTokenSource.forHost(settings, host) : undefined;
  const statementTimeout = pool === "writer" ? settings.writerStatementTimeoutMs : settings.readerStatementTimeoutMs;
  return {
    host,
    port: settings.port,
    database: settings.database,
    user: settings.user,
    // pg calls the function for every new connection: each one logs in with a token that is still valid.
    password: tokens !== undefined ? () => tokens.get() : settings.password,
    ssl: settings.sslMode === "verify-full" ? { ca: readFileSync(settings.caFile, "utf8"), rejectUnauthorized: true } : false,
    max: settings.poolMax,
    // pg-pool uses connectionTimeoutMillis for two things: the wait for a free client (a burst queueing) and the
    // connection attempt. The pool gets the queue bound; each client (ConnectClient below) the short connect bound.
    connectionTimeoutMillis: settings.queueTimeoutMs,
    idleTimeoutMillis: 30_000,
    // The server cancels a statement past its timeout; the client gives up a little later (a server that stopped
    // answering, e.g. a failed-over instance whose packets are dropped).
    statement_timeout: statementTimeout,
    query_timeout: statementTimeout + 1_000,
    keepAlive: true,
    application_name: `users-info-${pool}`,
  };
}

/** A pg client whose connection attempt is bounded by connectTimeoutMs, whatever the pool's queue bound. */
function connectClient(connectTimeoutMs: number): typeof pg.Client {
  return class ConnectClient extends pg.Client {
    constructor(config: pg.ClientConfig) {
      super({ ...config, connectionTimeoutMillis: connectTimeoutMs });
    }
  };
}

/** The endpoint cannot serve: down, failing over, refusing connections, or too busy to queue the request. */
export class UnavailableError extends Error {
  constructor(
    readonly pool: PoolName,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

// SQLSTATEs that say "this endpoint cannot serve now", not "this statement is wrong": connection exceptions (08),
// operator intervention (57: shutdown, crash, cannot connect now, statement timeout), too many connections, and a
// writer that became a reader during failover (read-only transaction).
const UNAVAILABLE_STATES = /^(08...|57P0[1-4]|57014|53300|53400|25006)$/;

/** An error from the endpoint's availability (network, timeout, failover), as opposed to one from the statement. */
export function isUnavailable(error: unknown): boolean {
  if (error instanceof UnavailableError) return true;
  const code = typeof error === "object" && error !== null ? (error as { code?: unknown }).code : undefined;
  if (typeof code === "string" && /^[0-9A-Z]{5}$/.test(code)) return UNAVAILABLE_STATES.test(code);
  // No SQLSTATE: a socket error (ECONNREFUSED, ETIMEDOUT, ECONNRESET), "Connection terminated", a pool or query timeout.
  return true;
}

/**
 * Skips an endpoint for `openMs` after it failed, so a dead reader costs one bounded attempt, not one per request.
 * Past `openMs` the next request tries again; the health checker also closes it as soon as a probe succeeds.
 */
export class Breaker {
  private openUntil = 0;

  constructor(
    private readonly openMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  get open(): boolean {
    return this.now() < this.openUntil;
  }

  failure(): void {
    this.openUntil = this.now() + this.openMs;
  }

  success(): void {
    this.openUntil = 0;
  }
}

interface Endpoint {
  readonly name: PoolName;
  readonly host: string;
  readonly pool: pg.Pool;
  readonly breaker: Breaker;
  readonly probe: Probe;
}

/**
 * One dedicated connection per endpoint that runs `SELECT 1` every interval: readiness reads its last answer, so a
 * probe never waits for (or takes) a pooled connection, and a burst never turns the pod unready.
 */
class Probe {
  private client: pg.Client | undefined;
  up = false;

  constructor(
    private readonly config: pg.ClientConfig,
    private readonly timeoutMs: number,
    /** The writer must also accept writes: after a failover the old writer's address may reach a replica for a while. */
    private readonly sql: string,
  ) {}

  async check(): Promise<boolean> {
    try {
      if (this.client === undefined) {
        const client = new pg.Client({ ...this.config, connectionTimeoutMillis: this.timeoutMs, query_timeout: this.timeoutMs });
        client.on("error", () => undefined);
        this.client = client;
        await client.connect();
      }
      const result = await this.client.query<{ ok: boolean }>(this.sql);
      if (result.rows[0]?.ok !== true) throw new Error("the endpoint cannot serve this role");
      this.up = true;
    } catch {
      this.up = false;
      const client = this.client;
      this.client = undefined;
      await client?.end().catch(() => undefined);
    }
    return this.up;
  }

  async close(): Promise<void> {
    const client = this.client;
    this.client = undefined;
    await client?.end().catch(() => undefined);
  }
}

export interface Health {
  readonly writer: boolean;
  readonly reader: boolean;
}

/**
 * The writer and reader pools, with a breaker and a health probe each. Writes go to the writer and fail fast while it
 * is down. Reads name the endpoint they prefer and fall back to the other one when it cannot serve.
 */
export class Database {
  readonly writer: pg.Pool;
  readonly reader: pg.Pool;
  private readonly endpoints: { readonly writer: Endpoint; readonly reader: Endpoint };
  private timer: NodeJS.Timeout | undefined;
  private probing: Promise<void> | undefined;

  constructor(
    private readonly settings: DatabaseSettings,
    private readonly metrics: Metrics,
  ) {
    const endpoint = (name: PoolName): Endpoint => {
      const config = poolConfig(settings, name);
      const pool = new pg.Pool({ ...config, Client: connectClient(settings.connectTimeoutMs) });
      // An idle client that loses its server (failover, restart) must not crash the process.
      pool.on("error", () => undefined);
      return {
        name,
        host: config.host ?? "",
        pool,
        breaker: new Breaker(settings.breakerOpenMs),
        probe: new Probe(config, settings.connectTimeoutMs, name === "writer" ? "SELECT NOT pg_is_in_recovery() AS ok" : "SELECT true AS ok"),
      };
    };
    const writer = endpoint("writer");
    const reader = settings.readerHost === settings.writerHost ? writer : endpoint("reader");
    this.endpoints = { writer, reader };
    this.writer = writer.pool;
    this.reader = reader.pool;
    const pools = [writer, ...(reader === writer ? [] : [reader])];
    metrics.registerPools(
      pools.map(({ name, pool, probe }) => ({
        name,
        get totalCount() {
          return pool.totalCount;
        },
        get idleCount() {
          return pool.idleCount;
        },
        get waitingCount() {
          return pool.waitingCount;
        },
        get up() {
          return probe.up;
        },
      })),
    );
  }

  /** Probes both endpoints now and then every healthIntervalMs; resolves after the first round. */
  async startHealthChecks(): Promise<void> {
    await this.probeAll();
    this.timer = setInterval(() => {
      this.probing ??= this.probeAll().finally(() => (this.probing = undefined));
    }, this.settings.healthIntervalMs);
    this.timer.unref();
  }

  private async probeAll(): Promise<void> {
    const all = [...new Set([this.endpoints.writer, this.endpoints.reader])];
    await Promise.all(
      all.map(async (endpoint) => {
        if (await endpoint.probe.check()) endpoint.breaker.success();
        else endpoint.breaker.failure();
      }),
    );
  }

  /** What the last probe round found; readiness is "either endpoint can serve". */
  health(): Health {
    return { writer: this.endpoints.writer.probe.up, reader: this.endpoints.reader.probe.up };
  }

  private async run<R extends pg.QueryResultRow>(endpoint: Endpoint, text: string, values: unknown[], trace: Trace | undefined): Promise<pg.QueryResult<R>> {
    if (endpoint.breaker.open) throw new UnavailableError(endpoint.name, `the ${endpoint.name} is unavailable (failing fast until it answers again)`);
    if (endpoint.pool.waitingCount >= this.settings.maxQueue) {
      throw new UnavailableError(endpoint.name, `the ${endpoint.name} pool has ${endpoint.pool.waitingCount} requests queued`);
    }
    const stop = this.metrics.dbQueryDuration.startTimer({ pool: endpoint.name });
    const span = startQuery(trace, endpoint.name, endpoint.host, text);
    let client: pg.PoolClient | undefined;
    try {
      client = await endpoint.pool.connect();
      const result = await client.query<R>(text, values);
      client.release();
      stop({ outcome: "ok" });
      endQuery(span);
      return result;
    } catch (error) {
      // A connection that met an availability error (e.g. it reaches a writer demoted by a failover) is closed, not
      // pooled again: the next one resolves the endpoint's address afresh.
      client?.release(isUnavailable(error) ? (error as Error) : undefined);
      stop({ outcome: "error" });
      endQuery(span, error);
      if (isUnavailable(error)) {
        // A queue timeout is a burst, not a dead endpoint: it must not divert every read to the other one.
        if (!(error instanceof Error && error.message === "timeout exceeded when trying to connect")) endpoint.breaker.failure();
        throw new UnavailableError(endpoint.name, `the ${endpoint.name} cannot answer: ${error instanceof Error ? error.message : String(error)}`, {
          cause: error,
        });
      }
      throw error;
    }
  }

  /** A statement on the writer: fails fast with UnavailableError while the writer is down. */
  async write<R extends pg.QueryResultRow>(text: string, values: unknown[] = [], trace?: Trace): Promise<pg.QueryResult<R>> {
    return this.run<R>(this.endpoints.writer, text, values, trace);
  }

  /** A read on `preferred`, or on the other endpoint when `preferred` cannot serve. */
  async read<R extends pg.QueryResultRow>(
    preferred: PoolName,
    text: string,
    values: unknown[] = [],
    trace?: Trace,
  ): Promise<{ result: pg.QueryResult<R>; from: PoolName }> {
    const first = this.endpoints[preferred];
    const other = preferred === "writer" ? this.endpoints.reader : this.endpoints.writer;
    try {
      return { result: await this.run<R>(first, text, values, trace), from: first.name };
    } catch (error) {
      if (other === first || !(error instanceof UnavailableError)) throw error;
      return { result: await this.run<R>(other, text, values, trace), from: other.name };
    }
  }

  async close(): Promise<void> {
    if (this.timer !== undefined) clearInterval(this.timer);
    await this.probing;
    const all = [...new Set([this.endpoints.writer, this.endpoints.reader])];
    await Promise.all(all.map(async (endpoint) => Promise.all([endpoint.pool.end(), endpoint.probe.close()])));
  }
}
