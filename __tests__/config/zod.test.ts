import * as fs from "fs";
import * as path from "path";
import { z } from "zod";
import { loadEnvironments } from "../../config";
import { SHIPPED_CONFIG_DIR, REPO_ROOT } from "../support/environments";
import { filesUnder } from "../support/files";

describe("zod as the config schemas use it", () => {
  it("is jitless: no per-schema compilation on the config's first parse", () => {
    loadEnvironments({ dir: SHIPPED_CONFIG_DIR });
    expect(z.config().jitless).toBe(true);
  });

  it("comes from config/schema/zod.ts alone, so no schema is built before jitless is set", () => {
    const importers = filesUnder(path.join(REPO_ROOT, "config"))
      .filter((file) => file.endsWith(".ts") && /from "zod"|require\("zod"\)/.test(fs.readFileSync(file, "utf8")))
      .map((file) => path.relative(REPO_ROOT, file));
    expect(importers).toEqual(["config/schema/zod.ts"]);
  });
});
