import { KubeObject } from "./render";

/** Kinds whose pod template runs the application. */
const WORKLOAD_KINDS = new Set(["Rollout", "Deployment", "StatefulSet"]);

function matches(selector: Record<string, string> | undefined, labels: Record<string, string> | undefined): boolean {
  if (!selector || Object.keys(selector).length === 0) return false;
  return Object.entries(selector).every(([key, value]) => labels?.[key] === value);
}

/** An image reference is pinned when it has a digest, or a tag other than `latest`. */
export function isPinnedImage(image: string): boolean {
  if (/@sha256:[0-9a-f]{64}$/.test(image)) return true;
  const lastSegment = image.split("/").pop() ?? "";
  const tag = lastSegment.includes(":") ? lastSegment.split(":").pop() : undefined;
  return tag !== undefined && tag !== "" && tag !== "latest";
}

function containerProblems(workload: string, container: Record<string, any>, podSecurity: Record<string, any>): string[] {
  const where = `${workload} container ${container.name}`;
  const problems: string[] = [];
  for (const probe of ["readinessProbe", "livenessProbe", "startupProbe"]) {
    if (!container[probe]) problems.push(`${where}: has no ${probe}`);
  }
  const { requests = {}, limits = {} } = container.resources ?? {};
  if (!requests.cpu || !requests.memory) problems.push(`${where}: needs CPU and memory requests`);
  if (!limits.memory) problems.push(`${where}: needs a memory limit`);
  if (!limits.cpu) problems.push(`${where}: needs a CPU limit`);
  const security = container.securityContext ?? {};
  if (!(security.runAsNonRoot ?? podSecurity.runAsNonRoot)) problems.push(`${where}: must run as non-root`);
  if ((security.runAsUser ?? podSecurity.runAsUser) === 0) problems.push(`${where}: runs as UID 0`);
  if (security.readOnlyRootFilesystem !== true) problems.push(`${where}: root filesystem must be read-only`);
  if (security.allowPrivilegeEscalation !== false) problems.push(`${where}: must set allowPrivilegeEscalation: false`);
  if (security.privileged === true) problems.push(`${where}: must not be privileged`);
  if (!(security.capabilities?.drop ?? []).includes("ALL")) problems.push(`${where}: must drop ALL capabilities`);
  const seccomp = security.seccompProfile?.type ?? podSecurity.seccompProfile?.type;
  if (!["RuntimeDefault", "Localhost"].includes(seccomp)) problems.push(`${where}: needs a RuntimeDefault seccomp profile`);
  if (typeof container.image !== "string" || !isPinnedImage(container.image)) {
    problems.push(`${where}: image ${container.image} is not pinned to a tag other than latest or to a digest`);
  }
  return problems;
}

/**
 * Rules in the spirit of kube-score and Polaris, over a whole rendered overlay: every container has probes,
 * requests and limits, a restricted security context and a pinned image; every workload runs at least two
 * replicas (itself and through its HPA), is covered by a PodDisruptionBudget and by a NetworkPolicy.
 */
export function workloadProblems(objects: readonly KubeObject[]): string[] {
  const problems: string[] = [];
  const workloads = objects.filter((object) => WORKLOAD_KINDS.has(object.kind));
  if (workloads.length === 0) problems.push("no workload (Rollout, Deployment or StatefulSet) found");
  for (const workload of workloads) {
    const name = `${workload.kind}/${workload.metadata.name}`;
    const template = workload.spec?.template ?? {};
    const podLabels: Record<string, string> = template.metadata?.labels ?? {};
    const pod = template.spec ?? {};
    for (const container of [...(pod.initContainers ?? []), ...(pod.containers ?? [])]) {
      problems.push(...containerProblems(name, container, pod.securityContext ?? {}));
    }
    if ((workload.spec?.replicas ?? 1) < 2) problems.push(`${name}: runs fewer than 2 replicas`);
    const autoscalers = objects.filter(
      (object) => object.kind === "HorizontalPodAutoscaler" && object.spec?.scaleTargetRef?.kind === workload.kind && object.spec?.scaleTargetRef?.name === workload.metadata.name,
    );
    for (const autoscaler of autoscalers) {
      if ((autoscaler.spec?.minReplicas ?? 1) < 2) problems.push(`${name}: its HPA ${autoscaler.metadata.name} may scale below 2 replicas`);
    }
    const budgets = objects.filter((object) => object.kind === "PodDisruptionBudget" && matches(object.spec?.selector?.matchLabels, podLabels));
    if (budgets.length === 0) problems.push(`${name}: no PodDisruptionBudget selects its pods`);
    const policies = objects.filter((object) => object.kind === "NetworkPolicy" && matches(object.spec?.podSelector?.matchLabels, podLabels));
    if (policies.length === 0) problems.push(`${name}: no NetworkPolicy selects its pods`);
  }
  return problems;
}
