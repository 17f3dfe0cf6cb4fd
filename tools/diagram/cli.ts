import * as fs from "fs";
import * as path from "path";
import { REPO_ROOT } from "../lib/repo";
import { synthesizeCompiledApp } from "../lib/synth-output";
import { architectureDiagram, architectureDocument, withReadmeDiagram } from "./mermaid";

/** `npm run diagram`: synthesizes the compiled app and writes its diagram to docs/architecture.md and the README. */
try {
  const diagram = architectureDiagram(synthesizeCompiledApp());
  const documentPath = path.join(REPO_ROOT, "docs", "architecture.md");
  const readmePath = path.join(REPO_ROOT, "README.md");
  fs.writeFileSync(documentPath, architectureDocument(diagram));
  fs.writeFileSync(readmePath, withReadmeDiagram(fs.readFileSync(readmePath, "utf8"), diagram));
  process.stdout.write(`wrote ${path.relative(REPO_ROOT, documentPath)} and the diagram block of README.md\n`);
} catch (error) {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
}
