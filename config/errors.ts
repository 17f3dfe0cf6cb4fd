/** One thing wrong with the configuration, located precisely enough to fix it without reading code. */
export interface ConfigProblem {
  /** The file at fault, as the user named it (relative to the working directory where possible). */
  readonly file: string;
  /** Dotted path of the field (`network.subnets.private.prefixLength`), or `line L, column C` for syntax errors. */
  readonly location: string;
  /** What is wrong; what is allowed. */
  readonly message: string;
}

export function formatProblem(problem: ConfigProblem): string {
  return `${problem.file}: ${problem.location}: ${problem.message}`;
}

/** Thrown by the loader with every problem found in every selected file, never only the first. */
export class ConfigError extends Error {
  constructor(readonly problems: readonly ConfigProblem[]) {
    super(problems.map(formatProblem).join("\n"));
    this.name = "ConfigError";
  }
}
