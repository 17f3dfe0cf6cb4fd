import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";
import { generateOpenApi, OPENAPI_FILE } from "../../tools/openapi";

describe("openapi.json", () => {
  it("is what the route schemas generate (run `npm --prefix app run openapi` after changing a route)", async () => {
    // Compared as JSON: the committed file may be formatted by prettier.
    assert.deepEqual(
      JSON.parse(readFileSync(OPENAPI_FILE, "utf8")),
      JSON.parse(await generateOpenApi()),
      "openapi.json is stale: npm --prefix app run openapi",
    );
  });

  it("documents every API operation with its parameters, body, and error responses", async () => {
    const document = JSON.parse(await generateOpenApi()) as {
      paths: Record<
        string,
        Record<
          string,
          {
            operationId?: string;
            parameters?: Array<{ name: string; in: string; schema: { pattern?: string } }>;
            requestBody?: unknown;
            responses: Record<string, unknown>;
          }
        >
      >;
    };
    const operations = Object.entries(document.paths).flatMap(([path, methods]) => Object.entries(methods).map(([method, op]) => ({ path, method, op })));
    const api = operations.filter(({ op }) => op.operationId !== undefined);
    assert.deepEqual(api.map(({ op }) => op.operationId).sort(), ["createUser", "deleteUser", "getUser", "listUsers", "updateUser"]);
    for (const { path, method, op } of api) {
      assert.ok(op.responses["400"] !== undefined && op.responses["503"] !== undefined, `${method} ${path} documents 400 and 503`);
      if (method === "post" || method === "patch") assert.ok(op.requestBody !== undefined, `${method} ${path} has a body`);
      if (path.includes("{id}")) assert.match(op.parameters?.find((p) => p.name === "id" && p.in === "path")?.schema.pattern ?? "", /^\^\[0-9a-fA-F\]\{8\}-/);
    }
  });
});
