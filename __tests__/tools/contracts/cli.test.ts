import { main } from "../../../tools/contracts/cli";
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
});
