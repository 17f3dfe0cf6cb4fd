import { admissionContract } from "./checks/admission";
import { admissionPolicies } from "./checks/admission-policies";
import { arnsContract } from "./checks/arns";
import { backupsContract } from "./checks/backups";
import { certificateReloadContract } from "./checks/certificate-reload";
import { crdsContract } from "./checks/crds";
import { databaseUsersContract } from "./checks/database-users";
import { effectivePermissionsContract } from "./checks/effective-permissions";
import { hostsContract } from "./checks/hosts";
import { irsaContract } from "./checks/irsa";
import { metricsContract } from "./checks/metrics";
import { mountedSecretsContract } from "./checks/mounted-secrets";
import { planRefreshContract } from "./checks/plan-refresh";
import { schedulingContract } from "./checks/scheduling";
import { secretsContract } from "./checks/secrets";
import { tokenAudienceContract } from "./checks/token-audience";
import { placementContract } from "./placement";
import type { Contract, Finding, SystemModel } from "./types";

/** Every contract over the whole system; a new contract is one module and one line here. */
export const CONTRACTS: readonly Contract[] = [
  secretsContract,
  arnsContract,
  irsaContract,
  hostsContract,
  crdsContract,
  schedulingContract,
  mountedSecretsContract,
  placementContract,
  metricsContract,
  admissionContract,
  admissionPolicies,
  certificateReloadContract,
  tokenAudienceContract,
  databaseUsersContract,
  effectivePermissionsContract,
  planRefreshContract,
  backupsContract,
];

export interface ContractResult {
  readonly environment: string;
  readonly contract: string;
  readonly checked: number;
  readonly findings: readonly Finding[];
}

export function runContracts(model: SystemModel, contracts: readonly Contract[] = CONTRACTS): ContractResult[] {
  return contracts.map((contract) => ({ environment: model.environment.name, contract: contract.name, ...contract.check(model) }));
}

/** One line per broken reference: `<env> <contract>: <consumer> references <reference>; exists instead: <instead>`. */
export function findingLine(environment: string, finding: Finding): string {
  return `${environment} ${finding.contract}: ${finding.consumer} references ${finding.reference}; exists instead: ${finding.instead}`;
}

export function summaryLine(result: ContractResult): string {
  return `${result.environment} ${result.contract}: ${result.checked} checked, ${result.findings.length} broken`;
}
