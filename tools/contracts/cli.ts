// `npm run contracts [-- <env>...]`: synthesizes the app, builds each environment's system model and runs every
// contract; one line per contract and environment, one line per broken reference, exit 1 when any reference is broken.
import { processIo, runTool, ToolIo, UsageError } from "../lib/cli";

const USAGE = "usage: npm run contracts -- [<env>...]";

export function main(args: readonly string[], io: ToolIo = processIo): number {
  if (args.includes("--help")) {
    io.out(`${USAGE}\n`);
    return 0;
  }
  const unknownFlags = args.filter((arg) => arg.startsWith("-"));
  if (unknownFlags.length > 0) throw new UsageError(`unknown option ${unknownFlags.join(", ")}; ${USAGE}`);
  // Loaded once the arguments are understood, so usage never waits for the app's modules.
  /* eslint-disable @typescript-eslint/no-require-imports -- import() cannot load .ts under tsx/cjs */
  const { ConfigError, loadEnvironments, optionsFromEnv } = require("../../config") as typeof import("../../config");
  const { synthesizeCompiledApp } = require("../lib/synth-output") as typeof import("../lib/synth-output");
  const { CONTRACTS, findingLine, runContracts, summaryLine } = require("./contracts") as typeof import("./contracts");
  const { buildSystemModels } = require("./model") as typeof import("./model");
  /* eslint-enable @typescript-eslint/no-require-imports */
  try {
    // The config folder the synth reads (PLATFORM_CONFIG_DIR), so both load the same environments.
    const environments = loadEnvironments({ ...optionsFromEnv(), ...(args.length ? { environments: [...args] } : {}) });
    const stacks = synthesizeCompiledApp(environments.map((environment) => environment.name));
    let broken = 0;
    for (const model of buildSystemModels(environments, stacks)) {
      for (const result of runContracts(model, CONTRACTS)) {
        io.out(`${summaryLine(result)}\n`);
        for (const finding of result.findings) io.out(`${findingLine(result.environment, finding)}\n`);
        broken += result.findings.length;
      }
    }
    if (broken > 0) io.err(`contracts: ${broken} broken reference${broken === 1 ? "" : "s"}\n`);
    return broken > 0 ? 1 : 0;
  } catch (error) {
    // Config problems already name file and field, one per line; anything else is one line naming the tool.
    io.err(error instanceof ConfigError ? `${error.message}\n` : `contracts: ${error instanceof Error ? error.message : String(error)}\n`);
    return 1;
  }
}

if (require.main === module) runTool(main);
