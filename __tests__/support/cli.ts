import { spawnSync, SpawnSyncOptions } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { stringify } from "yaml";
import { runSynth } from "../../cli/synth";
import { buildApp } from "../../main";
import { REPO_ROOT } from "./environments";

export interface AppRun {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly outDir: string;
}

/**
 * Runs the real entry point on a config folder: `runSynth(buildApp, args, env, io)`, what main.ts runs as the main
 * module (`npm run synth`), in this process. With `spawn` options (another user, say) it runs main.ts as a child
 * process instead, as `npm run synth` would.
 */
export function runApp(configDir: string, options: { args?: string[]; outDir?: string; spawn?: SpawnSyncOptions } = {}): AppRun {
  const outDir = options.outDir ?? path.join(fs.mkdtempSync(path.join(os.tmpdir(), "out-")), "cdktf.out");
  const env = { ...process.env, PLATFORM_CONFIG_DIR: configDir, PLATFORM_ENVS: "", CDKTF_OUTDIR: outDir };
  if (options.spawn && Object.keys(options.spawn).length > 0) {
    const result = spawnSync(process.execPath, ["--require", "tsx/cjs", path.join(REPO_ROOT, "main.ts"), ...(options.args ?? [])], {
      cwd: REPO_ROOT,
      // tsx caches its transforms under TMPDIR per user; a run dropped to another user could not write there.
      env: { ...env, TSX_DISABLE_CACHE: "1" },
      encoding: "utf8",
      ...options.spawn,
    });
    return { status: result.status, stdout: String(result.stdout), stderr: String(result.stderr), outDir };
  }
  const printed = { stdout: "", stderr: "" };
  const status = runSynth(buildApp, options.args ?? [], env, {
    out: (line) => (printed.stdout += `${line}\n`),
    err: (line) => (printed.stderr += `${line}\n`),
  });
  return { status, ...printed, outDir };
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
