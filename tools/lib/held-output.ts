import { spawn } from "child_process";

/** What a command printed (standard output and error, in the order written) and how it ended. */
export interface HeldRun {
  /** Exit code; 1 when it was killed by a signal or could not start. */
  readonly status: number;
  readonly output: string;
}

/**
 * Runs a command with its output held back instead of printed: for commands that run side by side, whose output is
 * printed whole afterwards so it does not interleave (`npm test`'s app tests, test:adopt's generate steps).
 */
export function runHeld(command: string, args: readonly string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Promise<HeldRun> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { cwd: options.cwd, env: options.env ?? process.env, stdio: ["ignore", "pipe", "pipe"] });
    const chunks: Buffer[] = [];
    child.stdout.on("data", (chunk: Buffer) => chunks.push(chunk));
    child.stderr.on("data", (chunk: Buffer) => chunks.push(chunk));
    child.on("error", (error) => chunks.push(Buffer.from(`${command} ${args.join(" ")}: ${error.message}\n`)));
    child.on("close", (code) => resolve({ status: code ?? 1, output: Buffer.concat(chunks).toString("utf8") }));
  });
}
