import type { Contract, SystemModel, WorkloadFacts } from "../types";
import { asArray, asMap, asString, valueAt } from "../values";
import { Findings, listOrNothing, objectLabel, objectsOfKind, workloadLabel } from "./common";

/**
 * Secret names a pod reads: volumes (direct and projected), env secretKeyRefs and envFrom. A pod starts without the
 * ones marked optional, so they need no producer (`required` only), but reading them is still consuming them.
 */
export function secretsOfPod(podSpec: Record<string, unknown>, which: "required" | "all" = "required"): string[] {
  const names: (string | undefined)[] = [];
  const counts = (optional: unknown) => which === "all" || optional !== true;
  for (const volume of asArray(podSpec.volumes).map(asMap)) {
    if (volume.secret && counts(valueAt(volume, "secret.optional"))) names.push(asString(valueAt(volume, "secret.secretName")));
    for (const source of asArray(valueAt(volume, "projected.sources")).map(asMap)) {
      if (source.secret && counts(valueAt(source, "secret.optional"))) names.push(asString(valueAt(source, "secret.name")));
    }
  }
  for (const container of [...asArray(podSpec.containers), ...asArray(podSpec.initContainers)].map(asMap)) {
    for (const env of asArray(container.env).map(asMap)) {
      const ref = asMap(valueAt(env, "valueFrom.secretKeyRef"));
      if (ref.name && counts(ref.optional)) names.push(asString(ref.name));
    }
    for (const from of asArray(container.envFrom).map(asMap)) {
      const ref = asMap(from.secretRef);
      if (ref.name && counts(ref.optional)) names.push(asString(ref.name));
    }
  }
  return [...new Set(names.filter((name): name is string => !!name))];
}

/** Secrets ECK's operator creates for an Elasticsearch cluster `<name>` (its superuser and HTTP certificates). */
const ECK_ELASTICSEARCH_SECRETS = ["es-elastic-user", "es-http-certs-public", "es-http-certs-internal", "es-http-ca-internal"];

/**
 * `namespace/name` of every Secret something produces: ExternalSecret targets and Secret objects (Terraform's
 * kubernetes_secret, a release's rendered objects, gitops), cert-manager Certificates' `secretName`, and the Secrets
 * ECK's operator creates for each Elasticsearch cluster.
 */
function producedSecrets(model: SystemModel): Map<string, string> {
  const produced = new Map<string, string>();
  for (const { object, source } of objectsOfKind(model, "ExternalSecret")) {
    const name = asString(valueAt(object, "spec.target.name")) ?? object.metadata.name;
    produced.set(`${object.metadata.namespace ?? "default"}/${name}`, `ExternalSecret ${object.metadata.name} (${source})`);
  }
  for (const { object, source } of objectsOfKind(model, "Secret"))
    produced.set(`${object.metadata.namespace ?? "default"}/${object.metadata.name}`, `Secret (${source})`);
  for (const { object, source } of objectsOfKind(model, "Certificate")) {
    const name = asString(valueAt(object, "spec.secretName"));
    if (name) produced.set(`${object.metadata.namespace ?? "default"}/${name}`, `Certificate ${object.metadata.name} (${source})`);
  }
  for (const { object, source } of objectsOfKind(model, "Elasticsearch")) {
    for (const suffix of ECK_ELASTICSEARCH_SECRETS)
      produced.set(`${object.metadata.namespace ?? "default"}/${object.metadata.name}-${suffix}`, `ECK for Elasticsearch ${object.metadata.name} (${source})`);
  }
  return produced;
}

/** The Vault injector renders secrets as files for pods annotated for it, when the injector runs. */
function vaultInjects(model: SystemModel, workload: WorkloadFacts, name: string): "yes" | "no" | "injector off" {
  const annotations = workload.podAnnotations ?? {};
  if (annotations["vault.hashicorp.com/agent-inject"] !== "true" || !(`vault.hashicorp.com/agent-inject-secret-${name}` in annotations)) return "no";
  const injector = model.workloads.some(
    (candidate) =>
      candidate.source.startsWith("release:") &&
      model.releases.some((release) => release.chart === "vault" && candidate.source === `release:${release.stack}:${release.name}`) &&
      candidate.kind === "Deployment",
  );
  return injector ? "yes" : "injector off";
}

export const mountedSecretsContract: Contract = {
  name: "mounted-secrets",
  description:
    "every Secret a workload mounts, envFroms or secretKeyRefs is produced by an ExternalSecret, a release, Terraform or the Vault injector, and every ExternalSecret's Secret is read by something",
  check(model) {
    const findings = new Findings("mounted-secrets");
    const produced = producedSecrets(model);
    let checked = 0;
    for (const workload of model.workloads) {
      for (const name of secretsOfPod(workload.podSpec)) {
        checked++;
        if (produced.has(`${workload.namespace}/${name}`)) continue;
        const vault = vaultInjects(model, workload, name);
        if (vault === "yes") continue;
        const inNamespace = [...produced.keys()]
          .filter((key) => key.startsWith(`${workload.namespace}/`))
          .map((key) => key.slice(workload.namespace.length + 1));
        findings.add(
          workloadLabel(workload),
          `Secret ${workload.namespace}/${name}`,
          vault === "injector off"
            ? "annotated for the Vault injector, but no vault release runs the injector"
            : `Secrets produced in ${workload.namespace}: ${listOrNothing(inNamespace)}`,
        );
      }
    }
    // Deliver nothing that no workload consumes: every ExternalSecret's Secret is read by a pod, or by a controller that
    // picks Secrets up by label (Argo CD's repository and cluster secrets).
    const consumed = new Set(model.workloads.flatMap((workload) => secretsOfPod(workload.podSpec, "all").map((name) => `${workload.namespace}/${name}`)));
    for (const entry of objectsOfKind(model, "ExternalSecret")) {
      checked++;
      const { object } = entry;
      const name = asString(valueAt(object, "spec.target.name")) ?? object.metadata.name;
      const namespace = object.metadata.namespace ?? "default";
      const labels = asMap(valueAt(object, "spec.target.template.metadata.labels"));
      if (consumed.has(`${namespace}/${name}`) || "argocd.argoproj.io/secret-type" in labels) continue;
      const readers = model.workloads.filter((workload) => workload.namespace === namespace).map((workload) => `${workload.kind} ${workload.name}`);
      findings.add(objectLabel(entry), `a workload that reads Secret ${namespace}/${name}`, `workloads in ${namespace}: ${listOrNothing(readers)}`);
    }
    return { checked, findings: findings.list };
  },
};
