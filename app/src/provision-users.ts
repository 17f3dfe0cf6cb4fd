import { readFileSync } from "node:fs";
import pg from "pg";

/**
 * Creates the database users the application logs in as, before the first migration, as Aurora's master user: the
 * one step of the platform that holds the master credentials (the `web-provision-users` Argo CD hook Job of
 * gitops/base, docs/application.md#database-users). Idempotent: every run brings each user to the same state, so it
 * runs on every sync; two runs at once serialize on an advisory lock.
 *
 * Each user is an IAM-authenticated login: `LOGIN`, no password (a password set by hand is removed), member of
 * `rds_iam` (Aurora then accepts only IAM tokens for it), `CONNECT` on the database and `USAGE, CREATE` on its
 * `public` schema, which the migrations (run as the same user) create their tables in. PostgreSQL 15 and later no
 * longer grant `CREATE` on `public` to everyone.
 */
export interface ProvisionSettings {
  readonly host: string;
  readonly port: number;
  readonly database: string;
  /** Aurora's master user and its password (the RDS-managed secret's `username` and `password`). */
  readonly masterUser: string;
  readonly masterPassword: string;
  /** `verify-full` checks the server's certificate against `caFile` and its name against the host. */
  readonly sslMode: "disable" | "verify-full";
  readonly caFile: string;
  /** The users to provision, each a PostgreSQL identifier. */
  readonly users: readonly string[];
}

export class ProvisionConfigError extends Error {}

/** The advisory lock two concurrent runs serialize on (an arbitrary constant, "users" in ASCII). */
export const PROVISION_LOCK = 0x7573657273;
/** The role Aurora (and RDS) grant IAM database authentication through. */
export const IAM_ROLE = "rds_iam";
const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;

type Env = Readonly<Record<string, string | undefined>>;

function required(env: Env, name: string, what: string): string {
  const value = env[name] ?? "";
  if (value === "") throw new ProvisionConfigError(`${name} is not set: expected ${what}`);
  return value;
}

/**
 * The settings from the environment the Job sets: the `web-database` ConfigMap (PGHOST, PGPORT, PGDATABASE, PGSSLMODE),
 * the master secret through its ExternalSecret (MASTER_USERNAME, MASTER_PASSWORD) and DB_IAM_USERS (comma-separated).
 */
export function loadProvisionSettings(env: Env = process.env): ProvisionSettings {
  const users = required(env, "DB_IAM_USERS", "the comma-separated database users to provision, e.g. web")
    .split(",")
    .map((user) => user.trim())
    .filter((user) => user !== "");
  for (const user of users) {
    if (!IDENTIFIER.test(user)) {
      throw new ProvisionConfigError(`DB_IAM_USERS: "${user}" is not valid: expected letters, digits and _, starting with a letter or _ (at most 63)`);
    }
  }
  const masterUser = required(env, "MASTER_USERNAME", "Aurora's master user (the managed master secret's `username`)");
  if (users.includes(masterUser)) throw new ProvisionConfigError(`DB_IAM_USERS: "${masterUser}" is the master user: it is never an application user`);
  const sslMode = env.PGSSLMODE || "verify-full";
  if (sslMode !== "disable" && sslMode !== "verify-full") {
    throw new ProvisionConfigError(`PGSSLMODE="${sslMode}" is not valid: expected one of disable, verify-full`);
  }
  const port = Number(env.PGPORT || "5432");
  if (!Number.isInteger(port) || port < 1 || port > 65535)
    throw new ProvisionConfigError(`PGPORT="${env.PGPORT}" is not valid: expected an integer from 1 to 65535`);
  return {
    host: required(env, "PGHOST", "the writer endpoint of the database"),
    port,
    database: env.PGDATABASE || "postgres",
    masterUser,
    masterPassword: required(env, "MASTER_PASSWORD", "the master user's password (the managed master secret's `password`)"),
    sslMode,
    caFile: env.PGSSLROOTCERT ?? "/app/certs/rds-global-bundle.pem",
    users,
  };
}

/** What one run did for each user: `created` the first time, `unchanged` after (the grants are re-applied either way). */
export type ProvisionOutcome = { readonly user: string; readonly action: "created" | "unchanged" };

export async function provisionUsers(settings: ProvisionSettings): Promise<ProvisionOutcome[]> {
  const client = new pg.Client({
    host: settings.host,
    port: settings.port,
    database: settings.database,
    user: settings.masterUser,
    password: settings.masterPassword,
    ssl: settings.sslMode === "verify-full" ? { ca: readFileSync(settings.caFile, "utf8"), rejectUnauthorized: true } : false,
    connectionTimeoutMillis: 10_000,
    statement_timeout: 60_000,
  });
  await client.connect();
  try {
    await client.query("BEGIN");
    await client.query("SELECT pg_advisory_xact_lock($1)", [PROVISION_LOCK]);
    const iamRole = await client.query("SELECT 1 FROM pg_roles WHERE rolname = $1", [IAM_ROLE]);
    if (iamRole.rowCount === 0) {
      throw new Error(`role ${IAM_ROLE} does not exist: ${settings.host} is not Aurora or RDS PostgreSQL, whose IAM authentication it stands for`);
    }
    const outcomes: ProvisionOutcome[] = [];
    const database = client.escapeIdentifier(settings.database);
    for (const user of settings.users) {
      const role = client.escapeIdentifier(user);
      const existing = await client.query("SELECT 1 FROM pg_roles WHERE rolname = $1", [user]);
      const created = existing.rowCount === 0;
      // IAM tokens only: no password, so a leaked or hand-set one cannot log in.
      await client.query(created ? `CREATE ROLE ${role} WITH LOGIN PASSWORD NULL` : `ALTER ROLE ${role} WITH LOGIN PASSWORD NULL`);
      await client.query(`GRANT ${client.escapeIdentifier(IAM_ROLE)} TO ${role}`);
      await client.query(`GRANT CONNECT ON DATABASE ${database} TO ${role}`);
      await client.query(`GRANT USAGE, CREATE ON SCHEMA public TO ${role}`);
      outcomes.push({ user, action: created ? "created" : "unchanged" });
    }
    await client.query("COMMIT");
    return outcomes;
  } catch (error) {
    await client.query("ROLLBACK").catch(() => undefined);
    throw error;
  } finally {
    await client.end();
  }
}

function log(level: string, msg: string): void {
  process.stdout.write(`${JSON.stringify({ level, time: new Date().toISOString(), service: "users-info", component: "provision-users", msg })}\n`);
}

if (require.main === module) {
  (async () => {
    const outcomes = await provisionUsers(loadProvisionSettings());
    for (const { user, action } of outcomes) log("info", `database user ${user}: ${action}, IAM authentication and schema grants in place`);
  })().catch((error: unknown) => {
    log("fatal", `provisioning failed: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  });
}
