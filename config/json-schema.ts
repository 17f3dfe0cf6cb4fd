import { z } from "zod";
import { environmentSchema } from "./schema/environment";

/**
 * The JSON Schema of an environment file, generated from the zod schema so the two cannot disagree. Editors use it
 * through the `# yaml-language-server: $schema=./schema.json` line at the top of each file.
 */
export function environmentJsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(environmentSchema, { io: "input", unrepresentable: "any" }) as Record<string, unknown>;
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
