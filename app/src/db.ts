import { readFileSync } from "node:fs";
import { Signer } from "@aws-sdk/rds-signer";
import pg from "pg";
import type { DatabaseSettings } from "./config";
import type { Metrics } from "./metrics";

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
  return {
    host,
    port: settings.port,
    database: settings.database,
    user: settings.user,
    // pg calls the function for every new connection: each one logs in with a token that is still valid.
    password: tokens !== undefined ? () => tokens.get() : settings.password,
    ssl: settings.sslMode === "verify-full" ? { ca: readFileSync(settings.caFile, "utf8"), rejectUnauthorized: true } : false,
    max: settings.poolMax,
    // A probe has 2 s; a request should fail fast rather than queue behind an unreachable database.
    connectionTimeoutMillis: 1_500,
    idleTimeoutMillis: 30_000,
    query_timeout: 10_000,
    application_name: `users-info-${pool}`,
  };
}

/** The writer and reader pools. Writes and reads that must see them go to the writer; other reads to the reader. */
export class Database {
  readonly writer: pg.Pool;
  readonly reader: pg.Pool;

  constructor(
    settings: DatabaseSettings,
    private readonly metrics: Metrics,
  ) {
    this.writer = new pg.Pool(poolConfig(settings, "writer"));
    this.reader = settings.readerHost === settings.writerHost ? this.writer : new pg.Pool(poolConfig(settings, "reader"));
    // An idle client that loses its server (failover, restart) must not crash the process.
    for (const pool of new Set([this.writer, this.reader])) pool.on("error", () => undefined);
    const pools = [{ name: "writer" as const, pool: this.writer }, ...(this.reader === this.writer ? [] : [{ name: "reader" as const, pool: this.reader }])];
    metrics.registerPools(
      pools.map(({ name, pool }) => ({
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
      })),
    );
  }

  async query<R extends pg.QueryResultRow>(pool: PoolName, text: string, values: unknown[] = []): Promise<pg.QueryResult<R>> {
    const stop = this.metrics.dbQueryDuration.startTimer({ pool });
    try {
      const result = await (pool === "writer" ? this.writer : this.reader).query<R>(text, values);
      stop({ outcome: "ok" });
      return result;
    } catch (error) {
      stop({ outcome: "error" });
      throw error;
    }
  }

  /** Readiness: the writer answers within the probe's timeout. */
  async writerReachable(): Promise<boolean> {
    try {
      await this.query("writer", "SELECT 1");
      return true;
    } catch {
      return false;
    }
  }

  async close(): Promise<void> {
    await Promise.all([...new Set([this.writer, this.reader])].map((pool) => pool.end()));
  }
}
