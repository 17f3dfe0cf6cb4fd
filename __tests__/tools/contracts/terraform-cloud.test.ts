import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parse, stringify } from "yaml";
import { loadEnvironments } from "../../../config";
import { CONTRACTS, findingLine, runContracts } from "../../../tools/contracts/contracts";
import { buildSystemModels } from "../../../tools/contracts/model";
import { SHIPPED_CONFIG_DIR, shippedByTier } from "../../support/environments";
import { synthesizeApp } from "../support";

/**
 * The contracts over a Terraform Cloud environment: the shipped development environment's file with
 * `state.backend: cloud`, in a config folder of its own (as `PLATFORM_CONFIG_DIR=<folder> npm run contracts` runs
 * them): its workspaces' stacks, the agents that run the cluster-facing ones, and the account's trust stack with the
 * `-tfc-` roles.
 */
function terraformCloudEnvironment() {
  const shipped = shippedByTier("development");
  const input = parse(fs.readFileSync(path.join(SHIPPED_CONFIG_DIR, `${shipped.name}.yaml`), "utf8")) as Record<string, unknown>;
  input.state = { backend: "cloud", organization: "acme-platform" };
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "tfc-contracts-"));
  fs.writeFileSync(path.join(dir, `${shipped.name}.yaml`), stringify(input));
  return loadEnvironments({ dir });
}

describe("the contracts of a Terraform Cloud environment", () => {
  const environments = terraformCloudEnvironment();
  const [model] = buildSystemModels(environments, synthesizeApp(environments));
  const results = runContracts(model, CONTRACTS);
  const result = (name: string) => results.find((candidate) => candidate.contract === name);

  it("finds every reference resolved, its agents and Terraform Cloud roles included", () => {
    expect(results.flatMap((candidate) => candidate.findings.map((finding) => findingLine(model.environment.name, finding)))).toEqual([]);
    expect(Object.keys(model.stacks)).toEqual(
      expect.arrayContaining([`${model.environment.name}-runner`, `bootstrap-terraform-cloud-${model.environment.account.id}`]),
    );
  });

  it("checks that the plan runs' role, <prefix>-tfc-plan, can refresh every resource the workspaces hold", () => {
    expect(result("plan-refresh")?.checked).toBeGreaterThan(0);
    expect(result("effective-permissions")?.checked).toBeGreaterThan(0);
  });
});
