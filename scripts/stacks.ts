// Prints the stacks of one environment in deploy order (one per line), as the app actually builds them, so the
// deploy workflow never names a stack that does not exist or deploys them out of order.
// usage: node scripts/run-ts.js scripts/stacks.ts <environment> [--reverse]
import * as os from "os";
import * as path from "path";
import { App, TerraformStack } from "cdktf";
import { loadEnvironments } from "../config";
import { buildApp } from "../main";
import { LAYERS } from "../stacks/environment-stack";

export function stacksInDeployOrder(app: App, environment: string): string[] {
  const names = app.node.children.filter((child) => child instanceof TerraformStack).map((stack) => stack.node.id);
  return LAYERS.map((layer) => `${environment}-${layer}`).filter((name) => names.includes(name));
}

// run-ts.js requires this file, so `require.main` is the runner; it sets argv[1] to the script instead.
if (process.argv[1] === __filename) {
  const [environment, order] = process.argv.slice(2);
  if (!environment) {
    process.stderr.write("usage: stacks.ts <environment> [--reverse]\n");
    process.exit(2);
  }
  const app = buildApp(new App({ outdir: path.join(os.tmpdir(), "stacks-list") }), loadEnvironments({ environments: [environment] }));
  const stacks = stacksInDeployOrder(app, environment);
  process.stdout.write(`${(order === "--reverse" ? stacks.reverse() : stacks).join("\n")}\n`);
}
