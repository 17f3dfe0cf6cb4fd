import Fastify from "fastify";
import pg from "pg";

/**
 * The benchmark's yardstick (tools/bench.ts): the smallest Fastify + pg server that does what the app's two measured
 * endpoints do, with the same SQL and pool size, and nothing else (no validation beyond the route, no metrics, logs,
 * tracing, breakers or fallbacks). PG* variables name the database; PORT the port (0: any); it prints the port.
 */
const pool = new pg.Pool({ max: Number(process.env.DB_POOL_MAX ?? 10) });
const columns = "id, email, name, created_at, updated_at";
interface Row {
  readonly id: string;
  readonly email: string;
  readonly name: string;
  readonly created_at: Date;
  readonly updated_at: Date;
}
const toUser = (row: Row) => ({
  id: row.id,
  email: row.email,
  name: row.name,
  createdAt: row.created_at.toISOString(),
  updatedAt: row.updated_at.toISOString(),
});

const app = Fastify();
app.get<{ Params: { id: string } }>("/users/:id", async (request, reply) => {
  const row = (await pool.query<Row>(`SELECT ${columns} FROM users WHERE id = $1`, [request.params.id])).rows[0];
  return row === undefined ? reply.code(404).send({ error: "not_found" }) : toUser(row);
});
app.post<{ Body: { email: string; name: string } }>("/users", async (request, reply) => {
  const row = (await pool.query<Row>(`INSERT INTO users (email, name) VALUES ($1, $2) RETURNING ${columns}`, [request.body.email, request.body.name]))
    .rows[0] as Row;
  return reply.code(201).header("location", `/users/${row.id}`).send(toUser(row));
});

app.listen({ port: Number(process.env.PORT ?? 0), host: "127.0.0.1" }).then(
  () => {
    const address = app.server.address();
    process.stdout.write(`${JSON.stringify({ msg: "listening", port: typeof address === "object" && address !== null ? address.port : 0 })}\n`);
  },
  (error: unknown) => {
    process.stderr.write(`minimal server: ${String(error)}\n`);
    process.exit(1);
  },
);
process.once(
  "SIGTERM",
  () =>
    void app
      .close()
      .then(() => pool.end())
      .then(() => process.exit(0)),
);
