import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { loadProvisionSettings, ProvisionConfigError } from "../../src/provision-users";

const job = { PGHOST: "writer.example", PGPORT: "5432", MASTER_USERNAME: "postgres", MASTER_PASSWORD: "secret", DB_IAM_USERS: "web" };

describe("the provisioning step's settings", () => {
  it("read what the Job sets: the ConfigMap, the master secret and the user list", () => {
    const settings = loadProvisionSettings({ ...job, DB_IAM_USERS: " web , reports " });
    assert.deepEqual(settings.users, ["web", "reports"]);
    assert.equal(settings.database, "postgres");
    assert.equal(settings.sslMode, "verify-full");
    assert.equal(settings.masterUser, "postgres");
  });

  it("refuse a user name that is not a PostgreSQL identifier, in one line", () => {
    assert.throws(
      () => loadProvisionSettings({ ...job, DB_IAM_USERS: "web; DROP ROLE x" }),
      (error: Error) => {
        assert.ok(error instanceof ProvisionConfigError);
        assert.match(error.message, /^DB_IAM_USERS: "web; DROP ROLE x" is not valid/);
        return true;
      },
    );
  });

  it("refuse to turn the master user into an IAM user", () => {
    assert.throws(() => loadProvisionSettings({ ...job, DB_IAM_USERS: "postgres" }), /is the master user/);
  });

  it("name each missing setting", () => {
    for (const name of ["PGHOST", "MASTER_USERNAME", "MASTER_PASSWORD", "DB_IAM_USERS"]) {
      assert.throws(
        () => loadProvisionSettings({ ...job, [name]: "" }),
        (error: Error) => error.message.startsWith(`${name} is not set`),
      );
    }
  });
});
