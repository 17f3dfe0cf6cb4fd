import * as fs from "fs";
import * as path from "path";
import { processIo, runTool, ToolIo, UsageError } from "../lib/cli";
import { REPO_ROOT } from "../lib/repo";
import type { SynthesizedStack } from "../lib/synth-output";

const USAGE = "usage: npm run diagram (writes docs/architecture.md and the diagram block of README.md)";

/** `npm run diagram`: synthesizes the app and writes its diagram to docs/architecture.md and the README. */
export function main(args: readonly string[], io: ToolIo = processIo): number {
  if (args.includes("--help")) {
    io.out(`${USAGE}\n`);
    return 0;
  }
  if (args.length > 0) throw new UsageError(`unexpected argument ${args.join(" ")}; ${USAGE}`);
  // Loaded once the arguments are understood, so usage never waits for the app's modules.
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- import() cannot load .ts under tsx/cjs
  const { synthesizeCompiledApp } = require("../lib/synth-output") as typeof import("../lib/synth-output");
  writeDiagram(synthesizeCompiledApp(), io);
  return 0;
}

/** Writes the diagram of `stacks` (a synth of every environment) to docs/architecture.md and the README. */
export function writeDiagram(stacks: readonly SynthesizedStack[], io: ToolIo = processIo): void {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded only when a diagram is written (see main)
  const { architectureDiagram, architectureDocument, withReadmeDiagram } = require("./mermaid") as typeof import("./mermaid");
  const diagram = architectureDiagram(stacks);
  const documentPath = path.join(REPO_ROOT, "docs", "architecture.md");
  const readmePath = path.join(REPO_ROOT, "README.md");
  fs.writeFileSync(documentPath, architectureDocument(diagram));
  fs.writeFileSync(readmePath, withReadmeDiagram(fs.readFileSync(readmePath, "utf8"), diagram));
  io.out(`wrote ${path.relative(REPO_ROOT, documentPath)} and the diagram block of README.md\n`);
}

if (require.main === module) runTool(main);
