import * as fs from "fs";
import * as path from "path";
import { synthSample, withSynthSample } from "../../../tools/docs/synth-sample";
import { REPO_ROOT } from "../../support/environments";

// The README describes the repository's own config/, whatever PLATFORM_CONFIG_DIR a test run points at.
describe("the README's synth sample", () => {
  const sample = synthSample(path.join(REPO_ROOT, "config"));

  it("is what `npm run synth` prints for the shipped config today (run `npm run docs:synth` when this fails)", () => {
    const readme = fs.readFileSync(path.join(REPO_ROOT, "README.md"), "utf8");
    expect(withSynthSample(readme, sample)).toBe(readme);
  });

  it("shows one line per environment and account stack, and the stack count", () => {
    const environments = fs.readdirSync(path.join(REPO_ROOT, "config")).filter((file) => file.endsWith(".yaml"));
    const lines = sample.split("\n").slice(1, -1);
    expect(lines.filter((line) => / \d+ stacks?, \d+ resources, /.test(line)).length).toBeGreaterThanOrEqual(environments.length + 1);
    expect(lines.at(-1)).toMatch(/^wrote cdktf\.out: \d+ stacks$/);
  });
});
