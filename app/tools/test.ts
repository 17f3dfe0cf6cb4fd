import { spawnSync } from "node:child_process";
import { readdirSync } from "node:fs";
import path from "node:path";
import { migrate } from "../src/migrate";
import { freePort, startPostgres, startStandby, type PostgresServer } from "./postgres";
import { testDatabaseSettings, type TestDatabaseEnv } from "../test/support";

/**
 * `npm test`: the unit tests, then the integration tests against two real PostgreSQL servers this script starts on
 * one free loopback port (writer on 127.0.0.1, reader on 127.0.0.2: the app can tell them apart only by PGHOST and
 * PGHOST_READER, as in Aurora) and stops afterwards. The reader refuses writes, so a write sent to it fails a test.
 * A third, a streaming hot standby of the writer on 127.0.0.3, stands for a writer demoted by a failover.
 */
const root = path.resolve(__dirname, "..");

function testFiles(kind: "unit" | "integration"): string[] {
  const dir = path.join(root, "test", kind);
  return readdirSync(dir)
    .filter((file) => file.endsWith(".test.js"))
    .sort()
    .map((file) => path.join(dir, file));
}

/** Per test: a hung request or a stuck server fails that test within a minute instead of hanging the suite. */
export const TEST_TIMEOUT_MS = 60_000;
/** The whole `node --test` run, unit or integration: killed past this (the fault tests take about a minute). */
export const RUN_TIMEOUT_MS = 10 * 60_000;

export function nodeTestArgs(files: readonly string[]): string[] {
  return ["--test", "--test-concurrency=1", `--test-timeout=${TEST_TIMEOUT_MS}`, ...files];
}

function nodeTest(files: string[], env: NodeJS.ProcessEnv): number {
  const result = spawnSync(process.execPath, nodeTestArgs(files), {
    stdio: "inherit",
    env: { ...process.env, ...env },
    timeout: RUN_TIMEOUT_MS,
    killSignal: "SIGKILL",
  });
  if (result.error !== undefined) process.stderr.write(`app tests: ${result.error.message}\n`);
  return result.status ?? 1;
}

async function main(): Promise<number> {
  const unit = nodeTest(testFiles("unit"), {});
  if (unit !== 0) return unit;
  const port = await freePort(["127.0.0.1", "127.0.0.2", "127.0.0.3"]);
  const servers: PostgresServer[] = [];
  try {
    const [writer, reader] = await Promise.all([startPostgres({ host: "127.0.0.1", port }), startPostgres({ host: "127.0.0.2", port })]);
    servers.push(writer, reader);
    const env: TestDatabaseEnv = {
      TEST_WRITER_HOST: writer.host,
      TEST_READER_HOST: reader.host,
      TEST_PGPORT: String(port),
      TEST_PGUSER: writer.user,
      TEST_WRITER_PASSWORD: writer.password,
      TEST_READER_PASSWORD: reader.password,
      TEST_PGDATABASE: writer.database,
      TEST_WRITER_SUPERPASSWORD: writer.superPassword,
      TEST_READER_SUPERPASSWORD: reader.superPassword,
      TEST_WRITER_DATA: writer.dataDir,
      TEST_READER_DATA: reader.dataDir,
    };
    // Same password on both servers, as one IAM user reaches writer and readers.
    await reader.admin(`ALTER ROLE ${reader.user} PASSWORD '${writer.password}'`);
    env.TEST_READER_PASSWORD = writer.password;
    await migrate(testDatabaseSettings(env, writer.host));
    await migrate(testDatabaseSettings(env, reader.host));
    // A replica accepts no writes: neither does this stand-in.
    await reader.admin(`ALTER ROLE ${reader.user} SET default_transaction_read_only = on`);
    // A real streaming standby of the writer on 127.0.0.3: the server a failed-over writer address reaches.
    const standby = startStandby(writer, "127.0.0.3");
    servers.unshift(standby);
    return nodeTest(testFiles("integration"), { ...env, TEST_STANDBY_HOST: standby.host });
  } finally {
    for (const server of servers) server.stop();
  }
}

if (require.main === module) {
  main().then(
    (code) => process.exit(code),
    (error: unknown) => {
      process.stderr.write(`app tests: ${error instanceof Error ? error.message : String(error)}\n`);
      process.exit(1);
    },
  );
}
