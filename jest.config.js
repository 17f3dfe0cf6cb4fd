// Unit tests transpile with isolatedModules (no type-check: `npm run typecheck` does that once, for every file).
// cdktf's Testing (and the tests' own mkdtemp folders) leave folders in the temp directory and never remove them, so
// each run gets its own TMPDIR under the ignored .tmp/, which the global teardown deletes.
const path = require("path");
process.env.PLATFORM_TEST_TMPDIR = process.env.PLATFORM_TEST_TMPDIR || path.join(__dirname, ".tmp", `jest-${process.pid}`);
process.env.TMPDIR = process.env.PLATFORM_TEST_TMPDIR;
process.env.CHECKPOINT_DISABLE = "1";
// A TF_CLI_CONFIG_FILE naming no file makes every `terraform` the tests run (cdktf's version checks among them) warn
// on stderr; Terraform without it behaves the same, silently (tools/cdktf.ts replaces such a file likewise).
if (process.env.TF_CLI_CONFIG_FILE && !require("fs").existsSync(process.env.TF_CLI_CONFIG_FILE)) delete process.env.TF_CLI_CONFIG_FILE;
process.env.DISABLE_VERSION_CHECK = "true";
require("fs").mkdirSync(process.env.TMPDIR, { recursive: true });
// The suites build and synthesize hundreds of short-lived constructs: with V8's default young generation (16 MiB
// semi-spaces) the workers spent a fifth of their CPU in scavenges. 128 MiB semi-spaces cut the unit run's CPU from
// ≈ 156 s to ≈ 115 s for ≈ 0.5 GiB more peak memory per worker. jest-worker forks each worker with this process's
// execArgv (ChildProcessWorker), so the flag reaches the workers and not the processes they start (a synth, terraform),
// for which the default is faster.
if (!process.execArgv.some((arg) => arg.startsWith("--max-semi-space-size"))) process.execArgv.push("--max-semi-space-size=128");

// TypeScript goes through esbuild, file by file without type information (tsconfig.json sets isolatedModules; the
// type-check is `npm run typecheck`'s): __tests__/support/esbuild-transform.js.
const transform = { "^.+\\.ts$": "<rootDir>/__tests__/support/esbuild-transform.js" };

module.exports = {
  globalTeardown: "<rootDir>/__tests__/support/global-teardown.js",
  // Jest's default (cores - 1) leaves one of two cores idle; a worker per core keeps both busy. Suites share one synth
  // per input per run (support/synth-cache.ts, in the folder global-setup.js makes), so more workers add no synths.
  maxWorkers: "100%",
  projects: [
    {
      displayName: "unit",
      testEnvironment: "node",
      roots: ["<rootDir>/__tests__"],
      testMatch: ["**/*.test.ts"],
      testPathIgnorePatterns: ["/__tests__/integration/"],
      transform,
      globalSetup: "<rootDir>/__tests__/support/global-setup.js",
      setupFilesAfterEnv: ["<rootDir>/__tests__/support/setup.ts"],
    },
    {
      displayName: "integration",
      testEnvironment: "node",
      roots: ["<rootDir>/__tests__/integration"],
      testMatch: ["**/*.test.ts"],
      transform,
      globalSetup: "<rootDir>/__tests__/integration/global-setup.ts",
      setupFilesAfterEnv: ["<rootDir>/__tests__/support/setup.ts", "<rootDir>/__tests__/integration/setup.ts"],
    },
  ],
};
