export { ConfigError, formatProblem } from "./errors";
export type { ConfigProblem } from "./errors";
export type { DisasterRecoveryConfig, EnvironmentConfig, ResolvedState, Tier } from "./environment";
export { loadEnvironments, loadFile, optionsFromEnv, validateEnvironment } from "./loader";
