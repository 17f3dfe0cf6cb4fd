import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { loadConfig } from "../../src/config";
import { describe, it } from "node:test";
import { SigningKey } from "../../src/cursor";
import { IAM_TOKEN_REFRESH_MS, IamTokenSource } from "../../src/db";
import { sessionKeyFile } from "../support";

describe("session-signing key", () => {
  it("verifies what it signed and rejects a tampered or foreign token", () => {
    const key = SigningKey.fromFile(sessionKeyFile());
    const token = key.sign("00000000-0000-4000-8000-000000000001");
    assert.equal(key.verify(token), "00000000-0000-4000-8000-000000000001");
    const [, signature] = token.split(".");
    assert.equal(key.verify(`${Buffer.from("other").toString("base64url")}.${signature ?? ""}`), undefined);
    assert.equal(SigningKey.fromFile(sessionKeyFile()).verify(token), undefined);
    assert.equal(key.verify("no-dot"), undefined);
  });

  it("refuses a missing or short key file with one line", () => {
    assert.throws(() => SigningKey.fromFile("/nonexistent/key"), {
      message: "SESSION_KEY_FILE /nonexistent/key cannot be read (ENOENT): expected the session-signing key the Vault Agent renders",
    });
    const short = sessionKeyFile();
    writeFileSync(short, "short\n");
    assert.throws(() => SigningKey.fromFile(short), /holds 5 characters: expected a key of at least 32/);
  });
});

describe("IAM authentication tokens", () => {
  it("are reused while fresh and signed anew before the 15-minute expiry", async () => {
    let now = 0;
    let signed = 0;
    const tokens = new IamTokenSource(
      () => Promise.resolve(`token-${++signed}`),
      () => now,
    );
    assert.equal(await tokens.get(), "token-1");
    now = IAM_TOKEN_REFRESH_MS - 1;
    assert.equal(await tokens.get(), "token-1");
    now = IAM_TOKEN_REFRESH_MS;
    assert.equal(await tokens.get(), "token-2");
    assert.ok(IAM_TOKEN_REFRESH_MS < 15 * 60 * 1000);
  });

  it("are signed for the endpoint, port, user and region (SigV4 query string)", async () => {
    process.env.AWS_ACCESS_KEY_ID = "AKIDEXAMPLE";
    process.env.AWS_SECRET_ACCESS_KEY = "secret";
    const tokens = IamTokenSource.forHost(
      {
        ...loadConfig({ PGHOST: "w.example", PGUSER: "web" }).database,
        writerHost: "w.example",
        readerHost: "r.example",
        port: 5432,
        database: "postgres",
        user: "web",
        iamAuth: true,
        password: undefined,
        region: "eu-west-1",
        sslMode: "verify-full",
        caFile: "",
        poolMax: 1,
      },
      "r.example",
    );
    const token = await tokens.get();
    assert.match(
      token,
      /^r\.example:5432\/\?Action=connect&DBUser=web&X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIDEXAMPLE%2F\d{8}%2Feu-west-1%2Frds-db%2Faws4_request/,
    );
    assert.match(token, /X-Amz-Expires=900/);
  });
});
