import { spawnSync, SpawnSyncOptions } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { stringify } from "yaml";
import { REPO_ROOT } from "./environments";

export interface AppRun {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly outDir: string;
}

/** Runs the real entry point (main.ts as the main module, as `npm run synth` runs dist/main.js) on a config folder. */
export function runApp(configDir: string, options: { args?: string[]; outDir?: string; spawn?: SpawnSyncOptions } = {}): AppRun {
  const outDir = options.outDir ?? path.join(fs.mkdtempSync(path.join(os.tmpdir(), "out-")), "cdktf.out");
  const result = spawnSync(process.execPath, ["--require", "tsx/cjs", path.join(REPO_ROOT, "main.ts"), ...(options.args ?? [])], {
    cwd: REPO_ROOT,
    // tsx caches its transforms under TMPDIR per user; a run dropped to another user could not write there.
    env: { ...process.env, PLATFORM_CONFIG_DIR: configDir, PLATFORM_ENVS: "", CDKTF_OUTDIR: outDir, TSX_DISABLE_CACHE: "1" },
    encoding: "utf8",
    ...options.spawn,
  });
  return { status: result.status, stdout: String(result.stdout), stderr: String(result.stderr), outDir };
}

/** A fresh config folder holding `files` (environment name → input, written as YAML). */
export function configFolder(files: Record<string, unknown> = {}): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "config-"));
  for (const [name, input] of Object.entries(files)) fs.writeFileSync(path.join(dir, `${name}.yaml`), stringify(input));
  return dir;
}

/** How the loader shows a file: relative to the working directory (the repository) when inside it. */
export function shown(file: string): string {
  const relative = path.relative(REPO_ROOT, file);
  return relative && !relative.startsWith("..") ? relative : file;
}

export function lines(text: string): string[] {
  return text.split("\n").filter((line) => line.length > 0);
}
