import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { createInterface } from "node:readline";
import pg from "pg";
import { loadConfig, type DatabaseSettings } from "../src/config";

export interface TestDatabaseEnv {
  TEST_WRITER_HOST: string;
  TEST_READER_HOST: string;
  TEST_PGPORT: string;
  TEST_PGUSER: string;
  TEST_WRITER_PASSWORD: string;
  TEST_READER_PASSWORD: string;
  TEST_PGDATABASE: string;
  TEST_WRITER_SUPERPASSWORD: string;
  TEST_READER_SUPERPASSWORD: string;
  /** Data directories of the two servers, for tools/postgres.ts controlServer (the fault-injection tests). */
  TEST_WRITER_DATA: string;
  TEST_READER_DATA: string;
  /** A hot standby streaming from the writer: in recovery, it answers but refuses writes (a demoted writer). */
  TEST_STANDBY_HOST?: string;
}

export function testEnv(): TestDatabaseEnv {
  const env = process.env as Partial<TestDatabaseEnv>;
  const required = [
    "TEST_WRITER_HOST",
    "TEST_READER_HOST",
    "TEST_PGPORT",
    "TEST_PGUSER",
    "TEST_WRITER_PASSWORD",
    "TEST_PGDATABASE",
    "TEST_WRITER_SUPERPASSWORD",
    "TEST_READER_SUPERPASSWORD",
    "TEST_WRITER_DATA",
    "TEST_READER_DATA",
  ] as const;
  for (const name of required) if (!env[name]) throw new Error(`${name} is not set: run the integration tests with \`npm test\` (it starts PostgreSQL)`);
  return env as TestDatabaseEnv;
}

export function testDatabaseSettings(env: TestDatabaseEnv, host: string, database = env.TEST_PGDATABASE): DatabaseSettings {
  return {
    ...loadConfig({ PGHOST: host, PGUSER: env.TEST_PGUSER }).database,
    writerHost: host,
    readerHost: host,
    port: Number(env.TEST_PGPORT),
    database,
    user: env.TEST_PGUSER,
    iamAuth: false,
    password: env.TEST_WRITER_PASSWORD,
    region: undefined,
    sslMode: "disable",
    caFile: "",
    poolMax: 5,
  };
}

/** SQL as the superuser on the writer or the reader server. */
export async function admin(
  env: TestDatabaseEnv,
  server: "writer" | "reader",
  sql: string,
  values: unknown[] = [],
  database = env.TEST_PGDATABASE,
): Promise<pg.QueryResult> {
  const client = new pg.Client({
    host: server === "writer" ? env.TEST_WRITER_HOST : env.TEST_READER_HOST,
    port: Number(env.TEST_PGPORT),
    user: "postgres",
    password: server === "writer" ? env.TEST_WRITER_SUPERPASSWORD : env.TEST_READER_SUPERPASSWORD,
    database,
  });
  await client.connect();
  try {
    return await client.query(sql, values);
  } finally {
    await client.end();
  }
}

export function sessionKeyFile(): string {
  const file = path.join(mkdtempSync(path.join(os.tmpdir(), "users-info-key-")), "session-signing-key");
  writeFileSync(file, "k".repeat(16) + Math.random().toString(36).repeat(3), { mode: 0o600 });
  return file;
}

export interface AppProcess {
  readonly url: string;
  readonly metricsUrl: string;
  readonly child: ChildProcess;
  readonly logs: string[];
  /** Resolves with the exit code. */
  readonly exited: Promise<number | null>;
}

/** Starts `dist/src/main.js` as the container would, on free ports, and waits for its "listening" log line. */
export function startApp(env: TestDatabaseEnv, overrides: Record<string, string> = {}): Promise<AppProcess> {
  const child = spawn(process.execPath, [path.resolve(__dirname, "..", "src", "main.js")], {
    env: {
      PATH: process.env.PATH,
      PORT: "0",
      METRICS_PORT: "0",
      HOST: "127.0.0.1",
      PGHOST: env.TEST_WRITER_HOST,
      PGHOST_READER: env.TEST_READER_HOST,
      PGPORT: env.TEST_PGPORT,
      PGUSER: env.TEST_PGUSER,
      PGPASSWORD: env.TEST_WRITER_PASSWORD,
      PGDATABASE: env.TEST_PGDATABASE,
      SESSION_KEY_FILE: sessionKeyFile(),
      ...overrides,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const logs: string[] = [];
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  createInterface({ input: child.stderr }).on("line", (line) => logs.push(line));
  return new Promise((resolve, reject) => {
    createInterface({ input: child.stdout }).on("line", (line) => {
      logs.push(line);
      const entry = JSON.parse(line) as { msg?: string; port?: number; metricsPort?: number };
      if (entry.msg === "listening")
        resolve({ url: `http://127.0.0.1:${entry.port}`, metricsUrl: `http://127.0.0.1:${entry.metricsPort}/metrics`, child, logs, exited });
    });
    void exited.then((code) => reject(new Error(`the app exited (${code}) before listening:\n${logs.join("\n")}`)));
  });
}

export async function stopApp(app: AppProcess): Promise<number | null> {
  app.child.kill("SIGTERM");
  return app.exited;
}

export async function json(response: Response): Promise<Record<string, unknown>> {
  return (await response.json()) as Record<string, unknown>;
}
