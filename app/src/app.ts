import Fastify, { type FastifyError, type FastifyInstance } from "fastify";
import type { SigningKey } from "./cursor";
import type { Database } from "./db";
import type { Metrics } from "./metrics";
import { DuplicateEmailError, UserStore } from "./users";

export interface AppDeps {
  readonly db: Database;
  readonly metrics: Metrics;
  readonly signingKey: SigningKey;
  readonly logLevel: string;
  /** False once shutdown starts: /readyz answers 503 so the load balancer and Service stop sending traffic. */
  readonly accepting: () => boolean;
}

const uuid = { type: "string", format: "uuid" } as const;
const email = { type: "string", format: "email", maxLength: 254 } as const;
const name = { type: "string", minLength: 1, maxLength: 200 } as const;
const idParams = { type: "object", required: ["id"], properties: { id: uuid }, additionalProperties: false } as const;

function problem(code: string, message: string): { error: { code: string; message: string } } {
  return { error: { code, message } };
}

/** JSON lines in the shape Fluent Bit's JSON parser and the other services' logs use: time, level name, msg. */
export function loggerOptions(level: string): object {
  return {
    level,
    messageKey: "msg",
    base: { service: "users-info" },
    timestamp: () => `,"time":"${new Date().toISOString()}"`,
    formatters: { level: (label: string) => ({ level: label }) },
  };
}

export function buildApp(deps: AppDeps): FastifyInstance {
  const app = Fastify({
    logger: loggerOptions(deps.logLevel),
    // The internal ALB is the only client (the NetworkPolicy admits nothing else): its X-Forwarded-For is the client.
    trustProxy: true,
    // Above the ALB's 60 s idle timeout, so the load balancer, not the app, closes idle connections.
    keepAliveTimeout: 65_000,
    return503OnClosing: true,
    ajv: { customOptions: { removeAdditional: false, coerceTypes: "array", allErrors: false } },
  });
  const users = new UserStore(deps.db);
  const started = new WeakMap<object, bigint>();

  app.addHook("onRequest", (request, _reply, done) => {
    started.set(request, process.hrtime.bigint());
    done();
  });
  app.addHook("onResponse", (request, reply, done) => {
    const start = started.get(request);
    if (start !== undefined) {
      // The route template, never the raw URL: one series per route, whatever the ids.
      const route = request.routeOptions.url ?? "unmatched";
      deps.metrics.observeRequest(request.method, route, reply.statusCode, Number(process.hrtime.bigint() - start) / 1e9);
    }
    done();
  });

  // While draining, a keep-alive connection closes after its response instead of waiting out the drain timeout.
  app.addHook("onSend", async (_request, reply) => {
    if (!deps.accepting()) reply.header("connection", "close");
  });

  app.setErrorHandler((error: FastifyError, request, reply) => {
    if (error.validation !== undefined) return reply.code(400).send(problem("invalid_request", error.message));
    if (error instanceof DuplicateEmailError) return reply.code(409).send(problem("email_taken", "a user with this email already exists"));
    if (error.statusCode !== undefined && error.statusCode >= 400 && error.statusCode < 500) {
      return reply.code(error.statusCode).send(problem("invalid_request", error.message));
    }
    request.log.error({ err: error }, "request failed");
    return reply.code(503).send(problem("unavailable", "the service cannot answer right now; retry later"));
  });
  app.setNotFoundHandler((request, reply) => reply.code(404).send(problem("not_found", `no route ${request.method} ${request.url.split("?")[0] ?? ""}`)));

  app.get("/healthz", { logLevel: "warn" }, () => ({ status: "ok" }));
  app.get("/readyz", { logLevel: "warn" }, async (_request, reply) => {
    const ready = deps.accepting() && (await deps.db.writerReachable());
    deps.metrics.ready.set(ready ? 1 : 0);
    return reply.code(ready ? 200 : 503).send({ status: ready ? "ready" : "unavailable" });
  });

  app.post<{ Body: { email: string; name: string } }>(
    "/users",
    { schema: { body: { type: "object", required: ["email", "name"], properties: { email, name }, additionalProperties: false } } },
    async (request, reply) => {
      const user = await users.create(request.body.email, request.body.name);
      return reply.code(201).header("location", `/users/${user.id}`).send(user);
    },
  );

  app.get<{ Querystring: { limit: number; cursor?: string } }>(
    "/users",
    {
      schema: {
        querystring: {
          type: "object",
          properties: { limit: { type: "integer", minimum: 1, maximum: 100, default: 20 }, cursor: { type: "string", maxLength: 200 } },
          additionalProperties: false,
        },
      },
    },
    async (request, reply) => {
      let after: string | undefined;
      if (request.query.cursor !== undefined) {
        after = deps.signingKey.verify(request.query.cursor);
        if (after === undefined) return reply.code(400).send(problem("invalid_request", "querystring/cursor is not a cursor this service issued"));
      }
      const page = await users.list(request.query.limit, after);
      return { users: page.users, nextCursor: page.next === undefined ? null : deps.signingKey.sign(page.next) };
    },
  );

  app.get<{ Params: { id: string } }>("/users/:id", { schema: { params: idParams } }, async (request, reply) => {
    const user = await users.get(request.params.id);
    return user === undefined ? reply.code(404).send(problem("not_found", "no user with this id")) : user;
  });

  app.patch<{ Params: { id: string }; Body: { email?: string; name?: string } }>(
    "/users/:id",
    { schema: { params: idParams, body: { type: "object", minProperties: 1, properties: { email, name }, additionalProperties: false } } },
    async (request, reply) => {
      const user = await users.update(request.params.id, request.body);
      return user === undefined ? reply.code(404).send(problem("not_found", "no user with this id")) : user;
    },
  );

  app.delete<{ Params: { id: string } }>("/users/:id", { schema: { params: idParams } }, async (request, reply) => {
    const deleted = await users.delete(request.params.id);
    return deleted ? reply.code(204).send() : reply.code(404).send(problem("not_found", "no user with this id"));
  });

  return app;
}
