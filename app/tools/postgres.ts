import { execFileSync, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { chownSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import os from "node:os";
import path from "node:path";
import pg from "pg";

/**
 * A throwaway PostgreSQL server for the tests, the load test and local runs: Debian's `postgresql` binaries, a data
 * directory in a temporary folder, password (SCRAM) authentication, loopback only, stopped and removed by `stop()`.
 * initdb refuses to run as root, so as root the server runs as `nobody` in a folder `nobody` owns.
 */
export interface PostgresServer {
  readonly host: string;
  readonly port: number;
  /** The application's role and database (what PGUSER / PGPASSWORD / PGDATABASE name). */
  readonly user: string;
  readonly password: string;
  readonly database: string;
  readonly superPassword: string;
  /** Runs SQL as the superuser on the application's database. */
  readonly admin: (sql: string, values?: unknown[]) => Promise<pg.QueryResult>;
  /** The data directory: `controlServer` stops and starts the server by it (the fault-injection tests). */
  readonly dataDir: string;
  readonly stop: () => void;
}

export interface StartOptions {
  /** @default "127.0.0.1" */
  readonly host?: string;
  /** @default a free port on `host` */
  readonly port?: number;
}

/** The directory holding initdb and pg_ctl: on PATH, or Debian's /usr/lib/postgresql/<version>/bin (newest). */
export function postgresBinDir(): string {
  const onPath = spawnSync("sh", ["-c", "command -v pg_ctl"], { encoding: "utf8" }).stdout.trim();
  if (onPath !== "" && existsSync(path.join(path.dirname(onPath), "initdb"))) return path.dirname(onPath);
  const root = "/usr/lib/postgresql";
  const versions = existsSync(root)
    ? readdirSync(root)
        .filter((entry) => existsSync(path.join(root, entry, "bin", "initdb")))
        .sort((a, b) => Number(b) - Number(a))
    : [];
  const newest = versions[0];
  if (newest === undefined)
    throw new Error("PostgreSQL is not installed: no pg_ctl on PATH and nothing in /usr/lib/postgresql/*/bin (apt-get install -y postgresql)");
  return path.join(root, newest, "bin");
}

/** A PostgreSQL program: beside initdb and pg_ctl, else in Debian's newest /usr/lib/postgresql/<version>/bin, else on PATH. */
export function postgresTool(name: string): string {
  const beside = path.join(postgresBinDir(), name);
  if (existsSync(beside)) return beside;
  const root = "/usr/lib/postgresql";
  const versions = existsSync(root) ? readdirSync(root).filter((entry) => existsSync(path.join(root, entry, "bin", name))) : [];
  const newest = versions.sort((a, b) => Number(b) - Number(a))[0];
  return newest === undefined ? name : path.join(root, newest, "bin", name);
}

export function freePort(hosts: readonly string[]): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once("error", reject);
    probe.listen(0, hosts[0], () => {
      const address = probe.address();
      probe.close(() => {
        if (address === null || typeof address === "string") return reject(new Error("no port"));
        // The same port must also be free on the other addresses (a writer and a reader share PGPORT).
        freeOnAll(address.port, hosts.slice(1)).then((free) => resolve(free ? address.port : freePort(hosts)), reject);
      });
    });
  });
}

async function freeOnAll(port: number, hosts: readonly string[]): Promise<boolean> {
  for (const host of hosts) {
    const free = await new Promise<boolean>((done) => {
      const other = createServer();
      other.once("error", () => done(false));
      other.listen(port, host, () => other.close(() => done(true)));
    });
    if (!free) return false;
  }
  return true;
}

const isRoot = process.getuid?.() === 0;
const NOBODY = 65534;
// `nobody` must reach the data directory: a TMPDIR under a root-only folder (jest sets one) would not do.
const scratch = isRoot ? "/tmp" : os.tmpdir();

function run(bin: string, args: string[], env: Record<string, string> = {}): void {
  const withEnv = [...Object.entries(env).map(([name, value]) => `${name}=${value}`), bin, ...args];
  const [command, argv] = isRoot ? ["runuser", ["-u", "nobody", "--", "env", ...withEnv]] : ["env", withEnv];
  execFileSync(command, argv, { stdio: ["ignore", "pipe", "pipe"], cwd: scratch });
}

function startArgs(dir: string): string[] {
  const settings = readFileSync(path.join(dir, "start-options"), "utf8");
  return ["-D", path.join(dir, "data"), "-l", path.join(dir, "server.log"), "-o", settings, "-w", "-t", "60", "start"];
}

/**
 * Stops or starts a server `startPostgres` created, by its `dataDir`: `crash` kills it (`-m immediate`: no checkpoint,
 * clients cut off, recovery from WAL at the next start), `stop` shuts it down cleanly, `start` brings it back with
 * its original settings. Synchronous: the server is down (or accepting connections) when it returns.
 */
export function controlServer(dataDir: string, action: "crash" | "stop" | "start"): void {
  const bin = path.join(postgresBinDir(), "pg_ctl");
  if (action === "start") return run(bin, startArgs(dataDir));
  run(bin, ["-D", path.join(dataDir, "data"), "-m", action === "crash" ? "immediate" : "fast", "-w", "stop"]);
}

export async function startPostgres(options: StartOptions = {}): Promise<PostgresServer> {
  const host = options.host ?? "127.0.0.1";
  const port = options.port ?? (await freePort([host]));
  const bin = postgresBinDir();
  const dir = mkdtempSync(path.join(scratch, "users-info-pg-"));
  const data = path.join(dir, "data");
  const superPassword = randomBytes(12).toString("hex");
  const pwfile = path.join(dir, "pwfile");
  writeFileSync(pwfile, superPassword, { mode: 0o600 });
  if (isRoot) {
    chownSync(dir, NOBODY, NOBODY);
    chownSync(pwfile, NOBODY, NOBODY);
  }
  let started = false;
  const stop = (): void => {
    if (started)
      spawnSync(
        isRoot ? "runuser" : path.join(bin, "pg_ctl"),
        isRoot ? ["-u", "nobody", "--", path.join(bin, "pg_ctl"), "-D", data, "-m", "fast", "-w", "stop"] : ["-D", data, "-m", "fast", "-w", "stop"],
        { stdio: "ignore" },
      );
    started = false;
    rmSync(dir, { recursive: true, force: true });
  };
  // A test run that dies half-way must not leave a server behind.
  process.once("exit", stop);
  try {
    run(path.join(bin, "initdb"), ["-D", data, "-U", "postgres", "--auth=scram-sha-256", `--pwfile=${pwfile}`, "--encoding=UTF8", "--locale=C"]);
    const settings = [
      `-c listen_addresses=${host}`,
      `-p ${port}`,
      `-k ${dir}`,
      // fsync off survives a crash of PostgreSQL (the OS keeps the writes), not of the machine: fine for tests. Commits
      // stay synchronous, so a server killed with `pg_ctl stop -m immediate` keeps every acknowledged write.
      "-c fsync=off",
      "-c full_page_writes=off",
      "-c max_connections=200",
    ].join(" ");
    writeFileSync(path.join(dir, "start-options"), settings);
    run(path.join(bin, "pg_ctl"), startArgs(dir));
    started = true;
    const user = "web";
    const password = randomBytes(12).toString("hex");
    const database = "users";
    const superuser = { host, port, user: "postgres", password: superPassword };
    const setup = new pg.Client({ ...superuser, database: "postgres" });
    await setup.connect();
    await setup.query(`CREATE ROLE ${user} LOGIN PASSWORD '${password}'`);
    await setup.query(`CREATE DATABASE ${database} OWNER ${user}`);
    await setup.end();
    const admin = async (sql: string, values: unknown[] = []): Promise<pg.QueryResult> => {
      const client = new pg.Client({ ...superuser, database });
      await client.connect();
      try {
        return await client.query(sql, values);
      } finally {
        await client.end();
      }
    };
    return { host, port, user, password, database, superPassword, admin, dataDir: dir, stop };
  } catch (error) {
    stop();
    throw error;
  }
}

/**
 * A hot standby of `primary` streaming its WAL (pg_basebackup -R), on `host` and the primary's port: what Aurora's
 * old writer address reaches for a while after a failover (a server that answers but refuses writes). Same roles,
 * passwords and data as the primary; `stop()` removes it.
 */
export function startStandby(primary: PostgresServer, host: string): PostgresServer {
  const bin = postgresBinDir();
  const dir = mkdtempSync(path.join(scratch, "users-info-standby-"));
  const data = path.join(dir, "data");
  if (isRoot) chownSync(dir, NOBODY, NOBODY);
  let started = false;
  const stop = (): void => {
    if (started)
      spawnSync(
        isRoot ? "runuser" : path.join(bin, "pg_ctl"),
        [...(isRoot ? ["-u", "nobody", "--", path.join(bin, "pg_ctl")] : []), "-D", data, "-m", "fast", "-w", "stop"],
        { stdio: "ignore" },
      );
    started = false;
    rmSync(dir, { recursive: true, force: true });
  };
  process.once("exit", stop);
  try {
    run(
      postgresTool("pg_basebackup"),
      ["-h", primary.host, "-p", String(primary.port), "-U", "postgres", "-D", data, "-R", "-X", "stream", "--checkpoint=fast"],
      { PGPASSWORD: primary.superPassword },
    );
    const settings = [`-c listen_addresses=${host}`, `-p ${primary.port}`, `-k ${dir}`, "-c fsync=off", "-c max_connections=200"].join(" ");
    writeFileSync(path.join(dir, "start-options"), settings);
    run(path.join(bin, "pg_ctl"), startArgs(dir));
    started = true;
    const admin = async (sql: string, values: unknown[] = []): Promise<pg.QueryResult> => {
      const client = new pg.Client({ host, port: primary.port, user: "postgres", password: primary.superPassword, database: primary.database });
      await client.connect();
      try {
        return await client.query(sql, values);
      } finally {
        await client.end();
      }
    };
    return { ...primary, host, admin, dataDir: dir, stop };
  } catch (error) {
    stop();
    throw error;
  }
}
