// `npm run test:adopt`: proves the tests follow the config. Copies config/ to a temporary folder, renames project,
// account and region and adds an environment (see __tests__/support/adopted-config.ts), then runs the unit tests
// against that copy through PLATFORM_CONFIG_DIR. Extra arguments go to jest (e.g. test paths).
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { ADOPTION, writeAdoptedConfig } from "../__tests__/support/adopted-config";

const root = path.resolve(__dirname, "..");
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "adopted-config-"));
try {
  writeAdoptedConfig(path.join(root, "config"), dir);
  const renamed = [ADOPTION.project, ADOPTION.account, ADOPTION.region].map(({ from, to }) => `${from} → ${to}`).join(", ");
  console.log(`test:adopt: ${renamed}, added ${ADOPTION.added.name} (copy of ${ADOPTION.added.copyOf}), config in ${dir}`);
  const jest = require.resolve("jest/bin/jest");
  const result = spawnSync(process.execPath, [jest, ...process.argv.slice(2), "--selectProjects", "unit"], {
    cwd: root,
    stdio: "inherit",
    env: { ...process.env, PLATFORM_CONFIG_DIR: dir, PLATFORM_ENVS: "" },
  });
  process.exitCode = result.status ?? 1;
} finally {
  fs.rmSync(dir, { recursive: true, force: true });
}
