import type { Database, PoolName } from "./db";
import type { Trace } from "./tracing";

export interface User {
  readonly id: string;
  readonly email: string;
  readonly name: string;
  readonly createdAt: string;
  readonly updatedAt: string;
}

interface UserRow {
  readonly id: string;
  readonly email: string;
  readonly name: string;
  readonly created_at: Date;
  readonly updated_at: Date;
}

const columns = "id, email, name, created_at, updated_at";

function toUser(row: UserRow): User {
  return { id: row.id, email: row.email, name: row.name, createdAt: row.created_at.toISOString(), updatedAt: row.updated_at.toISOString() };
}

export class DuplicateEmailError extends Error {}

function isUniqueViolation(error: unknown): boolean {
  return typeof error === "object" && error !== null && (error as { code?: unknown }).code === "23505";
}

/** A position in the list: the last row's creation time (as PostgreSQL prints it, microseconds kept) and id. */
export interface ListPosition {
  readonly createdAt: string;
  readonly id: string;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export function encodePosition(position: ListPosition): string {
  return `${position.createdAt}|${position.id}`;
}

/** The position a cursor holds, or undefined when it is not one (e.g. a cursor from before lists were time-ordered). */
export function decodePosition(value: string): ListPosition | undefined {
  const [createdAt, id, ...rest] = value.split("|");
  if (createdAt === undefined || id === undefined || rest.length > 0 || !UUID.test(id) || Number.isNaN(Date.parse(createdAt))) return undefined;
  return { createdAt, id };
}

/**
 * Users in PostgreSQL, and which endpoint each operation uses:
 * - writes go to the writer, and fail fast (UnavailableError → 503 with Retry-After) while it is down;
 * - a read of one user by id goes to the writer, so a client sees its own create, update and delete at once
 *   (read-your-writes); while the writer is down it is answered by the reader (the last replicated state);
 * - lists go to the reader (they may lag the writer by the replica's delay), and to the writer while the reader is down.
 */
export class UserStore {
  constructor(private readonly db: Database) {}

  async create(email: string, name: string, trace?: Trace): Promise<User> {
    try {
      const result = await this.db.write<UserRow>(`INSERT INTO users (email, name) VALUES ($1, $2) RETURNING ${columns}`, [email, name], trace);
      return toUser(result.rows[0] as UserRow);
    } catch (error) {
      if (isUniqueViolation(error)) throw new DuplicateEmailError(email);
      throw error;
    }
  }

  async get(id: string, trace?: Trace): Promise<{ readonly user: User | undefined; readonly from: PoolName }> {
    const { result, from } = await this.db.read<UserRow>("writer", `SELECT ${columns} FROM users WHERE id = $1`, [id], trace);
    const row = result.rows[0];
    return { user: row === undefined ? undefined : toUser(row), from };
  }

  /** One page in creation order (then id), after `after` (exclusive); `next` is the last row's position when more may follow. */
  async list(
    limit: number,
    after: ListPosition | undefined,
    trace?: Trace,
  ): Promise<{ readonly users: User[]; readonly next: ListPosition | undefined; readonly from: PoolName }> {
    const { result, from } = await this.db.read<UserRow & { readonly position: string }>(
      "reader",
      `SELECT ${columns}, created_at::text AS position FROM users
        WHERE ($1::timestamptz IS NULL OR (created_at, id) > ($1::timestamptz, $2::uuid))
        ORDER BY created_at, id LIMIT $3`,
      [after?.createdAt ?? null, after?.id ?? null, limit + 1],
      trace,
    );
    const rows = result.rows.slice(0, limit);
    const last = rows[rows.length - 1];
    return {
      users: rows.map(toUser),
      next: result.rows.length > limit && last !== undefined ? { createdAt: last.position, id: last.id } : undefined,
      from,
    };
  }

  async update(id: string, changes: { readonly email?: string; readonly name?: string }, trace?: Trace): Promise<User | undefined> {
    try {
      const result = await this.db.write<UserRow>(
        `UPDATE users SET email = COALESCE($2, email), name = COALESCE($3, name), updated_at = now() WHERE id = $1 RETURNING ${columns}`,
        [id, changes.email ?? null, changes.name ?? null],
        trace,
      );
      const row = result.rows[0];
      return row === undefined ? undefined : toUser(row);
    } catch (error) {
      if (isUniqueViolation(error)) throw new DuplicateEmailError(changes.email ?? "");
      throw error;
    }
  }

  async delete(id: string, trace?: Trace): Promise<boolean> {
    const result = await this.db.write("DELETE FROM users WHERE id = $1", [id], trace);
    return result.rowCount === 1;
  }
}
