import { readFileSync } from "node:fs";
import type { Socket } from "node:net";
import path from "node:path";
import Ajv from "ajv";
import pino from "pino";
import addFormats from "ajv-formats";
import Fastify, { LogController, type FastifyError, type FastifyInstance, type FastifyReply, type FastifyRequest, type RouteOptions } from "fastify";
import type { SigningKey } from "./cursor";
import { UnavailableError, type Database, type PoolName } from "./db";
import type { Metrics } from "./metrics";
import { openApiDocument, type DocumentedRoute } from "./openapi";
import { createBody, idParams, listQuery, patchBody, problem as problemSchema, readiness, user, userPage } from "./schemas";
import { endRequest, startRequest, type Trace } from "./tracing";
import { decodePosition, DuplicateEmailError, encodePosition, UserStore } from "./users";

export interface AppDeps {
  readonly db: Database;
  readonly metrics: Metrics;
  readonly signingKey: SigningKey;
  readonly logLevel: string;
  /** False once shutdown starts: /readyz answers 503 so the load balancer and Service stop sending traffic. */
  readonly accepting: () => boolean;
  /** Where log lines go (default: stdout, synchronously); `logDestination()` in the service. */
  readonly logStream?: pino.DestinationStream;
}

/**
 * stdout without a write(2) per line: lines written while a write is in flight are coalesced into the next one, so
 * logging costs little under load and nothing is delayed when idle. `flushSync()` before the process exits.
 */
export function logDestination(): pino.DestinationStream & { flushSync(): void } {
  return pino.destination({ dest: 1, sync: false });
}

type ProblemCode = (typeof problemSchema.properties.error.properties.code.enum)[number];

function problem(code: ProblemCode, message: string): { error: { code: ProblemCode; message: string } } {
  return { error: { code, message } };
}

/** Seconds a client should wait before retrying a 503: about one health-probe round plus the breaker's pause. */
export const RETRY_AFTER_SECONDS = 2;

/** JSON lines in the shape Fluent Bit's JSON parser and the other services' logs use: time, level name, msg. */
export function loggerOptions(level: string, stream?: pino.DestinationStream): object {
  return {
    level,
    ...(stream !== undefined ? { stream } : {}),
    messageKey: "msg",
    base: { service: "users-info" },
    timestamp: () => `,"time":"${new Date().toISOString()}"`,
    formatters: { level: (label: string) => ({ level: label }) },
    // One short line per request (see the onResponse hook), no request/response dumps.
    serializers: {
      err: (error: Error & { code?: unknown }) => ({ type: error.name, message: error.message, ...(error.code !== undefined ? { code: error.code } : {}) }),
    },
  };
}

const version = (JSON.parse(readFileSync(path.resolve(__dirname, "..", "..", "package.json"), "utf8")) as { version: string }).version;

/**
 * Bodies are validated without type coercion (`"name": 123` is a 400, not the string "123"); the query string and
 * path parameters are text, so they are coerced (`?limit=5`).
 */
function validatorCompiler(): (route: { schema: object; httpPart?: string }) => (data: unknown) => boolean {
  const exact = new Ajv({ coerceTypes: false, useDefaults: true, removeAdditional: false, allErrors: false });
  const fromText = new Ajv({ coerceTypes: true, useDefaults: true, removeAdditional: false, allErrors: false });
  for (const ajv of [exact, fromText]) addFormats(ajv);
  return ({ schema, httpPart }) => (httpPart === "body" ? exact : fromText).compile(schema);
}

const errorResponses = { 400: problemSchema, 503: problemSchema } as const;

interface RequestState {
  start: bigint;
  trace: Trace | undefined;
}

export function buildApp(deps: AppDeps): FastifyInstance {
  const routes: DocumentedRoute[] = [];
  const state = new WeakMap<object, RequestState>();
  const observe = (method: string, route: string, status: number, start: bigint | undefined): void => {
    deps.metrics.observeRequest(method, route, status, start === undefined ? 0 : Number(process.hrtime.bigint() - start) / 1e9);
  };
  const app = Fastify({
    logger: loggerOptions(deps.logLevel, deps.logStream),
    // Fastify's own "incoming request" / "request completed" pair (~800 bytes) is replaced by one line in onResponse.
    logController: new LogController({ disableRequestLogging: true }),
    // The internal ALB is the only client (the NetworkPolicy admits nothing else): its X-Forwarded-For is the client.
    trustProxy: true,
    // Above the ALB's 60 s idle timeout, so the load balancer, not the app, closes idle connections.
    keepAliveTimeout: 65_000,
    return503OnClosing: true,
    // Errors Fastify raises before a route is found (a malformed URL): the documented body, counted in the metrics.
    frameworkErrors: (error: FastifyError, request: FastifyRequest, reply: FastifyReply) => {
      observe(request.method, "unmatched", 400, undefined);
      void reply.code(400).send(problem("invalid_request", error.message));
    },
    // Requests Node's HTTP parser rejects never reach Fastify: answer them in the same shape and count them too.
    clientErrorHandler: (error: Error & { code?: string }, socket: Socket) => {
      if (!socket.writable || error.code === "ECONNRESET") return void socket.destroy();
      const status = error.code === "HPE_HEADER_OVERFLOW" ? 431 : 400;
      const body = JSON.stringify(problem("invalid_request", "the request is not valid HTTP"));
      observe("unknown", "unmatched", status, undefined);
      socket.end(
        `HTTP/1.1 ${status} ${status === 431 ? "Request Header Fields Too Large" : "Bad Request"}\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
      );
    },
  });
  app.setValidatorCompiler(validatorCompiler());
  const users = new UserStore(deps.db);
  app.addHook("onRoute", (route: RouteOptions) => {
    routes.push(route);
  });

  app.addHook("onRequest", (request, _reply, done) => {
    const route = request.routeOptions.url ?? "unmatched";
    state.set(request, {
      start: process.hrtime.bigint(),
      trace: route === "/healthz" || route === "/readyz" ? undefined : startRequest(request.method, route, request.headers),
    });
    done();
  });
  app.addHook("onResponse", (request, reply, done) => {
    const current = state.get(request);
    // The route template, never the raw URL: one series per route, whatever the ids.
    const route = request.routeOptions.url ?? "unmatched";
    observe(request.method, route, reply.statusCode, current?.start);
    endRequest(current?.trace, reply.statusCode);
    // One short line per request: at info for the ones that failed (4xx, 5xx), at debug for the rest (the ALB's
    // access logs and the metrics count those; a line per success would be a tenth of the CPU a request costs).
    const level = reply.statusCode >= 400 ? "info" : "debug";
    request.log[level](
      {
        method: request.method,
        route,
        status: reply.statusCode,
        ms: current === undefined ? undefined : Math.round(Number(process.hrtime.bigint() - current.start) / 1e5) / 10,
      },
      "request",
    );
    done();
  });

  // While draining, a keep-alive connection closes after its response instead of waiting out the drain timeout.
  app.addHook("onSend", (_request, reply, _payload, done) => {
    if (!deps.accepting()) reply.header("connection", "close");
    done();
  });

  app.setErrorHandler((error: FastifyError, request, reply) => {
    if (error.validation !== undefined) return reply.code(400).send(problem("invalid_request", error.message));
    if (error instanceof DuplicateEmailError) return reply.code(409).send(problem("email_taken", "a user with this email already exists"));
    if (error.statusCode !== undefined && error.statusCode >= 400 && error.statusCode < 500) {
      const code: ProblemCode = error.statusCode === 413 ? "payload_too_large" : error.statusCode === 415 ? "unsupported_media_type" : "invalid_request";
      return reply.code(error.statusCode).send(problem(code, error.message));
    }
    if (error instanceof UnavailableError) {
      request.log.warn({ err: error, pool: error.pool }, "database unavailable");
      return reply
        .code(503)
        .header("retry-after", String(RETRY_AFTER_SECONDS))
        .send(problem("unavailable", `the database ${error.pool} cannot serve this request right now; retry later`));
    }
    // A defect, not an outage: the stack is what finds it.
    request.log.error({ err: error, stack: error.stack }, "request failed");
    return reply.code(503).header("retry-after", String(RETRY_AFTER_SECONDS)).send(problem("unavailable", "the service cannot answer right now; retry later"));
  });
  app.setNotFoundHandler((request, reply) => reply.code(404).send(problem("not_found", `no route ${request.method} ${request.url.split("?")[0] ?? ""}`)));

  const traceOf = (request: FastifyRequest): Trace | undefined => state.get(request)?.trace;
  const servedBy = (reply: FastifyReply, from: PoolName): void => {
    reply.header("x-served-by", from);
  };

  app.get(
    "/healthz",
    {
      logLevel: "warn",
      schema: { summary: "Liveness: the process answers", response: { 200: { type: "object", properties: { status: { type: "string" } } } } },
    },
    () => ({
      status: "ok",
    }),
  );
  app.get(
    "/readyz",
    {
      logLevel: "warn",
      schema: {
        summary: "Readiness: accepting requests, and the writer or the reader answered its last health probe",
        response: { 200: readiness, 503: readiness },
      },
    },
    (_request, reply) => {
      // The health checker's last answers: no query here, so a probe never waits behind (or takes) a pooled connection.
      const health = deps.db.health();
      const ready = deps.accepting() && (health.writer || health.reader);
      deps.metrics.ready.set(ready ? 1 : 0);
      return reply
        .code(ready ? 200 : 503)
        .send({ status: ready ? "ready" : "unavailable", writer: health.writer ? "up" : "down", reader: health.reader ? "up" : "down" });
    },
  );

  app.post<{ Body: { email: string; name: string } }>(
    "/users",
    {
      schema: {
        operationId: "createUser",
        summary: "Create a user (on the writer)",
        body: createBody,
        response: { 201: user, 409: problemSchema, ...errorResponses },
      },
    },
    async (request, reply) => {
      const created = await users.create(request.body.email, request.body.name, traceOf(request));
      return reply.code(201).header("location", `/users/${created.id}`).send(created);
    },
  );

  app.get<{ Querystring: { limit: number; cursor?: string } }>(
    "/users",
    {
      schema: {
        operationId: "listUsers",
        summary: "List users in creation order (from the reader; may lag the writer by the replica's delay)",
        querystring: listQuery,
        response: { 200: userPage, ...errorResponses },
      },
    },
    async (request, reply) => {
      let after;
      if (request.query.cursor !== undefined) {
        const value = deps.signingKey.verify(request.query.cursor);
        after = value === undefined ? undefined : decodePosition(value);
        if (after === undefined) return reply.code(400).send(problem("invalid_request", "querystring/cursor is not a cursor this service issued"));
      }
      const page = await users.list(request.query.limit, after, traceOf(request));
      servedBy(reply, page.from);
      return { users: page.users, nextCursor: page.next === undefined ? null : deps.signingKey.sign(encodePosition(page.next)) };
    },
  );

  app.get<{ Params: { id: string } }>(
    "/users/:id",
    {
      schema: {
        operationId: "getUser",
        summary: "Read a user (from the writer: a client sees its own writes; from the reader while the writer is down)",
        params: idParams,
        response: { 200: user, 404: problemSchema, ...errorResponses },
      },
    },
    async (request, reply) => {
      const found = await users.get(request.params.id, traceOf(request));
      servedBy(reply, found.from);
      return found.user === undefined ? reply.code(404).send(problem("not_found", "no user with this id")) : found.user;
    },
  );

  app.patch<{ Params: { id: string }; Body: { email?: string; name?: string } }>(
    "/users/:id",
    {
      schema: {
        operationId: "updateUser",
        summary: "Change a user's email or name (on the writer)",
        params: idParams,
        body: patchBody,
        response: { 200: user, 404: problemSchema, 409: problemSchema, ...errorResponses },
      },
    },
    async (request, reply) => {
      const updated = await users.update(request.params.id, request.body, traceOf(request));
      return updated === undefined ? reply.code(404).send(problem("not_found", "no user with this id")) : updated;
    },
  );

  app.delete<{ Params: { id: string } }>(
    "/users/:id",
    {
      schema: {
        operationId: "deleteUser",
        summary: "Delete a user (on the writer)",
        params: idParams,
        response: { 204: { type: "null" }, 404: problemSchema, ...errorResponses },
      },
    },
    async (request, reply) => {
      const deleted = await users.delete(request.params.id, traceOf(request));
      return deleted ? reply.code(204).send() : reply.code(404).send(problem("not_found", "no user with this id"));
    },
  );

  let document: string | undefined;
  app.get("/openapi.json", { schema: { summary: "This API's OpenAPI document, generated from the route schemas" } }, (_request, reply) => {
    document ??= `${JSON.stringify(apiDocument(routes), null, 2)}\n`;
    return reply.type("application/json; charset=utf-8").send(document);
  });

  return app;
}

/** The OpenAPI document of an app's routes (what GET /openapi.json serves and openapi.json holds). */
export function apiDocument(routes: readonly DocumentedRoute[]): object {
  return openApiDocument(routes, version);
}
