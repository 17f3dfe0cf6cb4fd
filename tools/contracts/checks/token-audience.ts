import { POD_IDENTITY_PRINCIPAL } from "../../../constructs/iam/pod-identity-role";
import { podIdentityAssociations } from "../model";
import { iamMatch, parsePolicy, resourcesOfType, roleNamed } from "../terraform";
import type { Contract, SystemModel, WorkloadFacts } from "../types";
import { asArray, asMap, asString, Json, valueAt } from "../values";
import { Findings, listOrNothing, objectLabel, objectsOfKind, stackOfSource, workloadLabel } from "./common";

/** The audience AWS STS expects of an IRSA token unless the service account names another (EKS pod identity webhook). */
export const STS_AUDIENCE = "sts.amazonaws.com";
/** How findings name the audience of a token that sets none: the API server's own. */
const API_SERVER_AUDIENCE = "the API server's default audience";

/** A Vault Kubernetes auth role as a setup Job writes it (`vault write auth/kubernetes/role/<name> ... audience=<a>`). */
export interface VaultRole {
  readonly name: string;
  /** Undefined: the role sets none, so Vault's TokenReview accepts only the API server's default audience. */
  readonly audience?: string;
  readonly writtenBy: string;
}

const ROLE_WRITE = /vault write auth\/kubernetes\/role\/([A-Za-z0-9_.-]+)((?:[ \t]+[^\s]+)*)/g;

/** Every Kubernetes auth role the system's Jobs write into Vault. */
export function vaultRoles(model: SystemModel): VaultRole[] {
  const roles: VaultRole[] = [];
  for (const job of objectsOfKind(model, "Job", "CronJob")) {
    const template = job.object.kind === "CronJob" ? valueAt(job.object, "spec.jobTemplate.spec.template.spec") : valueAt(job.object, "spec.template.spec");
    const containers = ["initContainers", "containers"].flatMap((field) => asArray(asMap(template)[field]).map(asMap));
    const text = containers.flatMap((container) => [...asArray(container.command), ...asArray(container.args)].map(String)).join("\n");
    for (const [, name = "", settings = ""] of text.matchAll(ROLE_WRITE)) {
      const audience = /(?:^|\s)audience=([^\s]+)/.exec(settings)?.[1];
      roles.push({ name, ...(audience ? { audience } : {}), writtenBy: objectLabel(job) });
    }
  }
  return roles;
}

/** The audience of the projected service-account token volume `name` of a pod; undefined: that volume has none. */
function projectedAudience(podSpec: Json, name: string): { found: boolean; audience?: string } {
  const volume = asArray(podSpec.volumes)
    .map(asMap)
    .find((candidate) => candidate.name === name);
  const source = asArray(valueAt(asMap(volume), "projected.sources"))
    .map(asMap)
    .find((candidate) => "serviceAccountToken" in candidate);
  if (!source) return { found: false };
  const audience = asString(asMap(source.serviceAccountToken).audience);
  return { found: true, ...(audience ? { audience } : {}) };
}

/** The audiences the trust of an IRSA role accepts (`<issuer>:aud` conditions); empty: it does not constrain them. */
function trustedAudiences(role: { values: Record<string, unknown> }): string[] {
  return (parsePolicy(role.values.assume_role_policy) ?? [])
    .filter((statement) => statement.effect === "Allow" && statement.actions.some((action) => iamMatch(action, "sts:AssumeRoleWithWebIdentity")))
    .flatMap((statement) =>
      Object.values(statement.conditions).flatMap((operator) =>
        Object.entries(asMap(operator))
          .filter(([key]) => key.endsWith(":aud") && !key.includes("token.actions.githubusercontent.com"))
          .flatMap(([, values]) => asArray(values).map(String)),
      ),
    );
}

/** The client ids (audiences) of the cluster's IAM OIDC provider; undefined when the system has none. */
function clusterProviderAudiences(model: SystemModel): string[] | undefined {
  const provider = resourcesOfType(model.stacks, "aws_iam_openid_connect_provider").find((candidate) =>
    String(candidate.values.url).includes("aws_eks_cluster"),
  );
  return provider ? asArray(provider.values.client_id_list).map(String) : undefined;
}

/**
 * Every projected service-account token reaches a consumer that verifies the audience it carries: the Vault agent's
 * token (`vault.hashicorp.com/agent-service-account-token-volume-name`, else the pod's default token) carries the
 * audience its Vault role is written with; an IRSA service account's token audience (`eks.amazonaws.com/audience`,
 * else sts.amazonaws.com) is a client id of the cluster's OIDC provider and one its role's trust admits; a Pod
 * Identity association's token (pods.eks.amazonaws.com) reaches a role whose trust admits what EKS asks for.
 */
export const tokenAudienceContract: Contract = {
  name: "token-audience",
  description: "every projected service-account token carries the audience its consumer (Vault role, AWS STS) verifies",
  check(model) {
    const findings = new Findings("token-audience");
    const roles = vaultRoles(model);
    let checked = 0;
    for (const workload of model.workloads) {
      const annotations = workload.podAnnotations ?? {};
      if (annotations["vault.hashicorp.com/agent-inject"] !== "true") continue;
      checked++;
      checkVaultAgent(workload, annotations, roles, findings);
    }
    const providerAudiences = clusterProviderAudiences(model);
    for (const account of objectsOfKind(model, "ServiceAccount")) {
      const arn = account.object.metadata.annotations?.["eks.amazonaws.com/role-arn"];
      if (!arn) continue;
      checked++;
      const audience = account.object.metadata.annotations?.["eks.amazonaws.com/audience"] ?? STS_AUDIENCE;
      if (providerAudiences && !providerAudiences.includes(audience)) {
        findings.add(objectLabel(account), `token audience ${audience}`, `client ids of the cluster's OIDC provider: ${listOrNothing(providerAudiences)}`);
      }
      const role = roleNamed(model.stacks, stackOfSource(model, account.source), arn);
      const admitted = role ? trustedAudiences(role) : [];
      if (role && admitted.length > 0 && !admitted.includes(audience)) {
        findings.add(
          objectLabel(account),
          `token audience ${audience} at role ${String(role.values.name)} (${role.stack})`,
          `its trust admits: ${listOrNothing(admitted)}`,
        );
      }
    }
    checked += checkPodIdentityTokens(model, findings);
    for (const store of objectsOfKind(model, "SecretStore", "ClusterSecretStore")) {
      const jwt = asMap(valueAt(store.object, "spec.provider.aws.auth.jwt"));
      const extra = asArray(valueAt(jwt, "serviceAccountRef.audiences")).map(String);
      if (!("serviceAccountRef" in jwt)) continue;
      checked++;
      // external-secrets (v2.9.0 providers/v1/aws/auth) asks for the account's audience (sts.amazonaws.com) plus these.
      const unknown = providerAudiences ? extra.filter((audience) => !providerAudiences.includes(audience)) : [];
      if (unknown.length > 0) {
        findings.add(
          objectLabel(store),
          `token audiences ${unknown.join(", ")}`,
          `client ids of the cluster's OIDC provider: ${listOrNothing(providerAudiences ?? [])}`,
        );
      }
    }
    return { checked, findings: findings.list };
  },
};

/**
 * EKS Pod Identity: the webhook projects a token with the fixed audience pods.eks.amazonaws.com, which the agent
 * exchanges through the EKS Auth API; EKS then assumes the role as pods.eks.amazonaws.com and always tags the session.
 * The role's trust must admit both sts:AssumeRole and sts:TagSession for that principal, and the associated service
 * account must not ask for another audience (`eks.amazonaws.com/audience` is IRSA's and would be ignored).
 */
function checkPodIdentityTokens(model: SystemModel, findings: Findings): number {
  let checked = 0;
  for (const association of podIdentityAssociations(model.stacks)) {
    checked++;
    const label = `${association.address} (${association.stack}) for ${association.namespace}/${association.serviceAccount}`;
    const role = roleNamed(model.stacks, association.stack, association.roleArn);
    if (role) {
      const admitted = (parsePolicy(role.values.assume_role_policy) ?? [])
        .filter(
          (statement) => statement.effect === "Allow" && statement.principals.some(({ type, value }) => type === "Service" && value === POD_IDENTITY_PRINCIPAL),
        )
        .flatMap((statement) => statement.actions);
      const missing = ["sts:AssumeRole", "sts:TagSession"].filter((action) => !admitted.some((pattern) => iamMatch(pattern, action)));
      if (missing.length > 0) {
        findings.add(
          label,
          `${missing.join(" and ")} by ${POD_IDENTITY_PRINCIPAL} at role ${String(role.values.name)} (${role.stack})`,
          `its trust admits: ${listOrNothing(admitted)}`,
        );
      }
    }
    const accounts = objectsOfKind(model, "ServiceAccount").filter(
      ({ object }) => object.metadata.name === association.serviceAccount && (object.metadata.namespace ?? "default") === association.namespace,
    );
    for (const account of accounts) {
      const audience = account.object.metadata.annotations?.["eks.amazonaws.com/audience"];
      if (audience) findings.add(objectLabel(account), `token audience ${audience}`, `its Pod Identity token carries ${POD_IDENTITY_PRINCIPAL} (${label})`);
    }
  }
  return checked;
}

function checkVaultAgent(workload: WorkloadFacts, annotations: Record<string, string>, roles: readonly VaultRole[], findings: Findings): void {
  const roleName = annotations["vault.hashicorp.com/role"];
  const role = roles.find((candidate) => candidate.name === roleName);
  if (!role) {
    findings.add(
      workloadLabel(workload),
      `Vault role ${roleName ?? "(none: vault.hashicorp.com/role is unset)"}`,
      `roles the setup writes: ${listOrNothing(roles.map((each) => each.name))}`,
    );
    return;
  }
  const volume = annotations["vault.hashicorp.com/agent-service-account-token-volume-name"];
  const podSpec = workload.podSpec as Json;
  let audience: string | undefined;
  if (volume) {
    const projected = projectedAudience(podSpec, volume);
    if (!projected.found) {
      findings.add(workloadLabel(workload), `projected token volume ${volume}`, "no projected serviceAccountToken volume of that name");
      return;
    }
    audience = projected.audience;
  } else if (podSpec.automountServiceAccountToken === false) {
    findings.add(workloadLabel(workload), "a service-account token for the Vault agent", "automountServiceAccountToken is false and no token volume is named");
    return;
  }
  if (audience !== role.audience) {
    findings.add(
      workloadLabel(workload),
      `Vault role ${role.name} audience ${role.audience ?? API_SERVER_AUDIENCE} (${role.writtenBy})`,
      `its agent's token carries ${audience ?? API_SERVER_AUDIENCE}`,
    );
  }
}
