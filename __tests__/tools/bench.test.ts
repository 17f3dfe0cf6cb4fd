import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { bestInTurns, README_LOAD_TEST_MARKERS, README_MARKERS } from "../../tools/bench";
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

describe("npm run bench's per added environment", () => {
  it("runs the synths it compares in turns, so each sees the same machine, and keeps each one's least CPU", async () => {
    const log = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "bench-")), "runs");
    // Each command notes its run in the log: the order of the runs is the log's.
    const command = (label: string) => ({
      label,
      command: process.execPath,
      args: ["-e", `require("fs").appendFileSync(${JSON.stringify(log)}, ${JSON.stringify(label)})`],
      env: {},
    });
    const write = jest.spyOn(process.stdout, "write").mockImplementation(() => true);
    try {
      const samples = await bestInTurns([command("1"), command("2"), command("3")]);
      expect(samples).toHaveLength(3);
      for (const sample of samples) expect(sample.cpuSeconds).toBeGreaterThan(0);
      const runs = fs.readFileSync(log, "utf8");
      expect(runs.length).toBeGreaterThan(3);
      expect(runs).toBe("123".repeat(runs.length / 3));
    } finally {
      write.mockRestore();
    }
  });
});
