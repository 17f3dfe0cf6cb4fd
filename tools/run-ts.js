#!/usr/bin/env node
// Runs a TypeScript script: `node scripts/run-ts.js script.ts [args...]` (see register-ts.js).
const path = require("path");
require("./register-ts");

const [script, ...args] = process.argv.slice(2);
if (!script) {
  console.error("usage: node scripts/run-ts.js <script.ts> [args...]");
  process.exit(2);
}
process.argv = [process.argv[0], path.resolve(script), ...args];
require(path.resolve(script));
