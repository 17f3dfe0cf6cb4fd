import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, it } from "node:test";

const appRoot = path.resolve(__dirname, "..", "..", "..");
const instructions = readFileSync(path.join(appRoot, "Dockerfile"), "utf8")
  .replace(/\\\n/g, " ")
  .split("\n")
  .map((line) => line.trim().replace(/\s+/g, " "))
  .filter((line) => line !== "" && !line.startsWith("#"));
const stages = instructions.reduce<string[][]>((all, line) => (line.startsWith("FROM ") ? [...all, [line]] : (all[all.length - 1]?.push(line), all)), []);
const runtime = stages[stages.length - 1] ?? [];
const stageNamed = (name: string): string[] => stages.find((stage) => stage[0]?.endsWith(` AS ${name}`)) ?? [];
const major = (version: string): string => /^v?(\d+)\./.exec(version)?.[1] ?? "?";

// The checks hadolint makes that matter here, plus what the pod's security context needs.
describe("Dockerfile", () => {
  const image = /^ARG NODE_IMAGE=node:(\d+\.\d+\.\d+)-([a-z]+)-slim@sha256:[0-9a-f]{64}$/.exec(
    instructions.find((line) => line.startsWith("ARG NODE_IMAGE=")) ?? "",
  );

  it("pins its base image to an exact release and the digest of its index", () => {
    assert.ok(image !== null, "ARG NODE_IMAGE=node:<x.y.z>-<debian>-slim@sha256:<digest>: a tag alone can be moved");
    for (const stage of stages.slice(0, -1)) assert.match(stage[0] ?? "", /^FROM \$\{NODE_IMAGE\} AS \w+$/);
  });

  it("uses one Node.js major for the image, engines, the tests' runtime and the process running these tests", () => {
    const imageMajor = major(image?.[1] ?? "");
    const engines = (JSON.parse(readFileSync(path.join(appRoot, "package.json"), "utf8")) as { engines: { node: string } }).engines.node;
    assert.equal(engines, `^${imageMajor}.0.0`, "package.json engines");
    const runtimeScript = readFileSync(path.resolve(appRoot, "..", "tools", "node-runtime.sh"), "utf8");
    assert.equal(major(/^NODE_RUNTIME_VERSION=(\S+)$/m.exec(runtimeScript)?.[1] ?? ""), imageMajor, "tools/node-runtime.sh");
    assert.equal(major(process.version), imageMajor, `the tests run on ${process.version}: run them with npm test (tools/node-runtime.sh)`);
  });

  it("checks every download against a pinned SHA-256", () => {
    const downloads = instructions.filter((line) => /^ADD .*https?:\/\//.test(line));
    assert.ok(downloads.length > 0);
    for (const line of downloads) assert.match(line, /--checksum=sha256:[0-9a-f]{64} /, line);
  });

  it("ships production dependencies only, installed from the lockfile", () => {
    assert.ok(!instructions.some((line) => /npm (install|i) /.test(line)), "npm ci, never npm install");
    const copiedModules = runtime.find((line) => line.includes("node_modules"));
    const source = /--from=(\w+)/.exec(copiedModules ?? "")?.[1] ?? "?";
    assert.ok(
      stageNamed(source).some((line) => line.startsWith("RUN npm ci --omit=dev")),
      "the runtime's node_modules come from npm ci --omit=dev",
    );
    assert.ok(!runtime.some((line) => /COPY (--\S+ )*(src|test|tools) /.test(line)), "no sources or tests in the image");
  });

  it("has no package manager in the runtime image: one layer copied from a stage that removed them", () => {
    assert.equal(runtime[0], "FROM scratch AS runtime", "no base layers below the runtime's files");
    const root = /^COPY --from=(\w+) \/ \/$/.exec(runtime[1] ?? "")?.[1] ?? "?";
    const removal = stageNamed(root).find((line) => line.startsWith("RUN rm -rf ")) ?? "";
    for (const removed of ["/usr/local/lib/node_modules", "/usr/local/bin/npm", "/usr/local/bin/npx", "/usr/local/bin/corepack", "/usr/local/bin/yarn"]) {
      assert.ok(removal.split(" ").includes(removed), `${root} removes ${removed}`);
    }
    assert.ok(!runtime.some((line) => /\bnpm\b/.test(line) && !line.startsWith("COPY --from=deps")), "nothing in the final stage uses npm");
  });

  it("runs as the non-root uid of the Rollout, with node in exec form as the process", () => {
    const rollout = readFileSync(path.resolve(appRoot, "..", "gitops", "base", "rollout.yaml"), "utf8");
    const uid = /runAsUser: (\d+)/.exec(rollout)?.[1];
    assert.equal(runtime.filter((line) => line.startsWith("USER ")).pop(), `USER ${uid ?? "?"}:${uid ?? "?"}`);
    assert.deepEqual(
      runtime.filter((line) => /^(ENTRYPOINT|CMD) /.test(line)),
      ['ENTRYPOINT ["node"]', 'CMD ["dist/src/main.js"]'],
    );
    assert.ok(!runtime.some((line) => line.startsWith("RUN ")), "nothing runs in the final stage");
    assert.ok(
      runtime.some((line) => /^ENV PATH=\S*\/usr\/local\/bin/.test(line)),
      "node is on PATH (scratch has no environment)",
    );
  });

  it("ships the RDS CA bundle where the service looks for it", () => {
    assert.ok(instructions.some((line) => line.startsWith("ADD ") && line.endsWith(" /app/certs/rds-global-bundle.pem")));
    assert.match(readFileSync(path.join(appRoot, "src", "config.ts"), "utf8"), /"\/app\/certs\/rds-global-bundle\.pem"/);
  });
});
