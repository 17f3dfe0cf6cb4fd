import type { Contract, SystemModel } from "../types";
import { asArray, asMap, asString, valueAt } from "../values";
import { Findings, listOrNothing, objectLabel, objectsOfKind, workloadLabel } from "./common";

/** One enabled Velero schedule: where it is declared and the namespaces its backups include and exclude. */
interface Schedule {
  readonly source: string;
  readonly included: readonly string[];
  readonly excluded: readonly string[];
  /** False when its backups skip volumes (`snapshotVolumes: false`): it then covers objects only. */
  readonly volumes: boolean;
}

function scheduleOf(source: string, template: Record<string, unknown>): Schedule {
  const names = (path: string) =>
    asArray(template[path])
      .map(asString)
      .filter((name): name is string => !!name);
  return { source, included: names("includedNamespaces"), excluded: names("excludedNamespaces"), volumes: template.snapshotVolumes !== false };
}

/** The schedules the velero chart renders from `schedules` (templates/schedule.yaml: one per key not `disabled`) and Schedule objects. */
export function veleroSchedules(model: SystemModel): Schedule[] {
  const fromCharts = model.releases
    .filter((release) => release.chart === "velero")
    .flatMap((release) =>
      Object.entries(asMap(release.values.schedules))
        .map(([name, schedule]) => [name, asMap(schedule)] as const)
        .filter(([, schedule]) => schedule.disabled !== true && schedule.paused !== true)
        .map(([name, schedule]) => scheduleOf(`release:${release.stack}:${release.name} schedule ${name}`, asMap(schedule.template))),
    );
  const fromObjects = objectsOfKind(model, "Schedule")
    .filter((entry) => entry.object.apiVersion.startsWith("velero.io/") && valueAt(entry.object, "spec.paused") !== true)
    .map((entry) => scheduleOf(objectLabel(entry), asMap(valueAt(entry.object, "spec.template"))));
  return [...fromCharts, ...fromObjects];
}

/** Whether a schedule backs up the volumes of `namespace`: included by name or `*` (Velero's default when empty), not excluded. */
function covers(schedule: Schedule, namespace: string): boolean {
  const included = schedule.included.length === 0 || schedule.included.includes("*") || schedule.included.includes(namespace);
  return schedule.volumes && included && !schedule.excluded.includes(namespace);
}

export const backupsContract: Contract = {
  name: "backups",
  description: "every persistent volume claim the platform renders is in a namespace an enabled Velero schedule backs up with its volumes",
  check(model) {
    const findings = new Findings("backups");
    const schedules = veleroSchedules(model);
    const covered = [...new Set(schedules.flatMap((schedule) => (schedule.included.length ? schedule.included : ["*"])))];
    const claims = [
      ...model.workloads.filter((workload) => workload.persistentVolume).map((workload) => ({ label: workloadLabel(workload), namespace: workload.namespace })),
      ...objectsOfKind(model, "PersistentVolumeClaim").map((entry) => ({ label: objectLabel(entry), namespace: entry.object.metadata.namespace ?? "default" })),
    ];
    for (const claim of claims) {
      if (!schedules.some((schedule) => covers(schedule, claim.namespace))) {
        findings.add(
          claim.label,
          `a Velero schedule backing up the volumes of namespace ${claim.namespace}`,
          schedules.length ? `schedules of ${listOrNothing(covered)}` : "no enabled Velero schedule (platform.velero)",
        );
      }
    }
    return { checked: claims.length, findings: findings.list };
  },
};
