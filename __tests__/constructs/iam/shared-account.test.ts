import * as fs from "fs";
import * as path from "path";
import { Testing } from "cdktf";
import { parse } from "yaml";
import { EnvironmentConfig, validateEnvironment } from "../../../config";
import { BootstrapStack } from "../../../stacks/bootstrap-stack";
import { nonProductionWithEdge, SHIPPED_CONFIG_DIR, testApp, tier } from "../../support/environments";

/** A shipped environment's file with changes, validated through the real schema. */
function variant(environment: EnvironmentConfig, change: (input: Record<string, Record<string, unknown>>) => void): EnvironmentConfig {
  const file = path.join(SHIPPED_CONFIG_DIR, `${environment.name}.yaml`);
  const input = parse(fs.readFileSync(file, "utf8")) as Record<string, Record<string, unknown>>;
  change(input);
  const result = validateEnvironment(environment.name, file, input);
  if ("problems" in result) throw new Error(result.problems.map((problem) => `${problem.location}: ${problem.message}`).join("\n"));
  return result.environment;
}

/**
 * The lower environment: one outside production with an edge (development's when it has one), deployed by GitHub
 * Actions as production is (its repository, state in S3) when the config under test deploys it otherwise.
 */
const lowerEnvironment = nonProductionWithEdge();
const production = variant(tier.production, () => undefined);
function deployedLike(input: Record<string, Record<string, unknown>>): void {
  if (input.state && input.state.backend !== "s3") delete input.state;
  if (!input.github) input.github = { repository: production.github!.repository };
}

describe("environments sharing an account", () => {
  const account = lowerEnvironment.account.id;
  const shared = (environment: EnvironmentConfig, zone: boolean) =>
    variant(environment, (input) => {
      input.account = { ...input.account, id: account };
      deployedLike(input);
      if (!zone) delete input.edge.hostedZoneId;
    });

  it("refuses an environment whose stacks create their own Route 53 zone: its roles could not be kept off the other zones", () => {
    const lower = shared(lowerEnvironment, false);
    const higher = shared(tier.production, true);
    const stack = new BootstrapStack(testApp(), "bootstrap", { environments: [lower, higher] });
    expect(() => Testing.synth(stack, true)).toThrow(
      new RegExp(`environment ${lower.name}: edge\\.hostedZoneId is required when environments share an account \\(with ${higher.prefix}\\)`),
    );
  });

  it("accepts it in an account of its own, where the zone needs no guard", () => {
    const lower = variant(lowerEnvironment, (input) => {
      deployedLike(input);
      delete input.edge.hostedZoneId;
    });
    expect(() => Testing.synth(new BootstrapStack(testApp(), "bootstrap", { environments: [lower] }), true)).not.toThrow();
  });
});
