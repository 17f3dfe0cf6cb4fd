import * as fs from "fs";
import * as path from "path";
import { z } from "zod";
import { loadEnvironments } from "../../config";
import { SHIPPED_CONFIG_DIR, REPO_ROOT } from "../support/environments";

describe("zod as the config schemas use it", () => {
  it("is jitless: no per-schema compilation on the config's first parse", () => {
    loadEnvironments({ dir: SHIPPED_CONFIG_DIR });
    expect(z.config().jitless).toBe(true);
  });

  it("comes from config/schema/zod.ts alone, so no schema is built before jitless is set", () => {
    const importers: string[] = [];
    const walk = (dir: string) => {
      for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
        const file = path.join(dir, entry.name);
        if (entry.isDirectory()) walk(file);
        else if (entry.name.endsWith(".ts") && /from "zod"|require\("zod"\)/.test(fs.readFileSync(file, "utf8")))
          importers.push(path.relative(REPO_ROOT, file));
      }
    };
    walk(path.join(REPO_ROOT, "config"));
    expect(importers).toEqual(["config/schema/zod.ts"]);
  });
});
