/**
 * The service's settings, all from the environment. In the cluster the Rollout sets PORT, METRICS_PORT and
 * DB_IAM_AUTH, and the `web-database` secret (edge layer's connection secret, through External Secrets) sets
 * PGHOST, PGHOST_READER, PGPORT, PGUSER and PGSSLMODE. Locally PGPASSWORD replaces the IAM token.
 */
export interface DatabaseSettings {
  readonly writerHost: string;
  readonly readerHost: string;
  readonly port: number;
  readonly database: string;
  readonly user: string;
  /** Sign a fresh IAM authentication token per connection instead of using a password. */
  readonly iamAuth: boolean;
  readonly password: string | undefined;
  readonly region: string | undefined;
  /** `verify-full` checks the server's certificate against `caFile` and its name against the host. */
  readonly sslMode: "disable" | "verify-full";
  readonly caFile: string;
  readonly poolMax: number;
  /** Bound on opening one connection (TCP, TLS, login): a dead endpoint costs at most this much per attempt. */
  readonly connectTimeoutMs: number;
  /** Bound on waiting for a free pooled connection during a burst; past it the request gets 503 with Retry-After. */
  readonly queueTimeoutMs: number;
  /** Requests that may wait for a connection at once, per pool; the next one gets 503 at once instead of queueing. */
  readonly maxQueue: number;
  /** Server-side statement_timeout of the writer's and the reader's sessions. */
  readonly writerStatementTimeoutMs: number;
  readonly readerStatementTimeoutMs: number;
  /** How long an endpoint that failed is skipped (reads go to the other one) before it is tried again. */
  readonly breakerOpenMs: number;
  /** How often the health checker probes each endpoint over its own connection (readiness and the breakers). */
  readonly healthIntervalMs: number;
}

export interface Config {
  readonly port: number;
  readonly metricsPort: number;
  readonly host: string;
  readonly logLevel: string;
  readonly sessionKeyFile: string;
  /** How long in-flight requests may take to finish after SIGTERM: the pod's grace (45 s) less preStop (15 s) less margin. */
  readonly shutdownTimeoutMs: number;
  readonly database: DatabaseSettings;
}

export class ConfigError extends Error {}

type Env = Readonly<Record<string, string | undefined>>;

function integer(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === "") return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new ConfigError(`${name}="${raw}" is not valid: expected an integer from ${min} to ${max}`);
  }
  return value;
}

function oneOf<T extends string>(env: Env, name: string, allowed: readonly T[], fallback: T): T {
  const raw = env[name];
  if (raw === undefined || raw === "") return fallback;
  if (!(allowed as readonly string[]).includes(raw)) {
    throw new ConfigError(`${name}="${raw}" is not valid: expected one of ${allowed.join(", ")}`);
  }
  return raw as T;
}

export function loadConfig(env: Env = process.env): Config {
  const iamAuth = oneOf(env, "DB_IAM_AUTH", ["true", "false"], "false") === "true";
  const writerHost = env.PGHOST ?? "";
  if (writerHost === "") throw new ConfigError("PGHOST is not set: expected the writer endpoint of the database");
  const user = env.PGUSER ?? "";
  if (user === "") throw new ConfigError("PGUSER is not set: expected the database user the service logs in as");
  const sslMode = oneOf(env, "PGSSLMODE", ["disable", "verify-full"], iamAuth ? "verify-full" : "disable");
  if (iamAuth && sslMode !== "verify-full") {
    throw new ConfigError(`PGSSLMODE="${sslMode}" is not valid with DB_IAM_AUTH=true: IAM tokens are only sent over verify-full TLS`);
  }
  const region = env.AWS_REGION ?? env.AWS_DEFAULT_REGION;
  if (iamAuth && (region === undefined || region === "")) {
    throw new ConfigError("AWS_REGION is not set: DB_IAM_AUTH=true signs tokens for the database's region (the IRSA webhook sets it)");
  }
  return {
    port: integer(env, "PORT", 8080, 0, 65535),
    metricsPort: integer(env, "METRICS_PORT", 9090, 0, 65535),
    host: env.HOST ?? "0.0.0.0",
    logLevel: oneOf(env, "LOG_LEVEL", ["fatal", "error", "warn", "info", "debug", "trace", "silent"], "info"),
    sessionKeyFile: env.SESSION_KEY_FILE ?? "/vault/secrets/session-signing-key",
    shutdownTimeoutMs: integer(env, "SHUTDOWN_TIMEOUT_MS", 25_000, 0, 600_000),
    database: {
      writerHost,
      // Without a reader endpoint (a local database) reads go to the writer.
      readerHost: env.PGHOST_READER || writerHost,
      port: integer(env, "PGPORT", 5432, 1, 65535),
      // Aurora creates the `postgres` database when the cluster names none; the connection secret carries no name.
      database: env.PGDATABASE || "postgres",
      user,
      iamAuth,
      password: iamAuth ? undefined : env.PGPASSWORD,
      region,
      sslMode,
      caFile: env.PGSSLROOTCERT ?? "/app/certs/rds-global-bundle.pem",
      poolMax: integer(env, "DB_POOL_MAX", 10, 1, 200),
      connectTimeoutMs: integer(env, "DB_CONNECT_TIMEOUT_MS", 1_000, 100, 30_000),
      queueTimeoutMs: integer(env, "DB_QUEUE_TIMEOUT_MS", 5_000, 100, 60_000),
      maxQueue: integer(env, "DB_MAX_QUEUE", 1_000, 0, 100_000),
      writerStatementTimeoutMs: integer(env, "DB_WRITER_STATEMENT_TIMEOUT_MS", 5_000, 100, 600_000),
      readerStatementTimeoutMs: integer(env, "DB_READER_STATEMENT_TIMEOUT_MS", 2_000, 100, 600_000),
      breakerOpenMs: integer(env, "DB_BREAKER_OPEN_MS", 2_000, 100, 600_000),
      healthIntervalMs: integer(env, "DB_HEALTH_INTERVAL_MS", 1_000, 100, 60_000),
    },
  };
}
