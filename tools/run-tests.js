// `npm test`: the unit tests, the application's tests and the offline plans, as `test:unit`, `test:app` and
// `test:integration` run them one by one; the application's tests run beside the unit tests. They spend most of their
// time waiting on their own PostgreSQL servers (≈ 20 CPU-s in ≈ 30 s), so side by side the two take little more than
// the unit tests alone. The application's output is held back and printed whole after the unit tests', so neither
// interleaves with the other. Exits non-zero when any part fails; the plans run only when both test runs passed.
// Plain JavaScript: it starts before anything is compiled.
const { spawn } = require("child_process");

const npm = process.platform === "win32" ? "npm.cmd" : "npm";

/** Runs `npm run <script>`; resolves to its exit code (and its output, when held back). */
function run(script, holdOutput) {
  return new Promise((resolve) => {
    const child = spawn(npm, ["run", script], { stdio: holdOutput ? ["ignore", "pipe", "pipe"] : "inherit" });
    const chunks = [];
    if (holdOutput) {
      child.stdout.on("data", (chunk) => chunks.push(chunk));
      child.stderr.on("data", (chunk) => chunks.push(chunk));
    }
    child.on("error", (error) => chunks.push(Buffer.from(`${npm} run ${script}: ${error.message}\n`)));
    child.on("close", (code, signal) => resolve({ script, code: code ?? (signal ? 1 : 0), output: Buffer.concat(chunks) }));
  });
}

async function main() {
  const app = run("test:app", true);
  const unit = await run("test:unit", false);
  const appResult = await app;
  process.stdout.write(appResult.output);
  const failed = [unit, appResult].filter((result) => result.code !== 0);
  if (failed.length > 0) {
    process.stderr.write(`npm test: ${failed.map((result) => `${result.script} failed (exit ${result.code})`).join(", ")}; the offline plans did not run\n`);
    return 1;
  }
  const integration = await run("test:integration", false);
  return integration.code;
}

main().then((code) => {
  process.exitCode = code;
});
