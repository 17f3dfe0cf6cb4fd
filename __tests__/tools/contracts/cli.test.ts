import { execFileSync } from "child_process";
import { REPO_ROOT } from "../../support/environments";

function run(args: string[]): { status: number; stdout: string; stderr: string } {
  try {
    const stdout = execFileSync(process.execPath, ["--require", "tsx/cjs", "tools/contracts/cli.ts", ...args], {
      cwd: REPO_ROOT,
      encoding: "utf8",
      stdio: ["ignore", "pipe", "pipe"],
    });
    return { status: 0, stdout, stderr: "" };
  } catch (error) {
    const failed = error as { status: number; stdout: string; stderr: string };
    return { status: failed.status, stdout: failed.stdout, stderr: failed.stderr };
  }
}

describe("npm run contracts", () => {
  it("rejects an environment that has no config file with one line naming it, and no stack trace", () => {
    const result = run(["nosuchenv"]);
    expect(result.status).toBe(1);
    expect(result.stderr.trim().split("\n")).toEqual([expect.stringContaining('names environment "nosuchenv" but there is no such file; available:')]);
    expect(result.stderr).not.toMatch(/^\s+at /m);
  });
});
