// `node -r ./scripts/register-ts.js file.ts`: loads .ts files by transpiling each on require, without type-checking
// (as ts-jest does with isolatedModules), so scripts start in a fraction of ts-node's time. `npm run typecheck`
// catches type errors instead.
const fs = require("fs");
const ts = require("typescript");

require.extensions[".ts"] = (module, filename) => {
  const { outputText } = ts.transpileModule(fs.readFileSync(filename, "utf8"), {
    fileName: filename,
    compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true, resolveJsonModule: true },
  });
  module._compile(outputText, filename);
};
