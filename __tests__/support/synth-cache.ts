import { createHash } from "crypto";
import * as fs from "fs";
import * as path from "path";

/**
 * One synth per input per test run, shared by every suite that needs it. Jest runs each test file in its own module
 * registry (and its workers in separate processes), so constructs cannot be shared between files; their synthesized
 * JSON can. It is kept under the run's folder (`PLATFORM_SYNTH_CACHE`, made fresh by global-setup.js for every run and
 * deleted with the run's temp folder), addressed by the kind of synth and the JSON of its input: an environment's
 * config, or every environment's. The first suite to need a synth writes it (atomically); the others read it. Without
 * that variable (a run outside jest's unit project) every call synthesizes.
 */
const CACHE_DIR = process.env.PLATFORM_SYNTH_CACHE;

/** This file's copies of the shared JSON, as text: each call parses its own, so no suite sees another's changes. */
const memo = new Map<string, string>();

function address(kind: string, input: unknown): string {
  return `${kind}-${createHash("sha256").update(JSON.stringify(input)).digest("hex").slice(0, 24)}`;
}

/** The JSON `produce` returns for `input`, synthesized once per run (`kind` names what is synthesized, e.g. "platform"). */
export function sharedJson<T>(kind: string, input: unknown, produce: () => T): T {
  const key = address(kind, input);
  let text = memo.get(key);
  const file = CACHE_DIR && path.join(CACHE_DIR, `${key}.json`);
  if (text === undefined && file && fs.existsSync(file)) text = fs.readFileSync(file, "utf8");
  if (text === undefined) {
    const produced = JSON.stringify(produce());
    if (file) writeAtomically(file, (temporary) => fs.writeFileSync(temporary, produced));
    text = produced;
  }
  memo.set(key, text);
  return JSON.parse(text) as T;
}

/**
 * A folder `produce` fills for `input` (a cdktf output folder: manifest.json and stacks/), produced once per run.
 * A failure is shared too: every suite that asks gets the same error, as each would have from its own synth.
 */
export function sharedFolder(kind: string, input: unknown, produce: (dir: string) => void): string {
  const key = address(kind, input);
  if (!CACHE_DIR) {
    const dir = fs.mkdtempSync(path.join(process.env.TMPDIR ?? "/tmp", `${kind}-`));
    produce(dir);
    return dir;
  }
  const dir = path.join(CACHE_DIR, key);
  const failure = `${dir}.error`;
  if (!fs.existsSync(dir) && !fs.existsSync(failure)) {
    try {
      writeAtomically(dir, produce);
    } catch (error) {
      writeAtomically(failure, (temporary) => fs.writeFileSync(temporary, error instanceof Error ? (error.stack ?? error.message) : String(error)));
    }
  }
  if (fs.existsSync(failure) && !fs.existsSync(dir)) throw new Error(fs.readFileSync(failure, "utf8"));
  return dir;
}

/** Writes through a temporary name and renames it into place; when another worker got there first, keeps theirs. */
function writeAtomically(target: string, write: (temporary: string) => void): void {
  fs.mkdirSync(path.dirname(target), { recursive: true });
  const temporary = `${target}.${process.pid}.partial`;
  try {
    write(temporary);
    fs.renameSync(temporary, target);
  } catch (error) {
    fs.rmSync(temporary, { recursive: true, force: true });
    if (!fs.existsSync(target)) throw error;
  }
}
