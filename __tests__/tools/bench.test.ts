import * as fs from "fs";
import * as path from "path";
import { README_LOAD_TEST_MARKERS, README_MARKERS } from "../../tools/bench";
import { replaceBlock } from "../../tools/lib/generated-block";
import { REPO_ROOT } from "../support/environments";

describe("npm run bench -- --readme", () => {
  it("has the README's benchmark table to write: the figures the README quotes are the tool's", () => {
    const readme = fs.readFileSync(path.join(REPO_ROOT, "README.md"), "utf8");
    const written = replaceBlock(readme, README_MARKERS, "| what | wall | CPU | peak memory |", "README.md");
    expect(written).not.toBe(readme);
    const block = readme.slice(readme.indexOf(README_MARKERS.begin), readme.indexOf(README_MARKERS.end));
    expect(block).toContain("| per added environment |");
  });

  it("has the README's load-test block: the app's throughput figures the README quotes are the tool's", () => {
    const readme = fs.readFileSync(path.join(REPO_ROOT, "README.md"), "utf8");
    const block = readme.slice(readme.indexOf(README_LOAD_TEST_MARKERS.begin), readme.indexOf(README_LOAD_TEST_MARKERS.end));
    expect(block).toContain("GET /users/:id");
    expect(block).toContain("minimal Fastify + pg");
  });
});
