import type { Contract, SystemModel, WorkloadFacts } from "../types";
import { CHARTS } from "../chart-workloads";
import { asArray, asMap, asString, Json, valueAt } from "../values";
import { Findings, objectLabel, objectsOfKind, workloadLabel } from "./common";

/** Pod Security Standards levels, least to most restrictive. */
export type PodSecurityLevel = "privileged" | "baseline" | "restricted";
const LEVELS: readonly PodSecurityLevel[] = ["privileged", "baseline", "restricted"];

/** Namespaces that exist in every EKS cluster and that nothing in the project labels. */
const EXISTING_LEVELS: Readonly<Record<string, PodSecurityLevel>> = { "kube-system": "privileged" };

/** Capabilities baseline lets a container add (Kubernetes Pod Security Standards). */
const BASELINE_CAPABILITIES = new Set([
  "AUDIT_WRITE",
  "CHOWN",
  "DAC_OVERRIDE",
  "FOWNER",
  "FSETID",
  "KILL",
  "MKNOD",
  "NET_BIND_SERVICE",
  "SETFCAP",
  "SETGID",
  "SETPCAP",
  "SETUID",
  "SYS_CHROOT",
]);
/** The sysctls baseline allows. */
const SAFE_SYSCTLS = new Set([
  "kernel.shm_rmid_forced",
  "net.ipv4.ip_local_port_range",
  "net.ipv4.ip_unprivileged_port_start",
  "net.ipv4.tcp_syncookies",
  "net.ipv4.ping_group_range",
  "net.ipv4.ip_local_reserved_ports",
  "net.ipv4.tcp_keepalive_time",
  "net.ipv4.tcp_fin_timeout",
  "net.ipv4.tcp_keepalive_intvl",
  "net.ipv4.tcp_keepalive_probes",
]);
/** The only volume types restricted allows. */
const RESTRICTED_VOLUMES = new Set(["configMap", "csi", "downwardAPI", "emptyDir", "ephemeral", "persistentVolumeClaim", "projected", "secret"]);

/** The enforced level of each namespace the system labels (`pod-security.kubernetes.io/enforce`). */
export function namespaceLevels(model: SystemModel): Map<string, PodSecurityLevel> {
  const levels = new Map<string, PodSecurityLevel>(Object.entries(EXISTING_LEVELS));
  for (const { object } of objectsOfKind(model, "Namespace")) {
    const label = object.metadata.labels?.["pod-security.kubernetes.io/enforce"];
    // Pod Security admission's own default for an unlabelled namespace (EKS configures none other) is privileged.
    levels.set(object.metadata.name, LEVELS.includes(label as PodSecurityLevel) ? (label as PodSecurityLevel) : "privileged");
  }
  return levels;
}

/** What of a pod spec breaks `level`: one short reason per violation (empty when it is admitted). */
export function podSecurityViolations(podSpec: Json, level: PodSecurityLevel): string[] {
  if (level === "privileged") return [];
  const reasons: string[] = [];
  const pod = asMap(podSpec.securityContext);
  const containers = ["initContainers", "containers", "ephemeralContainers"].flatMap((field) => asArray(podSpec[field]).map(asMap));
  const named = (container: Json) => `container ${asString(container.name) ?? "?"}`;
  // Baseline.
  for (const field of ["hostNetwork", "hostPID", "hostIPC"]) if (podSpec[field] === true) reasons.push(`${field}: true`);
  for (const volume of asArray(podSpec.volumes).map(asMap)) if ("hostPath" in volume) reasons.push(`hostPath volume ${asString(volume.name) ?? "?"}`);
  for (const sysctl of asArray(pod.sysctls).map(asMap)) {
    if (!SAFE_SYSCTLS.has(String(sysctl.name))) reasons.push(`sysctl ${String(sysctl.name)}`);
  }
  const seccompOf = (context: Json) => asString(asMap(context.seccompProfile).type);
  if (seccompOf(pod) === "Unconfined") reasons.push("pod seccompProfile Unconfined");
  for (const container of containers) {
    const context = asMap(container.securityContext);
    if (context.privileged === true) reasons.push(`${named(container)} privileged`);
    for (const capability of asArray(asMap(context.capabilities).add).map(String)) {
      if (!BASELINE_CAPABILITIES.has(capability)) reasons.push(`${named(container)} adds capability ${capability}`);
    }
    for (const port of asArray(container.ports).map(asMap))
      if (Number(port.hostPort ?? 0) !== 0) reasons.push(`${named(container)} hostPort ${String(port.hostPort)}`);
    const procMount = asString(context.procMount);
    if (procMount !== undefined && procMount !== "Default") reasons.push(`${named(container)} procMount ${procMount}`);
    if (seccompOf(context) === "Unconfined") reasons.push(`${named(container)} seccompProfile Unconfined`);
  }
  if (level === "baseline") return reasons;
  // Restricted.
  for (const volume of asArray(podSpec.volumes).map(asMap)) {
    const type = Object.keys(volume).find((key) => key !== "name");
    if (type && type !== "hostPath" && !RESTRICTED_VOLUMES.has(type)) reasons.push(`${type} volume ${asString(volume.name) ?? "?"}`);
  }
  const podSeccomp = seccompOf(pod);
  for (const container of containers) {
    const context = asMap(container.securityContext);
    if (context.allowPrivilegeEscalation !== false) reasons.push(`${named(container)} allowPrivilegeEscalation is not false`);
    const nonRoot = context.runAsNonRoot ?? pod.runAsNonRoot;
    if (nonRoot !== true) reasons.push(`${named(container)} runAsNonRoot is not true`);
    if (Number(context.runAsUser ?? pod.runAsUser) === 0) reasons.push(`${named(container)} runs as uid 0`);
    const seccomp = seccompOf(context) ?? podSeccomp;
    if (seccomp !== "RuntimeDefault" && seccomp !== "Localhost")
      reasons.push(`${named(container)} seccompProfile is ${seccomp ?? "unset"} (RuntimeDefault or Localhost)`);
    const capabilities = asMap(context.capabilities);
    if (!asArray(capabilities.drop).map(String).includes("ALL")) reasons.push(`${named(container)} does not drop capability ALL`);
    for (const capability of asArray(capabilities.add).map(String)) {
      if (capability !== "NET_BIND_SERVICE") reasons.push(`${named(container)} adds capability ${capability}`);
    }
  }
  return [...new Set(reasons)];
}

/**
 * Every pod the project writes or models (gitops, the local chart's objects, `kubernetes_*` resources and each pinned
 * chart's workloads with its defaults, tools/contracts/chart-workloads.ts) satisfies the Pod Security level its
 * namespace enforces. A chart workload in a baseline or restricted namespace whose security fields the chart table
 * does not model is a finding too: admission cannot be shown.
 */
export const admissionContract: Contract = {
  name: "admission",
  description: "every pod satisfies the Pod Security level its namespace enforces",
  check(model) {
    const findings = new Findings("admission");
    const levels = namespaceLevels(model);
    let checked = 0;
    for (const workload of model.workloads) {
      const level = levels.get(workload.namespace) ?? "privileged";
      checked++;
      if (level === "privileged") continue;
      if (isChartWorkload(model, workload) && !workload.securityModelled) {
        findings.add(
          workloadLabel(workload),
          `Pod Security ${level} of namespace ${workload.namespace}`,
          "no security fields modelled for it in tools/contracts/chart-workloads.ts",
        );
        continue;
      }
      const reasons = podSecurityViolations(workload.podSpec, level);
      if (reasons.length > 0) findings.add(workloadLabel(workload), `Pod Security ${level} of namespace ${workload.namespace}`, reasons.join("; "));
    }
    // Argo Rollouts runs an analysis metric's Job in the template's namespace: its pods are admitted like any other.
    for (const template of objectsOfKind(model, "AnalysisTemplate", "ClusterAnalysisTemplate")) {
      const namespace = template.object.metadata.namespace ?? "default";
      const level = levels.get(namespace) ?? "privileged";
      for (const metric of asArray(valueAt(template.object, "spec.metrics")).map(asMap)) {
        const podSpec = asMap(valueAt(metric, "provider.job.spec.template.spec"));
        if (Object.keys(podSpec).length === 0) continue;
        checked++;
        const reasons = podSecurityViolations(podSpec, level);
        if (reasons.length > 0) {
          findings.add(`${objectLabel(template)} metric ${String(metric.name)} Job`, `Pod Security ${level} of namespace ${namespace}`, reasons.join("; "));
        }
      }
    }
    return { checked, findings: findings.list };
  },
};

/** A workload a pinned chart renders (as against the objects a release writes out in full: platform-manifests). */
function isChartWorkload(model: SystemModel, workload: WorkloadFacts): boolean {
  const release = model.releases.find((candidate) => `release:${candidate.stack}:${candidate.name}` === workload.source);
  return !!release && (CHARTS[release.chart]?.workloads.length ?? 0) > 0;
}
