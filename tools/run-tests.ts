// `npm test`: the unit tests, the application's tests and the offline plans, as `test:unit`, `test:app` and
// `test:integration` run them one by one; the application's tests run beside the unit tests. They spend most of their
// time waiting on their own PostgreSQL servers (≈ 20 CPU-s in ≈ 30 s), so side by side the two take little more than
// the unit tests alone. The application's output is held back and printed whole after the unit tests', so neither
// interleaves with the other. Exits non-zero when any part fails; the plans run only when both test runs passed.
import { spawn } from "child_process";
import { runHeld } from "./lib/held-output";

const npm = process.platform === "win32" ? "npm.cmd" : "npm";

/** `npm run <script>` printing as it goes; resolves to its exit code. Asynchronous: the held run's pipes keep draining. */
function runPrinted(script: string): Promise<number> {
  return new Promise((resolve) => {
    const child = spawn(npm, ["run", script], { stdio: "inherit" });
    child.on("error", () => resolve(1));
    child.on("close", (code) => resolve(code ?? 1));
  });
}

async function main(): Promise<number> {
  const app = runHeld(npm, ["run", "test:app"]);
  const unit = await runPrinted("test:unit");
  const appResult = await app;
  process.stdout.write(appResult.output);
  const failed = [
    ...(unit !== 0 ? [`test:unit failed (exit ${unit})`] : []),
    ...(appResult.status !== 0 ? [`test:app failed (exit ${appResult.status})`] : []),
  ];
  if (failed.length > 0) {
    process.stderr.write(`npm test: ${failed.join(", ")}; the offline plans did not run\n`);
    return 1;
  }
  return runPrinted("test:integration");
}

void main().then((code) => {
  process.exitCode = code;
});
