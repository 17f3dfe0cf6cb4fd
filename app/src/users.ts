import type { Database } from "./db";

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

/**
 * Users in PostgreSQL. Writes go to the writer. Lists read the reader (they may lag by the replica's delay). A read
 * of one user by id falls back to the writer when the reader does not have it yet, so a client that just created a
 * user can read it back at once (read-your-writes) while most reads still leave the writer alone.
 */
export class UserStore {
  constructor(private readonly db: Database) {}

  async create(email: string, name: string): Promise<User> {
    try {
      const result = await this.db.query<UserRow>("writer", `INSERT INTO users (email, name) VALUES ($1, $2) RETURNING ${columns}`, [email, name]);
      return toUser(result.rows[0] as UserRow);
    } catch (error) {
      if (isUniqueViolation(error)) throw new DuplicateEmailError(email);
      throw error;
    }
  }

  async get(id: string): Promise<User | undefined> {
    const sql = `SELECT ${columns} FROM users WHERE id = $1`;
    const fromReader = (await this.db.query<UserRow>("reader", sql, [id])).rows[0];
    if (fromReader !== undefined) return toUser(fromReader);
    const fromWriter = (await this.db.query<UserRow>("writer", sql, [id])).rows[0];
    return fromWriter === undefined ? undefined : toUser(fromWriter);
  }

  /** One page in id order, after `after` (exclusive); `next` is the last id when more may follow. */
  async list(limit: number, after: string | undefined): Promise<{ readonly users: User[]; readonly next: string | undefined }> {
    const result = await this.db.query<UserRow>("reader", `SELECT ${columns} FROM users WHERE ($1::uuid IS NULL OR id > $1::uuid) ORDER BY id LIMIT $2`, [
      after ?? null,
      limit + 1,
    ]);
    const rows = result.rows.slice(0, limit);
    const last = rows[rows.length - 1];
    return { users: rows.map(toUser), next: result.rows.length > limit && last !== undefined ? last.id : undefined };
  }

  async update(id: string, changes: { readonly email?: string; readonly name?: string }): Promise<User | undefined> {
    try {
      const result = await this.db.query<UserRow>(
        "writer",
        `UPDATE users SET email = COALESCE($2, email), name = COALESCE($3, name), updated_at = now() WHERE id = $1 RETURNING ${columns}`,
        [id, changes.email ?? null, changes.name ?? null],
      );
      const row = result.rows[0];
      return row === undefined ? undefined : toUser(row);
    } catch (error) {
      if (isUniqueViolation(error)) throw new DuplicateEmailError(changes.email ?? "");
      throw error;
    }
  }

  async delete(id: string): Promise<boolean> {
    const result = await this.db.query("writer", "DELETE FROM users WHERE id = $1", [id]);
    return result.rowCount === 1;
  }
}
