import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { main } from "../../../tools/contracts/cli";
import { SHIPPED_CONFIG_DIR, shippedEnvironments } from "../../support/environments";
import { runInProcess } from "../../support/tool";

function run(args: string[]): { status: number; stdout: string; stderr: string } {
  return runInProcess(main, args);
}

describe("npm run contracts", () => {
  it("rejects an environment that has no config file with one line naming it, and no stack trace", () => {
    const result = run(["nosuchenv"]);
    expect(result.status).toBe(1);
    expect(result.stderr.trim().split("\n")).toEqual([expect.stringContaining('names environment "nosuchenv" but there is no such file; available:')]);
    expect(result.stderr).not.toMatch(/^\s+at /m);
  });

  it("reads the config folder PLATFORM_CONFIG_DIR names, as the synth it runs does", () => {
    const [first] = shippedEnvironments();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "contracts-config-"));
    fs.copyFileSync(path.join(SHIPPED_CONFIG_DIR, `${first.name}.yaml`), path.join(dir, "solo.yaml"));
    const previous = process.env.PLATFORM_CONFIG_DIR;
    process.env.PLATFORM_CONFIG_DIR = dir;
    try {
      const result = run(["nosuchenv"]);
      expect(result.status).toBe(1);
      expect(result.stderr).toContain("available: solo");
    } finally {
      if (previous === undefined) delete process.env.PLATFORM_CONFIG_DIR;
      else process.env.PLATFORM_CONFIG_DIR = previous;
    }
  });
});
