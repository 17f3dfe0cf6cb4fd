import { execFileSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { REPO_ROOT } from "./support/environments";

describe("./help", () => {
  const printed = execFileSync(path.join(REPO_ROOT, "help"), { encoding: "utf8" });

  it("runs and prints the help text that `cat help` shows, without the script lines", () => {
    const text = fs.readFileSync(path.join(REPO_ROOT, "help"), "utf8");
    expect(text.endsWith(printed)).toBe(true);
    expect(printed.split("\n")[0]).toMatch(/^=+$/);
    expect(printed).not.toContain("exec sed");
  });

  it("lists every npm script of package.json (hooks run by npm itself aside)", () => {
    const scripts = Object.keys((JSON.parse(fs.readFileSync(path.join(REPO_ROOT, "package.json"), "utf8")) as { scripts: Record<string, string> }).scripts);
    const missing = scripts.filter(
      (name) => !name.startsWith("pre") && !name.startsWith("post") && !new RegExp(`npm (run )?${name.replace(/[:]/g, "\\:")}\\b`).test(printed),
    );
    expect(missing).toEqual([]);
  });

  it("runs cdktf with its telemetry off", () => {
    for (const line of printed.split("\n").filter((candidate) => /npx cdktf/.test(candidate))) expect(line).toContain("CHECKPOINT_DISABLE=1 npx cdktf");
  });

  it("names the commands a new user needs first", () => {
    for (const command of [
      "npm ci && npm run synth",
      "npm run charts:pull",
      "npm test",
      "npm run test:adopt",
      "npm run lint",
      "npm run cost",
      "npm run docs:cost",
      "npm run preflight",
    ]) {
      expect(printed).toContain(command);
    }
  });
});
