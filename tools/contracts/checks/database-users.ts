import { scalarText } from "../../../constructs/core/json";
import { iamMatch, policyDocuments, resolve, resourcesOfType } from "../terraform";
import type { Contract, SystemModel, WorkloadFacts } from "../types";
import { asArray, asMap } from "../values";
import { Findings, listOrNothing, objectsOfKind, workloadLabel } from "./common";

/**
 * The provisioning step of the platform: a container that runs the application's `provision-users` entry point
 * (app/src/provision-users.ts); the users it creates are its DB_IAM_USERS (comma-separated).
 */
export const PROVISIONING_ENTRY_POINT = /(^|\/)provision-users\.js$/;
export const PROVISIONED_USERS_VARIABLE = "DB_IAM_USERS";

/** One place a database user is created, and which users. */
interface Provisioner {
  readonly where: string;
  readonly users: readonly string[];
}

/** One workload or grant that logs in as a database user. */
interface Login {
  readonly consumer: string;
  readonly user: string;
}

type Container = Record<string, unknown>;

function containersOf(workload: WorkloadFacts): Container[] {
  return [...asArray(workload.podSpec.initContainers), ...asArray(workload.podSpec.containers)].map(asMap);
}

function containerLabel(workload: WorkloadFacts, container: Container): string {
  return `${workloadLabel(workload)} container ${String(container.name)}`;
}

/** A variable of a container as it reads it: a literal `value`, or a key of a ConfigMap of its namespace (env or envFrom). */
function variableOf(model: SystemModel, workload: WorkloadFacts, container: Container, name: string): string | undefined {
  const configMap = (configMapName: string): Record<string, unknown> | undefined => {
    const found = objectsOfKind(model, "ConfigMap").find(
      ({ object }) => object.metadata.name === configMapName && (object.metadata.namespace ?? "default") === workload.namespace,
    );
    return found ? asMap(found.object.data) : undefined;
  };
  for (const variable of asArray(container.env).map(asMap)) {
    if (variable.name !== name) continue;
    if (variable.value !== undefined) return scalarText(variable.value);
    const reference = asMap(asMap(variable.valueFrom).configMapKeyRef);
    const referenced = scalarText(reference.name);
    if (referenced !== undefined) return scalarText(configMap(referenced)?.[scalarText(reference.key) ?? ""]);
  }
  for (const source of asArray(container.envFrom).map(asMap)) {
    const referenced = scalarText(asMap(source.configMapRef).name);
    if (referenced === undefined) continue;
    const value = configMap(referenced)?.[name];
    if (value !== undefined) return scalarText(value);
  }
  return undefined;
}

function provisionersOf(model: SystemModel): Provisioner[] {
  const found: Provisioner[] = [];
  for (const workload of model.workloads) {
    for (const container of containersOf(workload)) {
      const command = [...asArray(container.command), ...asArray(container.args)].map(String);
      if (!command.some((part) => PROVISIONING_ENTRY_POINT.test(part))) continue;
      const users = (variableOf(model, workload, container, PROVISIONED_USERS_VARIABLE) ?? "")
        .split(",")
        .map((user) => user.trim())
        .filter((user) => user !== "");
      found.push({ where: containerLabel(workload, container), users });
    }
  }
  // Aurora creates its master user itself.
  for (const cluster of resourcesOfType(model.stacks, "aws_rds_cluster")) {
    const master = scalarText(cluster.values.master_username);
    if (master) found.push({ where: `aws_rds_cluster.${cluster.name} (${cluster.stack}) master_username`, users: [master] });
  }
  return found;
}

/** Every login: each `rds-db:connect` grant's database user, and each container's PGUSER. */
function loginsOf(model: SystemModel): Login[] {
  const logins: Login[] = [];
  // A managed policy grants only where it is attached; one that nothing attaches (a permissions boundary, a ceiling)
  // lets nobody log in by itself.
  const attached = new Set(
    resourcesOfType(model.stacks, "aws_iam_role_policy_attachment").flatMap((attachment) => {
      const policy = resolve(model.stacks, attachment.stack, scalarText(attachment.values.policy_arn) ?? "");
      return policy.kind === "resource" ? [`${policy.type}.${policy.name} (${policy.stack}) `] : [];
    }),
  );
  const grants = policyDocuments(model.stacks).filter(
    (document) => !document.where.startsWith("aws_iam_policy.") || [...attached].some((policy) => document.where.startsWith(policy)),
  );
  for (const document of grants) {
    for (const statement of document.statements) {
      if (statement.effect !== "Allow" || !statement.actions.some((action) => iamMatch(action, "rds-db:connect"))) continue;
      for (const resource of statement.resources) {
        const marker = resource.indexOf(":dbuser:");
        if (marker < 0) continue;
        logins.push({ consumer: `${document.where} rds-db:connect`, user: resource.slice(resource.lastIndexOf("/") + 1) });
      }
    }
  }
  for (const workload of model.workloads) {
    for (const container of containersOf(workload)) {
      const user = variableOf(model, workload, container, "PGUSER");
      if (user) logins.push({ consumer: `${containerLabel(workload, container)} PGUSER`, user });
    }
  }
  return logins;
}

export const databaseUsersContract: Contract = {
  name: "database-users",
  description: "every database user a workload logs in as (PGUSER, rds-db:connect grants) is created by a provisioning step of the platform",
  check(model) {
    const findings = new Findings("database-users");
    const provisioners = provisionersOf(model);
    const logins = loginsOf(model);
    for (const { consumer, user } of logins) {
      if (provisioners.some((provisioner) => provisioner.users.includes(user))) continue;
      findings.add(
        consumer,
        `database user ${user}`,
        provisioners.length === 0
          ? "no provisioning step creates database users"
          : `provisioned: ${listOrNothing(provisioners.map((provisioner) => `${provisioner.users.join(", ") || "no user"} by ${provisioner.where}`))}`,
      );
    }
    return { checked: logins.length, findings: findings.list };
  },
};
