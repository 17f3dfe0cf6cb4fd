import { iamMatch, policiesOfRole, resolve, Resolved, ResourceRef, resourcesOfType, roleNamed } from "../terraform";
import type { Contract, ObjectModel, SystemModel } from "../types";
import { asArray, asMap, asString, valueAt } from "../values";
import { Findings, listOrNothing, objectLabel, objectsOfKind, stackOfSource } from "./common";

/** A secret a store reads: its name as written, and the resource that produces it when it is a reference. */
interface SecretReference {
  readonly consumer: ObjectModel;
  readonly key: string;
  readonly store: ObjectModel | undefined;
  readonly storeRef: string;
}

interface Store {
  readonly object: ObjectModel;
  readonly role: ResourceRef | undefined;
  /** Why there is no role, when there is none. */
  readonly roleProblem?: string;
  readonly service: "SecretsManager" | "ParameterStore";
}

const READ_ACTION = { SecretsManager: "secretsmanager:GetSecretValue", ParameterStore: "ssm:GetParameter" } as const;
const SECRET_TYPE = { SecretsManager: "aws_secretsmanager_secret", ParameterStore: "aws_ssm_parameter" } as const;

function storeOf(model: SystemModel, consumer: ObjectModel, ref: unknown): { store?: ObjectModel; label: string } {
  const kind = asString(asMap(ref).kind) ?? "SecretStore";
  const name = asString(asMap(ref).name) ?? "";
  const namespace = consumer.object.metadata.namespace;
  const store = objectsOfKind(model, kind).find(
    ({ object }) => object.metadata.name === name && (kind === "ClusterSecretStore" || object.metadata.namespace === namespace),
  );
  return { store, label: `${kind} ${kind === "ClusterSecretStore" ? "" : `${namespace}/`}${name}` };
}

/** The service account whose IRSA role a store uses: its jwt auth, or else the External Secrets controller's own. */
function storeServiceAccount(model: SystemModel, store: ObjectModel): { namespace: string; name: string } | undefined {
  const jwt = asMap(valueAt(store.object, "spec.provider.aws.auth.jwt.serviceAccountRef"));
  if (asString(jwt.name)) return { name: String(jwt.name), namespace: asString(jwt.namespace) ?? store.object.metadata.namespace ?? "default" };
  const controller = model.releases.find((release) => release.chart === "external-secrets");
  const workload =
    controller &&
    model.workloads.find((candidate) => candidate.source === `release:${controller.stack}:${controller.name}` && candidate.name === controller.name);
  const name = asString(workload?.podSpec.serviceAccountName);
  return controller && name ? { name, namespace: controller.namespace } : undefined;
}

/** The role behind a service account's `eks.amazonaws.com/role-arn` annotation. */
export function serviceAccountRole(model: SystemModel, namespace: string, name: string): { role?: ResourceRef; problem?: string } {
  const account = objectsOfKind(model, "ServiceAccount").find(({ object }) => object.metadata.name === name && object.metadata.namespace === namespace);
  if (!account) return { problem: `no ServiceAccount ${namespace}/${name} is created` };
  const arn = account.object.metadata.annotations?.["eks.amazonaws.com/role-arn"];
  if (!arn) return { problem: `ServiceAccount ${namespace}/${name} has no eks.amazonaws.com/role-arn annotation` };
  const role = roleNamed(model.stacks, stackOfSource(model, account.source), arn);
  return role ? { role } : { problem: `ServiceAccount ${namespace}/${name} names role ${arn}, which no stack creates` };
}

function describeStore(model: SystemModel, object: ObjectModel): Store {
  const service = valueAt(object.object, "spec.provider.aws.service") === "ParameterStore" ? "ParameterStore" : "SecretsManager";
  const account = storeServiceAccount(model, object);
  if (!account) return { object, role: undefined, roleProblem: "no service account (jwt auth or the External Secrets controller)", service };
  const { role, problem } = serviceAccountRole(model, account.namespace, account.name);
  return { object, role, roleProblem: problem, service };
}

function references(model: SystemModel): SecretReference[] {
  return objectsOfKind(model, "ExternalSecret").flatMap((consumer) => {
    const { store, label } = storeOf(model, consumer, valueAt(consumer.object, "spec.secretStoreRef"));
    const keys = [
      ...asArray(valueAt(consumer.object, "spec.data")).map((item) => asString(valueAt(item, "remoteRef.key"))),
      ...asArray(valueAt(consumer.object, "spec.dataFrom")).map((item) => asString(valueAt(item, "extract.key"))),
    ].filter((key): key is string => !!key);
    return [...new Set(keys)].map((key) => ({ consumer, key, store, storeRef: label }));
  });
}

/** Names PushSecrets write: they exist once the PushSecret has run. */
function pushedNames(model: SystemModel): Set<string> {
  return new Set(
    objectsOfKind(model, "PushSecret").flatMap(({ object }) =>
      asArray(valueAt(object, "spec.data")).map((item) => asString(valueAt(item, "match.remoteRef.remoteKey")) ?? ""),
    ),
  );
}

/** The secret a key names: a produced resource, a pushed name, or nothing. */
function producerOf(model: SystemModel, reference: SecretReference, service: Store["service"]): { resolved: Resolved; exists: boolean; name: string } {
  const resolved = resolve(model.stacks, stackOfSource(model, reference.consumer.source), reference.key);
  if (resolved.kind === "resource") {
    const exists =
      (resolved.type === "aws_secretsmanager_secret" && service === "SecretsManager") ||
      (resolved.type === "aws_ssm_parameter" && service === "ParameterStore") ||
      (resolved.type === "aws_rds_cluster" && resolved.attribute.startsWith("master_user_secret") && resolved.values.manage_master_user_password === true);
    return { resolved, exists, name: asString(resolved.values.name) ?? `${resolved.type}.${resolved.name}.${resolved.attribute}` };
  }
  const name = resolved.kind === "literal" ? resolved.value.replace(/^arn:[^:]+:secretsmanager:[^:]*:[^:]*:secret:/, "") : reference.key;
  const type = SECRET_TYPE[service];
  const exists = resourcesOfType(model.stacks, type).some((secret) => secret.values.name === name) || pushedNames(model).has(name);
  return { resolved, exists, name };
}

/** Whether a role's policies allow reading the secret. */
function grants(model: SystemModel, role: ResourceRef, store: Store, secret: { resolved: Resolved; name: string }, region: string): string | undefined {
  const { environment } = model;
  const arn =
    store.service === "SecretsManager"
      ? `arn:${environment.partition}:secretsmanager:${region}:${environment.account.id}:secret:${secret.name}-AbCdEf`
      : `arn:${environment.partition}:ssm:${region}:${environment.account.id}:parameter/${secret.name.replace(/^\//, "")}`;
  for (const document of policiesOfRole(model.stacks, role)) {
    for (const statement of document.statements) {
      if (statement.effect !== "Allow" || !statement.actions.some((action) => iamMatch(action, READ_ACTION[store.service]))) continue;
      for (const pattern of statement.resources) {
        const target = resolve(model.stacks, document.stack, pattern);
        // A grant on the secret's own resource (`${aws_secretsmanager_secret.x.arn}`): the key names that resource, or the
        // name it creates.
        const sameResource =
          target.kind === "resource" &&
          (secret.resolved.kind === "resource"
            ? target.stack === secret.resolved.stack && target.name === secret.resolved.name && target.type === secret.resolved.type
            : target.type === SECRET_TYPE[store.service] && target.values.name === secret.name);
        if (sameResource || (target.kind === "literal" && iamMatch(pattern, arn))) return document.where;
      }
    }
  }
  return undefined;
}

function grantedResources(model: SystemModel, role: ResourceRef, action: string): string[] {
  return policiesOfRole(model.stacks, role).flatMap((document) =>
    document.statements
      .filter((statement) => statement.effect === "Allow" && statement.actions.some((candidate) => iamMatch(candidate, action)))
      .flatMap((statement) => statement.resources),
  );
}

export const secretsContract: Contract = {
  name: "secrets",
  description: "every Secrets Manager / SSM name a store reads exists in some stack (or is pushed) and is granted to exactly that store's role",
  check(model) {
    const findings = new Findings("secrets");
    const stores = new Map(objectsOfKind(model, "SecretStore", "ClusterSecretStore").map((object) => [object, describeStore(model, object)]));
    const refs = references(model);
    let checked = 0;
    for (const reference of refs) {
      checked++;
      const consumer = objectLabel(reference.consumer);
      const store = reference.store && stores.get(reference.store);
      if (!store) {
        findings.add(consumer, reference.storeRef, `stores: ${listOrNothing([...stores.values()].map((candidate) => objectLabel(candidate.object)))}`);
        continue;
      }
      const secret = producerOf(model, reference, store.service);
      const type = SECRET_TYPE[store.service];
      if (!secret.exists) {
        const names = resourcesOfType(model.stacks, type).map((candidate) => String(candidate.values.name));
        findings.add(
          consumer,
          `${store.service} ${reference.key}`,
          `no stack creates it and no PushSecret writes it; ${type} in this environment: ${listOrNothing(names)}`,
        );
        continue;
      }
      if (!store.role) {
        findings.add(consumer, `role of ${objectLabel(store.object)}`, store.roleProblem ?? "none");
        continue;
      }
      const region = asString(valueAt(store.object.object, "spec.provider.aws.region")) ?? model.environment.account.region;
      if (!grants(model, store.role, store, secret, region)) {
        findings.add(
          consumer,
          `${READ_ACTION[store.service]} on ${reference.key} for role ${String(store.role.values.name)} of ${store.object.object.kind} ${store.object.object.metadata.name}`,
          `that role grants it on: ${listOrNothing(grantedResources(model, store.role, READ_ACTION[store.service]))}`,
        );
      }
      for (const other of stores.values()) {
        if (!other.role || other.role.name === store.role.name || other.service !== store.service) continue;
        const where = grants(model, other.role, other, secret, region);
        if (where)
          findings.add(
            `role ${String(other.role.values.name)} of ${objectLabel(other.object)}`,
            `${reference.key} (read only through ${store.object.object.metadata.name})`,
            `granted by ${where}`,
          );
      }
    }
    // A ClusterSecretStore without namespace conditions serves every namespace: whoever may create an ExternalSecret anywhere reads all it can.
    for (const store of stores.values()) {
      if (store.object.object.kind !== "ClusterSecretStore") continue;
      checked++;
      const namespaces = [
        ...new Set(refs.filter((reference) => reference.store === store.object).map((reference) => reference.consumer.object.metadata.namespace ?? "default")),
      ].sort();
      if (namespaces.length > 1 && asArray(valueAt(store.object.object, "spec.conditions")).length === 0) {
        findings.add(
          objectLabel(store.object),
          `secrets of namespaces ${namespaces.join(", ")} through one store without spec.conditions`,
          "any namespace can read all of them; scope it with spec.conditions or one SecretStore and role per namespace",
        );
      }
    }
    return { checked, findings: findings.list };
  },
};
