import * as fs from "fs";
import * as path from "path";
import Ajv2020 from "ajv/dist/2020";
import addFormats from "ajv-formats";
import { parse } from "yaml";
import { renderJsonSchema } from "../../config/json-schema";
import { renderConfigReference } from "../../config/reference";
import { REPO_ROOT, SHIPPED_CONFIG_DIR } from "../support/environments";

describe("config/schema.json", () => {
  const committed = fs.readFileSync(path.join(REPO_ROOT, "config", "schema.json"), "utf8");

  it("is what the zod schema generates (run `npm run schema` after changing config/schema/)", () => {
    expect(committed).toBe(renderJsonSchema());
  });

  it("accepts every shipped environment and rejects a misspelt key, as the loader does", () => {
    const ajv = new Ajv2020({ strict: false, allErrors: true });
    addFormats(ajv);
    const validate = ajv.compile(JSON.parse(committed));
    for (const file of fs.readdirSync(SHIPPED_CONFIG_DIR).filter((name) => name.endsWith(".yaml"))) {
      const data = parse(fs.readFileSync(path.join(SHIPPED_CONFIG_DIR, file), "utf8"));
      expect({ file, valid: validate(data), errors: validate.errors ?? null }).toEqual({ file, valid: true, errors: null });
      expect(validate({ ...data, netwrok: data.network })).toBe(false);
    }
  });

  it("has an up-to-date reference in docs/configuration.md (run `npm run schema`)", () => {
    expect(fs.readFileSync(path.join(REPO_ROOT, "docs", "configuration.md"), "utf8")).toBe(renderConfigReference());
  });

  it("is referenced from every shipped environment file for editor completion", () => {
    for (const file of fs.readdirSync(SHIPPED_CONFIG_DIR).filter((name) => name.endsWith(".yaml"))) {
      expect(fs.readFileSync(path.join(SHIPPED_CONFIG_DIR, file), "utf8").split("\n")[0]).toBe("# yaml-language-server: $schema=./schema.json");
    }
  });
});
