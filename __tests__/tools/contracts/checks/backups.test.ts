import { backupsContract } from "../../../../tools/contracts/checks/backups";
import { object, release, system, workload } from "../fixtures/system";

/** Velero's chart values with one schedule per listed namespace, as the add-on writes them. */
function velero(schedules: Record<string, Record<string, unknown>>) {
  return release("velero", "velero", { values: { schedules } });
}
const daily = (namespace: string, extra: Record<string, unknown> = {}) => ({
  schedule: "0 2 * * *",
  template: { includedNamespaces: [namespace], snapshotVolumes: true, ttl: "168h0m0s" },
  ...extra,
});
const prometheus = workload("prometheus", {}, { kind: "StatefulSet", namespace: "monitoring", persistentVolume: true });
const vaultServer = workload("vault", {}, { kind: "StatefulSet", namespace: "vault", persistentVolume: true });
const stateless = workload("web", {}, { namespace: "web" });
const claim = object("stack:test-platform:kubernetes_manifest.Claim", "PersistentVolumeClaim", "scratch", "tools");

describe("the backups contract", () => {
  it("passes when every workload with a volume and every claim is in a namespace a schedule backs up", () => {
    const result = backupsContract.check(
      system({
        releases: [velero({ monitoring: daily("monitoring"), vault: daily("vault") })],
        workloads: [prometheus, vaultServer, stateless],
        objects: [
          claim,
          object("release:test-platform:extra", "Schedule", "tools", "velero", { spec: { template: { includedNamespaces: ["tools"] } } }, "velero.io/v1"),
        ],
      }),
    );
    expect(result.findings).toEqual([]);
    expect(result.checked).toBe(3);
  });

  it("names each volume whose namespace no enabled schedule backs up with its volumes", () => {
    const result = backupsContract.check(
      system({
        releases: [
          velero({
            monitoring: daily("monitoring", { disabled: true }),
            vault: daily("vault", { template: { includedNamespaces: ["vault"], snapshotVolumes: false } }),
          }),
        ],
        workloads: [prometheus, vaultServer, stateless],
        objects: [claim],
      }),
    );
    expect(result.findings.map((finding) => [finding.consumer, finding.reference])).toEqual([
      ["StatefulSet monitoring/prometheus (release:test-platform:prometheus)", "a Velero schedule backing up the volumes of namespace monitoring"],
      ["StatefulSet vault/vault (release:test-platform:vault)", "a Velero schedule backing up the volumes of namespace vault"],
      ["PersistentVolumeClaim tools/scratch (stack:test-platform:kubernetes_manifest.Claim)", "a Velero schedule backing up the volumes of namespace tools"],
    ]);
  });

  it("says when there is no Velero at all", () => {
    const result = backupsContract.check(system({ workloads: [prometheus] }));
    expect(result.findings[0]?.instead).toBe("no enabled Velero schedule (platform.velero)");
  });
});
