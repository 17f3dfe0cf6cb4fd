// Jest's TypeScript transform: esbuild, file by file, without type information (tsconfig.json sets isolatedModules, and
// `npm run typecheck` type-checks every file once). A few milliseconds a file where ts-jest's transpileModule took tens:
// on a clean clone, and in every adopted copy of test:adopt (a new path, so nothing cached), that was most of the
// transform time. Calls to jest.mock are not hoisted above the imports (babel-jest and ts-jest do): a test that mocks
// a module uses jest.doMock and requires what it tests afterwards.
const { transformSync } = require("esbuild");
const { createHash } = require("crypto");
const { version } = require("esbuild/package.json");

// import() becomes a require, as TypeScript emits it for CommonJS: jest runs test files without ES module support.
const OPTIONS = { loader: "ts", format: "cjs", target: "node20", sourcemap: true, sourcesContent: false, supported: { "dynamic-import": false } };

module.exports = {
  process(source, filename) {
    // The source map goes to jest, which maps failures' stack frames back to the TypeScript lines.
    const { code, map } = transformSync(source, { ...OPTIONS, sourcefile: filename });
    return { code, map };
  },
  getCacheKey(source, filename) {
    return createHash("sha256")
      .update(`${version}\0${JSON.stringify(OPTIONS)}\0${filename}\0${source}`)
      .digest("hex");
  },
};
