import type { RouteOptions } from "fastify";

/** What the OpenAPI document needs of a route: its method, URL and schema (Fastify's route options carry all three). */
export type DocumentedRoute = Pick<RouteOptions, "method" | "url" | "schema">;

interface RouteSchema {
  readonly summary?: string;
  readonly operationId?: string;
  readonly params?: JsonObject;
  readonly querystring?: JsonObject;
  readonly body?: JsonObject;
  readonly response?: Readonly<Record<string, JsonObject>>;
}
type JsonObject = { readonly [key: string]: unknown };

const DESCRIPTIONS: Readonly<Record<string, string>> = {
  "200": "OK",
  "201": "Created; Location names the new resource",
  "204": "Done; no body",
  "400": "The request is malformed: error.message names the offending field",
  "404": "No such resource",
  "409": "Conflicts with an existing resource",
  "413": "The body is too large",
  "415": "The body is not JSON",
  "503": "The database cannot serve the request now; retry after Retry-After seconds",
};

function parameters(where: "path" | "query", schema: JsonObject | undefined): object[] {
  if (schema === undefined) return [];
  const properties = (schema.properties ?? {}) as Record<string, JsonObject>;
  const required = new Set((schema.required ?? []) as string[]);
  return Object.entries(properties).map(([name, property]) => ({ name, in: where, required: where === "path" || required.has(name), schema: property }));
}

/** An OpenAPI 3.1 document of the routes, built from their Fastify schemas only (no hand-written paths). */
export function openApiDocument(routes: readonly DocumentedRoute[], version: string): object {
  const paths: Record<string, Record<string, object>> = {};
  const sorted = [...routes].filter((route) => route.schema !== undefined).sort((a, b) => a.url.localeCompare(b.url));
  for (const route of sorted) {
    const schema = route.schema as RouteSchema;
    const path = route.url.replace(/:(\w+)/g, "{$1}");
    for (const method of [route.method].flat()) {
      if (method === "HEAD") continue;
      const responses: Record<string, object> = {};
      for (const [status, body] of Object.entries(schema.response ?? {}).sort(([a], [b]) => a.localeCompare(b))) {
        const description = DESCRIPTIONS[status] ?? status;
        responses[status] =
          body.type === "null"
            ? { description }
            : {
                description,
                ...(status === "503" ? { headers: { "Retry-After": { description: "Seconds to wait before retrying", schema: { type: "integer" } } } } : {}),
                content: { "application/json": { schema: body } },
              };
      }
      (paths[path] ??= {})[method.toLowerCase()] = {
        ...(schema.operationId !== undefined ? { operationId: schema.operationId } : {}),
        ...(schema.summary !== undefined ? { summary: schema.summary } : {}),
        ...(schema.params !== undefined || schema.querystring !== undefined
          ? { parameters: [...parameters("path", schema.params), ...parameters("query", schema.querystring)] }
          : {}),
        ...(schema.body !== undefined ? { requestBody: { required: true, content: { "application/json": { schema: schema.body } } } } : {}),
        responses,
      };
    }
  }
  return {
    openapi: "3.1.0",
    info: { title: "users-info", version, description: "The reference application the platform runs: a small users API on Aurora PostgreSQL." },
    paths,
  };
}

// The two OpenAPI fields the routes set beside their JSON schemas (Fastify passes them through untouched).
declare module "fastify" {
  interface FastifySchema {
    summary?: string;
    operationId?: string;
  }
}
