import type { ToolIo } from "../../tools/lib/cli";

/** What a tool's run printed and returned. */
export interface ToolRun {
  readonly status: number;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Runs a tool's `main(args, io)` in this process, as `runTool` runs it for `npm run <tool>`: its exit code, what it
 * printed on each stream, and a thrown error as its message on stderr with exit 1.
 */
export function runInProcess(main: (args: readonly string[], io: ToolIo) => number, args: readonly string[]): ToolRun {
  let stdout = "";
  let stderr = "";
  const io: ToolIo = { out: (text) => (stdout += text), err: (text) => (stderr += text) };
  try {
    return { status: main(args, io), stdout, stderr };
  } catch (error) {
    return { status: 1, stdout, stderr: stderr + `${error instanceof Error ? error.message : String(error)}\n` };
  }
}
