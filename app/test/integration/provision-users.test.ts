import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { readdirSync } from "node:fs";
import { migrate, MIGRATIONS_DIR } from "../../src/migrate";
import { IAM_ROLE, provisionUsers, type ProvisionSettings } from "../../src/provision-users";
import { admin, testDatabaseSettings, testEnv } from "../support";

const env = testEnv();
const database = `provision_${process.pid}`;
const user = `web_${process.pid}`;

function settings(users: readonly string[] = [user]): ProvisionSettings {
  return {
    host: env.TEST_WRITER_HOST,
    port: Number(env.TEST_PGPORT),
    database,
    masterUser: "postgres",
    masterPassword: env.TEST_WRITER_SUPERPASSWORD,
    sslMode: "disable",
    caFile: "",
    users,
  };
}

async function scalar(sql: string, values: unknown[] = []): Promise<unknown> {
  const result = await admin(env, "writer", sql, values, database);
  return (result.rows[0] as Record<string, unknown> | undefined)?.value;
}

// Vanilla PostgreSQL has no rds_iam: this role stands for the one Aurora creates (granting it makes Aurora accept only
// IAM tokens for a user). A database owned by the superuser, as Aurora's `postgres` database is owned by the master
// user, so the application's user holds nothing in it until provisioning grants it.
before(async () => {
  await admin(
    env,
    "writer",
    `DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '${IAM_ROLE}') THEN CREATE ROLE ${IAM_ROLE}; END IF; END $$`,
    [],
    "postgres",
  );
  await admin(env, "writer", `CREATE DATABASE ${database}`, [], "postgres");
});
after(async () => {
  await admin(env, "writer", `DROP DATABASE IF EXISTS ${database} WITH (FORCE)`, [], "postgres");
  await admin(env, "writer", `DROP ROLE IF EXISTS ${user}`, [], "postgres");
});

describe("provisioning the database users", () => {
  it("creates an IAM login with the grants the migrations need, and a second run changes nothing", async () => {
    assert.deepEqual(await provisionUsers(settings()), [{ user, action: "created" }]);
    assert.deepEqual(await provisionUsers(settings()), [{ user, action: "unchanged" }], "a second run is idempotent");
    assert.equal(await scalar("SELECT rolcanlogin AS value FROM pg_roles WHERE rolname = $1", [user]), true);
    assert.equal(await scalar("SELECT rolpassword IS NULL AS value FROM pg_authid WHERE rolname = $1", [user]), true);
    assert.equal(await scalar("SELECT pg_has_role($1, $2, 'MEMBER') AS value", [user, IAM_ROLE]), true);
    assert.equal(await scalar("SELECT has_database_privilege($1, $2, 'CONNECT') AS value", [user, database]), true);
    assert.equal(await scalar("SELECT has_schema_privilege($1, 'public', 'CREATE') AS value", [user]), true);
  });

  it("lets the migrations run as the provisioned user", async () => {
    await provisionUsers(settings());
    // The IAM token stands in as a password here: vanilla PostgreSQL cannot check IAM tokens.
    await admin(env, "writer", `ALTER ROLE ${user} PASSWORD 'stand-in-for-an-iam-token'`, [], "postgres");
    const migrationSettings = { ...testDatabaseSettings(env, env.TEST_WRITER_HOST, database), user, password: "stand-in-for-an-iam-token" };
    const shipped = readdirSync(MIGRATIONS_DIR)
      .filter((file) => file.endsWith(".sql"))
      .map((file) => file.slice(0, -".sql".length))
      .sort();
    assert.deepEqual(await migrate(migrationSettings), shipped, "every shipped migration runs as the provisioned user");
    assert.equal(await scalar("SELECT tableowner = $1 AS value FROM pg_tables WHERE tablename = 'users'", [user]), true);
  });

  it("removes a password set by hand, so only IAM tokens log in", async () => {
    await admin(env, "writer", `ALTER ROLE ${user} PASSWORD 'set-by-hand'`, [], "postgres");
    await provisionUsers(settings());
    assert.equal(await scalar("SELECT rolpassword IS NULL AS value FROM pg_authid WHERE rolname = $1", [user]), true);
  });

  it("serializes concurrent runs instead of racing on CREATE ROLE", async () => {
    const second = `${user}_b`;
    try {
      const outcomes = await Promise.all([provisionUsers(settings([second])), provisionUsers(settings([second]))]);
      assert.deepEqual(
        outcomes
          .flat()
          .map((outcome) => outcome.action)
          .sort(),
        ["created", "unchanged"],
      );
    } finally {
      await admin(env, "writer", `REVOKE ALL ON SCHEMA public FROM ${second}`, [], database);
      await admin(env, "writer", `REVOKE ALL ON DATABASE ${database} FROM ${second}`, [], "postgres");
      await admin(env, "writer", `DROP ROLE IF EXISTS ${second}`, [], "postgres");
    }
  });

  it("refuses a server without rds_iam: it would create users no IAM token can log in as", async () => {
    await admin(env, "writer", `ALTER ROLE ${IAM_ROLE} RENAME TO ${IAM_ROLE}_away`, [], "postgres");
    try {
      await assert.rejects(provisionUsers(settings()), /role rds_iam does not exist/);
    } finally {
      await admin(env, "writer", `ALTER ROLE ${IAM_ROLE}_away RENAME TO ${IAM_ROLE}`, [], "postgres");
    }
  });
});
