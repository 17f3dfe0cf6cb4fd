/**
 * The shape of the operations tools (`cost`, `contracts`, `diagram`, `teardown`): each exports
 * `main(args, io) → exit code`, which tests call in-process, and runs it through `runTool` when it is the process's
 * main module. A tool checks its arguments before it loads the app's modules, so usage prints at once.
 */
export interface ToolIo {
  /** Writes to standard output, as given (include the newline). */
  readonly out: (text: string) => void;
  /** Writes to standard error, as given (include the newline). */
  readonly err: (text: string) => void;
}

export const processIo: ToolIo = {
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
};

/** Thrown for a command line the tool does not understand: printed as its one-line message, exit 1. */
export class UsageError extends Error {}

/** A tool's entry point: the command line's arguments in, the exit code out. */
export type ToolMain = (args: readonly string[], io?: ToolIo) => number | Promise<number>;

/** Runs a tool's main as the process: its exit code becomes the process's; an error becomes its message on stderr (no stack trace), exit 1. */
export function runTool(main: ToolMain): void {
  Promise.resolve()
    .then(() => main(process.argv.slice(2), processIo))
    .then(
      (code) => {
        process.exitCode = code;
      },
      (error: unknown) => {
        process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
        process.exitCode = 1;
      },
    );
}
