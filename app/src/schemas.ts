/**
 * The API's JSON schemas: Fastify validates requests and serializes responses with them, and the OpenAPI document
 * (src/openapi.ts, GET /openapi.json, openapi.json in this folder) is generated from the same objects.
 */

/** A canonical UUID, nothing else: `format: "uuid"` also admits `urn:uuid:…`, which PostgreSQL rejects. */
export const uuid = { type: "string", pattern: "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$" } as const;
// PostgreSQL text cannot hold U+0000: refused here instead of by the database.
const noNul = "^[^\\u0000]*$";
export const email = { type: "string", format: "email", maxLength: 254, pattern: noNul } as const;
export const name = { type: "string", minLength: 1, maxLength: 200, pattern: noNul } as const;

export const idParams = { type: "object", required: ["id"], properties: { id: uuid }, additionalProperties: false } as const;

export const user = {
  type: "object",
  required: ["id", "email", "name", "createdAt", "updatedAt"],
  properties: {
    id: { type: "string", format: "uuid" },
    email: { type: "string" },
    name: { type: "string" },
    createdAt: { type: "string", format: "date-time" },
    updatedAt: { type: "string", format: "date-time" },
  },
  additionalProperties: false,
} as const;

/** The body of every error response: a stable code and a message for people. */
export const problem = {
  type: "object",
  required: ["error"],
  properties: {
    error: {
      type: "object",
      required: ["code", "message"],
      properties: {
        code: { type: "string", enum: ["invalid_request", "not_found", "email_taken", "unavailable", "payload_too_large", "unsupported_media_type"] },
        message: { type: "string" },
      },
      additionalProperties: false,
    },
  },
  additionalProperties: false,
} as const;

export const createBody = { type: "object", required: ["email", "name"], properties: { email, name }, additionalProperties: false } as const;
export const patchBody = { type: "object", minProperties: 1, properties: { email, name }, additionalProperties: false } as const;
export const listQuery = {
  type: "object",
  properties: { limit: { type: "integer", minimum: 1, maximum: 100, default: 20 }, cursor: { type: "string", maxLength: 200 } },
  additionalProperties: false,
} as const;
export const userPage = {
  type: "object",
  required: ["users", "nextCursor"],
  properties: { users: { type: "array", items: user }, nextCursor: { type: ["string", "null"] } },
  additionalProperties: false,
} as const;
export const readiness = {
  type: "object",
  required: ["status", "writer", "reader"],
  properties: {
    status: { type: "string", enum: ["ready", "unavailable"] },
    writer: { type: "string", enum: ["up", "down"] },
    reader: { type: "string", enum: ["up", "down"] },
  },
  additionalProperties: false,
} as const;
