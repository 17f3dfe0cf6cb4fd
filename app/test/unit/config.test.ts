import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { loadConfig } from "../../src/config";

const aws = {
  PGHOST: "writer.cluster-x.eu-west-1.rds.amazonaws.com",
  PGHOST_READER: "reader.cluster-ro-x.eu-west-1.rds.amazonaws.com",
  PGPORT: "5432",
  PGUSER: "web",
  PGSSLMODE: "verify-full",
  DB_IAM_AUTH: "true",
  AWS_REGION: "eu-west-1",
};

describe("configuration", () => {
  it("reads the connection secret's keys and the Rollout's env", () => {
    const config = loadConfig({ ...aws, PORT: "8080", METRICS_PORT: "9090" });
    assert.equal(config.port, 8080);
    assert.equal(config.metricsPort, 9090);
    assert.equal(config.database.writerHost, aws.PGHOST);
    assert.equal(config.database.readerHost, aws.PGHOST_READER);
    assert.equal(config.database.iamAuth, true);
    assert.equal(config.database.password, undefined, "no password in IAM mode, even if one is set");
    assert.equal(config.database.sslMode, "verify-full");
    assert.equal(config.sessionKeyFile, "/vault/secrets/session-signing-key");
  });

  it("reads from the writer when there is no reader endpoint", () => {
    const config = loadConfig({ PGHOST: "localhost", PGUSER: "web", PGPASSWORD: "pw" });
    assert.equal(config.database.readerHost, "localhost");
    assert.equal(config.database.password, "pw");
    assert.equal(config.database.sslMode, "disable");
  });

  it("refuses IAM tokens without verify-full TLS or a region", () => {
    assert.throws(() => loadConfig({ ...aws, PGSSLMODE: "disable" }), /^Error: PGSSLMODE="disable" is not valid with DB_IAM_AUTH=true/);
    assert.throws(() => loadConfig({ ...aws, AWS_REGION: undefined }), /AWS_REGION is not set/);
  });

  it("names the variable, the bad value and what is allowed", () => {
    assert.throws(() => loadConfig({ ...aws, PORT: "http" }), { message: 'PORT="http" is not valid: expected an integer from 0 to 65535' });
    assert.throws(() => loadConfig({ ...aws, DB_IAM_AUTH: "yes" }), { message: 'DB_IAM_AUTH="yes" is not valid: expected one of true, false' });
    assert.throws(() => loadConfig({ PGUSER: "web" }), /PGHOST is not set/);
  });
});
