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

  it("names the commands a new user needs first", () => {
    for (const command of [
      "npm ci && npm run synth",
      "npm run charts:pull",
      "npm test",
      "npm run test:adopt",
      "npm run lint",
      "npm run cost",
      "npm run docs:cost",
    ]) {
      expect(printed).toContain(command);
    }
  });
});
