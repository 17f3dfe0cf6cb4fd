import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { nodeTestArgs, RUN_TIMEOUT_MS, TEST_TIMEOUT_MS } from "../../tools/test";

describe("the test runner", () => {
  it("bounds every test and the whole run, so a hung request fails instead of hanging CI", () => {
    const args = nodeTestArgs(["a.test.js"]);
    assert.ok(args.includes(`--test-timeout=${TEST_TIMEOUT_MS}`));
    assert.ok(TEST_TIMEOUT_MS > 0 && TEST_TIMEOUT_MS <= 120_000);
    assert.ok(RUN_TIMEOUT_MS > TEST_TIMEOUT_MS && RUN_TIMEOUT_MS <= 15 * 60_000);
  });
});
