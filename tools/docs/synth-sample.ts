import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { buildApp } from "../../main";
import { runSynth } from "../../cli/synth";
import { processIo, ToolIo } from "../lib/cli";
import { BlockMarkers, replaceBlock } from "../lib/generated-block";
import { REPO_ROOT } from "../lib/repo";

/** Where README.md shows what `npm run synth` prints for the shipped config. */
export const SYNTH_SAMPLE: BlockMarkers = { begin: "<!-- synth-sample:begin (npm run docs:synth) -->", end: "<!-- synth-sample:end -->" };

/**
 * What `npm run synth` prints for the environments in `configDir`, as a fenced block: the app's own entry point, run
 * in-process into a temporary output folder (the repository's cdktf.out/ is left alone).
 */
export function synthSample(configDir = path.join(REPO_ROOT, "config")): string {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), "synth-sample-"));
  const lines: string[] = [];
  const errors: string[] = [];
  try {
    const status = runSynth(buildApp, [], { PLATFORM_CONFIG_DIR: configDir, CDKTF_OUTDIR: path.join(outdir, "cdktf.out") }, {
      out: (line) => lines.push(line),
      err: (line) => errors.push(line),
    });
    if (status !== 0) throw new Error(`synth failed:\n${errors.join("\n")}`);
  } finally {
    fs.rmSync(outdir, { recursive: true, force: true });
  }
  return sampleOf(lines);
}

/** The lines `npm run synth` printed, as the README's fenced block (the output folder shown as the default one). */
export function sampleOf(printed: readonly string[]): string {
  // The temporary folder's name changes every run; the sample shows the default one.
  return ["```", ...printed.map((line) => line.replace(/^wrote .*:( \d+ stacks?)$/, "wrote cdktf.out:$1")), "```"].join("\n");
}

/** README.md with its synth sample regenerated. */
export function withSynthSample(readme: string, sample: string): string {
  return replaceBlock(readme, SYNTH_SAMPLE, sample, "README.md");
}

/** Writes `sample` into README.md's synth-sample block. */
export function writeSynthSample(sample: string, io: ToolIo = processIo): void {
  const file = path.join(REPO_ROOT, "README.md");
  fs.writeFileSync(file, withSynthSample(fs.readFileSync(file, "utf8"), sample));
  io.out("docs:synth: the synth sample in README.md\n");
}

if (require.main === module) writeSynthSample(synthSample());
