// A fresh folder per run for the synths the suites share (support/synth-cache.ts); inside the run's temp folder,
// which the global teardown deletes. Fresh on every run, so a watch-mode re-run never reads a synth of older code.
const fs = require("fs");
const path = require("path");

module.exports = async function globalSetup() {
  const root = process.env.PLATFORM_TEST_TMPDIR || process.env.TMPDIR || require("os").tmpdir();
  fs.mkdirSync(root, { recursive: true });
  process.env.PLATFORM_SYNTH_CACHE = fs.mkdtempSync(path.join(root, "synth-cache-"));
};
