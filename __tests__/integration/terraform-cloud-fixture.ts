import * as fs from "fs";
import * as path from "path";
import { parse, stringify } from "yaml";
import { EnvironmentConfig, loadEnvironments } from "../../config";
import { INTEGRATION_DIR } from "./paths";

/**
 * The Terraform Cloud environment the offline plans run over: the first development-tier environment of the config
 * under test (the first environment where there is none) with `state.backend: cloud`, alone in a config folder of its
 * own, loaded by the real loader. Its AWS-only stacks and its account's trust stack plan like an S3 environment's.
 */
export const TERRAFORM_CLOUD_CONFIG_DIR = path.join(INTEGRATION_DIR, "terraform-cloud-config");
export const TERRAFORM_CLOUD_OUT_DIR = path.join(INTEGRATION_DIR, "terraform-cloud-out");
export const TERRAFORM_CLOUD_WORK_DIR = path.join(INTEGRATION_DIR, "terraform-cloud");
export const TERRAFORM_CLOUD_ORGANIZATION = "offline-org";

/** Writes the fixture's config folder from `sourceDir` (a config folder). */
export function writeTerraformCloudConfig(sourceDir: string): void {
  const environments = loadEnvironments({ dir: sourceDir });
  const chosen = environments.find((environment) => environment.tier === "development") ?? environments[0];
  if (!chosen) throw new Error(`${sourceDir}: no environment to run on Terraform Cloud`);
  const input = parse(fs.readFileSync(chosen.file, "utf8")) as Record<string, unknown>;
  input.state = { backend: "cloud", organization: TERRAFORM_CLOUD_ORGANIZATION };
  fs.rmSync(TERRAFORM_CLOUD_CONFIG_DIR, { recursive: true, force: true });
  fs.mkdirSync(TERRAFORM_CLOUD_CONFIG_DIR, { recursive: true });
  fs.writeFileSync(path.join(TERRAFORM_CLOUD_CONFIG_DIR, `${chosen.name}.yaml`), stringify(input));
}

/** The fixture's environment, as the loader reads it. */
export function terraformCloudEnvironment(): EnvironmentConfig {
  const [environment] = loadEnvironments({ dir: TERRAFORM_CLOUD_CONFIG_DIR });
  if (!environment) throw new Error(`${TERRAFORM_CLOUD_CONFIG_DIR}: no environment (the integration global setup writes it)`);
  return environment;
}
