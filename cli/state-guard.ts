import * as fs from "fs";
import * as path from "path";

/**
 * Terraform state files under a folder, skipping `.terraform/` (Terraform's own backend cache, `.terraform/terraform.tfstate`,
 * holds a backend's settings, not resources). A real state there is one the next synth deletes with the folder.
 */
export function stateFilesIn(dir: string): string[] {
  if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) return [];
  const found: string[] = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const file = path.join(dir, entry.name);
    if (entry.isDirectory() && entry.name !== ".terraform") found.push(...stateFilesIn(file));
    else if (entry.isFile() && /\.tfstate(\.backup)?$/.test(entry.name)) found.push(file);
  }
  return found.sort();
}

/**
 * The one line that refuses a synth (and so a `cdktf diff` or `deploy`, which synthesize first) while the output folder
 * holds a Terraform state: replacing the folder would delete it. Undefined when there is none.
 */
export function stateGuard(outdir: string, shown: (file: string) => string = (file) => file): string | undefined {
  const [first, ...more] = stateFilesIn(outdir);
  if (first === undefined) return undefined;
  const others = more.length > 0 ? ` (and ${more.length} more)` : "";
  return `${shown(first)}${others}: Terraform state inside ${shown(outdir)}, which every synth replaces whole; move it out (the bootstrap stack keeps its state in state/bootstrap-<account>.tfstate, docs/delivery-pipelines.md) and run again`;
}
