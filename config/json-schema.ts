import { z } from "./schema/zod";
import { environmentSchema } from "./schema/environment";

const NON_STANDARD_FORMATS = new Set(["starts_with", "ends_with", "includes"]);

/**
 * The JSON Schema of an environment file, generated from the zod schema so the two cannot disagree. Editors use it
 * through the `# yaml-language-server: $schema=./schema.json` line at the top of each file.
 */
export function environmentJsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(environmentSchema, {
    io: "input",
    unrepresentable: "any",
    // zod writes `startsWith`/`endsWith`/`includes` as a `format` JSON Schema does not define (editors warn) beside the
    // `pattern` that says the same: keep the pattern only.
    override: ({ jsonSchema }) => {
      if (typeof jsonSchema.format === "string" && NON_STANDARD_FORMATS.has(jsonSchema.format) && jsonSchema.pattern) delete jsonSchema.format;
    },
  }) as Record<string, unknown>;
  return {
    ...schema,
    title: "Platform environment",
    description:
      "One environment (dev, staging, prod, ...) of the platform. The file name is the environment name. Generated from config/schema/*.ts by `npm run schema`; do not edit.",
  };
}

export function renderJsonSchema(): string {
  return `${JSON.stringify(environmentJsonSchema(), null, 2)}\n`;
}
