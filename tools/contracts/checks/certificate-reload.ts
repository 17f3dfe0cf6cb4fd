import type { Contract, SystemModel, WorkloadFacts } from "../types";
import { asArray, asMap, asString, Json, valueAt } from "../values";
import { Findings, listOrNothing, objectsOfKind, workloadLabel } from "./common";

/** Kinds whose pods run to completion: each run mounts the Secret as it is then, so a renewal reaches the next run. */
const RUN_TO_COMPLETION = new Set(["Job", "CronJob"]);

/** How a workload picks up a renewed certificate, or undefined when it does not. */
export function reloadMechanism(model: SystemModel, workload: WorkloadFacts, secret: string, volumes: readonly string[]): string | undefined {
  if (RUN_TO_COMPLETION.has(workload.kind)) return "runs to completion (each run mounts the current Secret)";
  const annotations = workload.podAnnotations ?? {};
  const reloader = model.releases.some((release) => release.chart === "reloader");
  const named = (key: string) => (annotations[key] ?? "").split(",").map((each) => each.trim());
  if (reloader && (annotations["reloader.stakater.com/auto"] === "true" || named("secret.reloader.stakater.com/reload").includes(secret))) {
    return "Reloader restarts it";
  }
  const podSpec = workload.podSpec as Json;
  // A sidecar that watches the mounted files and signals the server (needs the shared process namespace).
  if (podSpec.shareProcessNamespace === true) {
    const watcher = asArray(podSpec.containers)
      .map(asMap)
      .find((container) => {
        const mounts = asArray(container.volumeMounts).map((mount) => asString(asMap(mount).name));
        const script = [...asArray(container.command), ...asArray(container.args)].map(String).join("\n");
        return mounts.some((mount) => mount !== undefined && volumes.includes(mount)) && /kill -(HUP|SIGHUP|s HUP)\b/.test(script);
      });
    if (watcher) return `sidecar ${String(watcher.name)} signals on change`;
  }
  // The Vault agent, run only as an init container, reads the CA once per pod: nothing long-lived keeps an old one.
  if (annotations["vault.hashicorp.com/tls-secret"] === secret && annotations["vault.hashicorp.com/agent-pre-populate-only"] === "true") {
    return "read once per pod start by the Vault agent init container";
  }
  return undefined;
}

/** What a consumer lacks, for the finding. */
function missingReload(model: SystemModel, workload: WorkloadFacts, secret: string): string {
  const annotations = workload.podAnnotations ?? {};
  const annotated =
    annotations["reloader.stakater.com/auto"] === "true" ||
    (annotations["secret.reloader.stakater.com/reload"] ?? "").split(",").some((name) => name.trim() === secret);
  const reloader = model.releases.some((release) => release.chart === "reloader");
  const restart = annotated ? (reloader ? "" : "a reloader annotation but no reloader release") : "no reloader annotation";
  return listOrNothing([restart, "no sidecar signalling the server"].filter(Boolean));
}

/** The pod's volumes (by name) that carry `secret`, directly or in a projected volume. */
function volumesOf(podSpec: Json, secret: string): string[] {
  return asArray(podSpec.volumes)
    .map(asMap)
    .filter(
      (volume) =>
        asString(valueAt(volume, "secret.secretName")) === secret ||
        asArray(valueAt(volume, "projected.sources")).some((source) => asString(valueAt(asMap(source), "secret.name")) === secret),
    )
    .map((volume) => String(volume.name));
}

/**
 * Every workload that mounts the Secret of a cert-manager Certificate picks up a renewal without a manual step:
 * Reloader restarts it (annotation, with a reloader release in the system), a sidecar watching the files signals the
 * server, it runs to completion, or it only reads the certificate at start (the Vault agent as an init container).
 */
export const certificateReloadContract: Contract = {
  name: "certificate-reload",
  description: "every workload mounting a cert-manager certificate's Secret picks up a renewal by itself",
  check(model) {
    const findings = new Findings("certificate-reload");
    let checked = 0;
    for (const certificate of objectsOfKind(model, "Certificate").filter(({ object }) => object.apiVersion.startsWith("cert-manager.io/"))) {
      const secret = asString(valueAt(certificate.object, "spec.secretName"));
      const namespace = certificate.object.metadata.namespace;
      if (!secret) continue;
      for (const workload of model.workloads.filter((candidate) => candidate.namespace === namespace)) {
        const podSpec = workload.podSpec as Json;
        const volumes = volumesOf(podSpec, secret);
        const viaAgent = workload.podAnnotations?.["vault.hashicorp.com/tls-secret"] === secret;
        if (volumes.length === 0 && !viaAgent) continue;
        checked++;
        if (!reloadMechanism(model, workload, secret, volumes)) {
          findings.add(
            workloadLabel(workload),
            `Secret ${namespace}/${secret} of Certificate ${certificate.object.metadata.name} (renewed by cert-manager)`,
            `no reload: ${missingReload(model, workload, secret)}`,
          );
        }
      }
    }
    return { checked, findings: findings.list };
  },
};
