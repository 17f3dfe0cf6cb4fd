import type { EnvironmentConfig } from "../../config";
import type { CloudState } from "../../config/schema/state";
import { ArnContext, policyArn, roleArn } from "../core/aws-scope";
import { permissionsBoundaryName } from "../iam/pipeline-roles";
import { terraformCloudApplyRoleName, terraformCloudPlanRoleName } from "./deploy-roles";

/** Where and as whom an environment's Terraform Cloud runs work, read from its config. */
export interface TerraformCloudEnvironment {
  readonly state: CloudState;
  /** The Terraform Cloud project of the environment's workspaces. */
  readonly project: string;
  /** `https://<hostname>`: where the agents register. */
  readonly address: string;
  readonly applyRoleArn: string;
  readonly planRoleArn: string;
  /** The boundary every role the environment's stacks create carries. */
  readonly permissionsBoundaryArn: string;
}

/**
 * The Terraform Cloud side of an environment whose state backend is `cloud`, or undefined for S3-backed environments.
 * Names, not references: the cluster stack's access entries and the workspace variables need the role ARNs, which the
 * account's Terraform Cloud trust stack creates before any workspace runs.
 */
export function terraformCloudOf(environment: EnvironmentConfig): TerraformCloudEnvironment | undefined {
  const { state } = environment;
  if (state.backend !== "cloud") return undefined;
  const account: ArnContext = { accountId: environment.account.id, partition: environment.partition, region: environment.account.region };
  return {
    state,
    project: state.project ?? environment.prefix,
    address: `https://${state.hostname}`,
    applyRoleArn: roleArn(account, terraformCloudApplyRoleName(environment.prefix)),
    planRoleArn: roleArn(account, terraformCloudPlanRoleName(environment.prefix)),
    permissionsBoundaryArn: policyArn(account, permissionsBoundaryName(environment.prefix)),
  };
}
