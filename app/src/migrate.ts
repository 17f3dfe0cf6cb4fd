import path from "node:path";
import pg from "pg";
import { ConfigError, loadConfig, type DatabaseSettings } from "./config";
import { poolConfig } from "./db";

/** The SQL migrations shipped next to the compiled code (`/app/migrations` in the image). */
export const MIGRATIONS_DIR = path.resolve(__dirname, "..", "..", "migrations");

function log(level: string, msg: string): void {
  process.stdout.write(`${JSON.stringify({ level, time: new Date().toISOString(), service: "users-info", component: "migrate", msg })}\n`);
}

/**
 * Applies every pending migration on the writer, in order, each in its own transaction, under node-pg-migrate's
 * advisory lock (a second runner waits instead of racing). Run as a one-shot step (the Argo CD PreSync Job), never at
 * pod start: replicas of a new colour would otherwise race, and the old colour would meet a schema it does not know.
 */
export async function migrate(settings: DatabaseSettings): Promise<string[]> {
  const { runner } = await import("node-pg-migrate");
  const client = new pg.Client(poolConfig(settings, "writer"));
  await client.connect();
  try {
    const applied = await runner({
      dbClient: client,
      dir: MIGRATIONS_DIR,
      direction: "up",
      migrationsTable: "pgmigrations",
      checkOrder: true,
      advisoryLockMode: "wait",
      logger: { info: (msg) => log("info", msg), warn: (msg) => log("warn", msg), error: (msg) => log("error", msg) },
    });
    return applied.map((migration) => migration.name);
  } finally {
    await client.end();
  }
}

if (require.main === module) {
  (async () => {
    const applied = await migrate(loadConfig().database);
    log("info", applied.length === 0 ? "schema is up to date" : `applied ${applied.join(", ")}`);
  })().catch((error: unknown) => {
    log("fatal", error instanceof ConfigError || error instanceof Error ? `migration failed: ${error.message}` : String(error));
    process.exit(1);
  });
}
