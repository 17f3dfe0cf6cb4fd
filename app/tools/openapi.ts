import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { buildApp } from "../src/app";
import { loadConfig } from "../src/config";
import { SigningKey } from "../src/cursor";
import { Database } from "../src/db";
import { Metrics } from "../src/metrics";

/** The committed document: CI (test/unit/openapi.test.ts) fails when it differs from what the routes generate. */
export const OPENAPI_FILE = path.resolve(__dirname, "..", "..", "openapi.json");

/** The OpenAPI document as GET /openapi.json serves it, from an app that never connects to a database. */
export async function generateOpenApi(): Promise<string> {
  const dir = mkdtempSync(path.join(os.tmpdir(), "users-info-openapi-"));
  const keyFile = path.join(dir, "key");
  writeFileSync(keyFile, "openapi-document-generation-key-0123456789", { mode: 0o600 });
  const metrics = new Metrics();
  const db = new Database(loadConfig({ PGHOST: "127.0.0.1", PGUSER: "openapi" }).database, metrics);
  const app = buildApp({ db, metrics, signingKey: SigningKey.fromFile(keyFile), logLevel: "silent", accepting: () => true });
  try {
    const response = await app.inject({ method: "GET", url: "/openapi.json" });
    if (response.statusCode !== 200) throw new Error(`GET /openapi.json answered ${response.statusCode}: ${response.body}`);
    return response.body;
  } finally {
    await app.close();
    await db.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

// `npm --prefix app run openapi` rewrites openapi.json.
if (require.main === module) {
  generateOpenApi().then(
    (document) => {
      writeFileSync(OPENAPI_FILE, document);
      process.stdout.write(`wrote ${path.relative(process.cwd(), OPENAPI_FILE)}\n`);
    },
    (error: unknown) => {
      process.stderr.write(`openapi: ${error instanceof Error ? error.message : String(error)}\n`);
      process.exit(1);
    },
  );
}
