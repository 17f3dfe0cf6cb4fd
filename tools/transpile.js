#!/usr/bin/env node
// The synth path's build: transpiles the app's sources (the `include` of tsconfig.build.json) into dist/ with esbuild,
// file by file and without type information, as isolatedModules allows. Type errors are `npm run typecheck`'s, the
// editor's and CI's to find; this takes a fraction of a second where tsc takes seconds.
const fs = require("fs");
const path = require("path");

const root = path.resolve(__dirname, "..");

/** The build config with what it inherits (`extends`, one file each): outDir from the first that sets it, include likewise. */
function buildConfig() {
  const merged = { compilerOptions: {} };
  for (let file = path.join(root, "tsconfig.build.json"); file;) {
    const config = JSON.parse(fs.readFileSync(file, "utf8"));
    merged.compilerOptions = { ...config.compilerOptions, ...merged.compilerOptions };
    merged.include = merged.include ?? config.include;
    file = config.extends && path.resolve(path.dirname(file), config.extends);
  }
  return merged;
}

const config = buildConfig();
const outdir = path.join(root, config.compilerOptions.outDir);

/** Every .ts file under the include patterns ("main.ts", "config/**\/*.ts"), declarations excluded. */
function sources() {
  const files = [];
  const walk = (dir) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const file = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(file);
      else if (entry.name.endsWith(".ts") && !entry.name.endsWith(".d.ts")) files.push(file);
    }
  };
  for (const pattern of config.include) {
    const base = pattern.split("/**")[0];
    if (base.endsWith(".ts")) files.push(path.join(root, base));
    else if (fs.existsSync(path.join(root, base))) walk(path.join(root, base));
  }
  return files;
}

/** Each output depends on its own source only (isolatedModules), so a source older than its output needs no work. */
function changed(file) {
  const output = path.join(outdir, path.relative(root, file)).replace(/\.ts$/, ".js");
  const built = fs.statSync(output, { throwIfNoEntry: false });
  return !built || built.mtimeMs < fs.statSync(file).mtimeMs;
}

/** Transpiles the sources newer than their output; returns how many. What `npm run synth` and the tools run first. */
function transpile() {
  const entryPoints = sources().filter(changed);
  if (entryPoints.length === 0) return 0;
  require("esbuild").buildSync({
    entryPoints,
    outdir,
    outbase: root,
    bundle: false,
    format: "cjs",
    platform: "node",
    target: "es2022",
    logLevel: "warning",
  });
  return entryPoints.length;
}

module.exports = { transpile, outdir };
if (require.main === module) transpile();
