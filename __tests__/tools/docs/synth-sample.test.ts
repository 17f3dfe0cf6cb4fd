import * as fs from "fs";
import * as path from "path";
import { sampleOf, synthSample, withSynthSample } from "../../../tools/docs/synth-sample";
import { main as generate } from "../../../tools/generate-all";
import { UsageError } from "../../../tools/lib/cli";
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

describe("sampleOf", () => {
  it("shows the output folder as the default one, wherever the synth wrote (npm run generate's compiled run, or a test's)", () => {
    const printed = ["dev: 6 stacks, 412 resources, 9 outputs", "wrote .tmp/ops/synth-Ab12Cd: 25 stacks"];
    expect(sampleOf(printed)).toBe(["```", printed[0], "wrote cdktf.out: 25 stacks", "```"].join("\n"));
    expect(sampleOf(["wrote /tmp/out-x1/cdktf.out: 1 stack"])).toBe(["```", "wrote cdktf.out: 1 stack", "```"].join("\n"));
  });
});

describe("npm run generate (tools/generate-all.ts)", () => {
  it("prints its usage for --help and refuses an argument it does not take, before it writes anything", () => {
    const out: string[] = [];
    expect(generate(["--help"], { out: (text) => out.push(text), err: () => undefined })).toBe(0);
    expect(out.join("")).toMatch(/^usage: npm run generate /);
    expect(() => generate(["--check"])).toThrow(UsageError);
  });
});
