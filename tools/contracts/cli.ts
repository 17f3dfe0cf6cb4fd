// `npm run contracts [-- <env>...]`: synthesizes the compiled app, builds each environment's system model and runs every
// contract; one line per contract and environment, one line per broken reference, exit 1 when any reference is broken.
import { loadEnvironments } from "../../config";
import { ConfigError } from "../../config/errors";
import { synthesizeCompiledApp } from "../lib/synth-output";
import { CONTRACTS, findingLine, runContracts, summaryLine } from "./contracts";
import { buildSystemModels } from "./model";

function main(args: string[]): number {
  const environments = loadEnvironments({ environments: args.length ? args : undefined });
  const stacks = synthesizeCompiledApp(environments.map((environment) => environment.name));
  let broken = 0;
  for (const model of buildSystemModels(environments, stacks)) {
    for (const result of runContracts(model, CONTRACTS)) {
      process.stdout.write(`${summaryLine(result)}\n`);
      for (const finding of result.findings) process.stdout.write(`${findingLine(result.environment, finding)}\n`);
      broken += result.findings.length;
    }
  }
  if (broken > 0) process.stderr.write(`contracts: ${broken} broken reference${broken === 1 ? "" : "s"}\n`);
  return broken > 0 ? 1 : 0;
}

try {
  process.exitCode = main(process.argv.slice(2));
} catch (error) {
  // Config problems already name file and field, one per line; anything else is one line naming the tool.
  process.stderr.write(error instanceof ConfigError ? `${error.message}\n` : `contracts: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
}
