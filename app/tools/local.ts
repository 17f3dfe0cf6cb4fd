import { writeFileSync } from "node:fs";
import { randomBytes } from "node:crypto";
import os from "node:os";
import path from "node:path";
import { loadConfig } from "../src/config";
import { migrate } from "../src/migrate";
import { start } from "../src/server";
import { startPostgres } from "./postgres";

/**
 * `npm --prefix app run local`: a throwaway PostgreSQL on loopback, the migrations, a session-signing key, and the
 * service on PORT (default 8080) and METRICS_PORT (default 9090). Ctrl-C stops the service and removes the database.
 */
async function main(): Promise<void> {
  const server = await startPostgres();
  const keyFile = path.join(os.tmpdir(), `users-info-key-${process.pid}`);
  writeFileSync(keyFile, randomBytes(32).toString("hex"), { mode: 0o600 });
  const config = loadConfig({
    ...process.env,
    HOST: process.env.HOST ?? "127.0.0.1",
    PGHOST: server.host,
    PGPORT: String(server.port),
    PGUSER: server.user,
    PGPASSWORD: server.password,
    PGDATABASE: server.database,
    DB_IAM_AUTH: "false",
    SESSION_KEY_FILE: keyFile,
  });
  await migrate(config.database);
  const running = await start(config);
  process.stderr.write(
    `users-info on http://${config.host}:${running.port} (metrics on :${running.metricsPort}/metrics), PostgreSQL on ${server.host}:${server.port}; Ctrl-C stops both\n`,
  );
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    process.once(signal, () => {
      void running.shutdown(signal).finally(() => {
        server.stop();
        process.exit(0);
      });
    });
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`local run failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
