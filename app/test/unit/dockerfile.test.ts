import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, it } from "node:test";

const appRoot = path.resolve(__dirname, "..", "..", "..");
const instructions = readFileSync(path.join(appRoot, "Dockerfile"), "utf8")
  .replace(/\\\n/g, " ")
  .split("\n")
  .map((line) => line.trim())
  .filter((line) => line !== "" && !line.startsWith("#"));
const stages = instructions.reduce<string[][]>((all, line) => (line.startsWith("FROM ") ? [...all, [line]] : (all[all.length - 1]?.push(line), all)), []);
const runtime = stages[stages.length - 1] ?? [];

// The checks hadolint makes that matter here, plus what the pod's security context needs.
describe("Dockerfile", () => {
  it("is multi-stage and pins its base image to a version", () => {
    assert.ok(stages.length >= 3);
    const arg = instructions.find((line) => line.startsWith("ARG NODE_IMAGE="));
    assert.match(arg ?? "", /^ARG NODE_IMAGE=node:20\.\d+\.\d+-[a-z]+-slim$/, "an exact Node 20 release, never latest");
    for (const stage of stages) assert.match(stage[0] ?? "", /^FROM \$\{NODE_IMAGE\} AS \w+$/);
  });

  it("ships production dependencies only, installed from the lockfile", () => {
    assert.ok(!instructions.some((line) => /npm (install|i) /.test(line)), "npm ci, never npm install");
    const copiedModules = runtime.find((line) => line.includes("node_modules"));
    const source = /--from=(\w+)/.exec(copiedModules ?? "")?.[1];
    const sourceStage = stages.find((stage) => stage[0]?.endsWith(` AS ${source ?? "?"}`)) ?? [];
    assert.ok(
      sourceStage.some((line) => line.startsWith("RUN npm ci --omit=dev")),
      "the runtime's node_modules come from npm ci --omit=dev",
    );
    assert.ok(!runtime.some((line) => /COPY (--\S+ )*(src|test|tools) /.test(line)), "no sources or tests in the image");
  });

  it("runs as the non-root uid of the Rollout, with node in exec form as the process", () => {
    const rollout = readFileSync(path.resolve(appRoot, "..", "gitops", "base", "rollout.yaml"), "utf8");
    const uid = /runAsUser: (\d+)/.exec(rollout)?.[1];
    assert.equal(runtime.filter((line) => line.startsWith("USER ")).pop(), `USER ${uid ?? "?"}:${uid ?? "?"}`);
    assert.deepEqual(
      runtime.filter((line) => /^(ENTRYPOINT|CMD) /.test(line)),
      ['ENTRYPOINT ["node"]', 'CMD ["dist/src/main.js"]'],
    );
    assert.ok(!runtime.some((line) => line.startsWith("RUN ")), "nothing runs as root in the final stage");
  });

  it("ships the RDS CA bundle where the service looks for it", () => {
    assert.ok(runtime.some((line) => line.startsWith("ADD ") && line.endsWith(" /app/certs/rds-global-bundle.pem")));
    assert.match(readFileSync(path.join(appRoot, "src", "config.ts"), "utf8"), /"\/app\/certs\/rds-global-bundle\.pem"/);
  });
});
