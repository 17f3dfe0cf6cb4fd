// Removes the run's temp folder (jest.config.js points TMPDIR at it): cdktf's Testing.synth/fullSynth and the tests'
// mkdtemp folders are never cleaned up one by one, and piled up by the thousand.
const fs = require("fs");

module.exports = async function globalTeardown() {
  const dir = process.env.PLATFORM_TEST_TMPDIR;
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
};
