import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { readdirSync } from "node:fs";
import { migrate, MIGRATIONS_DIR } from "../../src/migrate";
import { admin, startApp, stopApp, testDatabaseSettings, testEnv } from "../support";

const env = testEnv();
const database = `migrations_${process.pid}`;
const shipped = readdirSync(MIGRATIONS_DIR)
  .filter((file) => file.endsWith(".sql"))
  .map((file) => file.slice(0, -4))
  .sort();

before(async () => {
  await admin(env, "writer", `CREATE DATABASE ${database} OWNER ${env.TEST_PGUSER}`, [], "postgres");
});
after(async () => {
  await admin(env, "writer", `DROP DATABASE ${database} WITH (FORCE)`, [], "postgres");
});

describe("migrations", () => {
  it("create the schema on an empty database, once", async () => {
    const settings = testDatabaseSettings(env, env.TEST_WRITER_HOST, database);
    assert.deepEqual(await migrate(settings), shipped);
    assert.deepEqual(await migrate(settings), [], "a second run applies nothing");
    const columns = await admin(
      env,
      "writer",
      "SELECT column_name FROM information_schema.columns WHERE table_name = 'users' ORDER BY ordinal_position",
      [],
      database,
    );
    assert.deepEqual(
      columns.rows.map((row: { column_name: string }) => row.column_name),
      ["id", "email", "name", "created_at", "updated_at"],
    );
    const recorded = await admin(env, "writer", "SELECT name FROM pgmigrations ORDER BY run_on, id", [], database);
    assert.deepEqual(
      recorded.rows.map((row: { name: string }) => row.name),
      shipped,
    );
    const indexes = await admin(env, "writer", "SELECT indexdef FROM pg_indexes WHERE tablename = 'users'", [], database);
    assert.ok(
      indexes.rows.some((row: { indexdef: string }) => row.indexdef.endsWith("(created_at, id)")),
      "the list order has an index",
    );
  });

  it("leave the schema to the migration step: the service does not create it at start", async () => {
    const fresh = `nomigrate_${process.pid}`;
    await admin(env, "writer", `CREATE DATABASE ${fresh} OWNER ${env.TEST_PGUSER}`, [], "postgres");
    try {
      const app = await startApp(env, { PGDATABASE: fresh, PGHOST_READER: env.TEST_WRITER_HOST });
      const response = await fetch(`${app.url}/users`);
      assert.equal(response.status, 503, "no table: the service answers unavailable instead of migrating");
      await stopApp(app);
      const tables = await admin(
        env,
        "writer",
        "SELECT count(*)::int AS n FROM information_schema.tables WHERE table_name IN ('users', 'pgmigrations')",
        [],
        fresh,
      );
      assert.equal(tables.rows[0]?.n, 0);
    } finally {
      await admin(env, "writer", `DROP DATABASE ${fresh} WITH (FORCE)`, [], "postgres");
    }
  });
});
