// `npm run generate`: everything generated from config/*.yaml, in one process and from one synth: the workflows and
// GitOps overlays (`generate:pipelines`), then from one run of the compiled app, as `npm run synth` runs it, the
// diagram (`diagram`), the cost tables (`docs:cost`) and the synth sample (`docs:synth`). Each of those scripts still
// runs alone; together they synthesized the app three times in four processes.
import * as path from "path";
import { writeCostDocs } from "./cost/docs-cli";
import { writeDiagram } from "./diagram/cli";
import { sampleOf, synthSample, writeSynthSample } from "./docs/synth-sample";
import { generatePipelines } from "./generate";
import { processIo, runTool, ToolIo, UsageError } from "./lib/cli";
import { REPO_ROOT } from "./lib/repo";
import { synthesizeCompiledApp } from "./lib/synth-output";

const USAGE = "usage: npm run generate (workflows, GitOps overlays, diagram, cost tables and synth sample from config/*.yaml)";

export function main(args: readonly string[], io: ToolIo = processIo): number {
  if (args.includes("--help")) {
    io.out(`${USAGE}\n`);
    return 0;
  }
  if (args.length > 0) throw new UsageError(`unexpected argument ${args.join(" ")}; ${USAGE}`);
  const pipelines = generatePipelines([], io);
  if (pipelines !== 0) return pipelines;
  const printed: string[] = [];
  const stacks = synthesizeCompiledApp([], printed);
  writeDiagram(stacks, io);
  const cost = writeCostDocs(stacks, io);
  if (cost !== 0) return cost;
  // The sample shows the repository's config; under another PLATFORM_CONFIG_DIR the synth above is of that one.
  const configDir = process.env.PLATFORM_CONFIG_DIR;
  const ofRepository = !configDir || path.resolve(configDir) === path.join(REPO_ROOT, "config");
  writeSynthSample(ofRepository ? sampleOf(printed) : synthSample(), io);
  return 0;
}

if (require.main === module) runTool(main);
