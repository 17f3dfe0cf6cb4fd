import { CHARTS } from "../chart-workloads";
import { resourceAt, resourcesOfType } from "../terraform";
import type { Contract, ObjectModel, ReleaseModel, SystemModel } from "../types";
import { asArray, asString, valueAt } from "../values";
import { Findings, groupOf, listOrNothing, objectLabel } from "./common";

/** API groups Kubernetes serves itself; every other group comes from a CRD. */
const BUILT_IN_GROUPS = new Set([
  "",
  "apps",
  "batch",
  "autoscaling",
  "policy",
  "networking.k8s.io",
  "rbac.authorization.k8s.io",
  "storage.k8s.io",
  "scheduling.k8s.io",
  "coordination.k8s.io",
  "discovery.k8s.io",
  "node.k8s.io",
  "admissionregistration.k8s.io",
  "apiextensions.k8s.io",
  "certificates.k8s.io",
  "events.k8s.io",
  "flowcontrol.apiserver.k8s.io",
]);

/** `group/Kind` → charts whose releases install that CRD, from the chart table. */
function crdCharts(): Map<string, string[]> {
  const table = new Map<string, string[]>();
  for (const [chart, facts] of Object.entries(CHARTS)) {
    for (const kind of facts.crds?.kinds ?? []) table.set(kind, [...(table.get(kind) ?? []), chart]);
  }
  return table;
}

function installsCrds(release: ReleaseModel): boolean {
  const crds = CHARTS[release.chart]?.crds;
  if (!crds?.enabled) return true;
  const value = valueAt(release.values, crds.enabled);
  return value === undefined ? crds.byDefault !== false : value === true;
}

/**
 * `group/Kind`s whose CRDs an EKS managed add-on installs (its manifests, not a chart): the cluster stack applies the
 * add-on before every stack that deploys after it, so only its presence upstream matters.
 */
const EKS_ADDON_CRDS: Readonly<Record<string, string>> = {
  "snapshot.storage.k8s.io/VolumeSnapshotClass": "snapshot-controller",
  "snapshot.storage.k8s.io/VolumeSnapshot": "snapshot-controller",
  "snapshot.storage.k8s.io/VolumeSnapshotContent": "snapshot-controller",
};

/** Whether a stack the object's stack deploys after (or the stack itself) has the EKS add-on `name`. */
function eksAddonUpstream(model: SystemModel, entry: ObjectModel, name: string): boolean {
  const [, stack = ""] = entry.source.split(":");
  const stacks = new Set([stack, ...upstreamStacks(model, stack)]);
  return resourcesOfType(model.stacks, "aws_eks_addon").some((addon) => stacks.has(addon.stack) && addon.values.addon_name === name);
}

const releaseKey = (release: Pick<ReleaseModel, "stack" | "address">) => `${release.stack}:${release.address}`;

/** Every stack a stack is deployed after, transitively. */
function upstreamStacks(model: SystemModel, stack: string, seen = new Set<string>()): Set<string> {
  for (const upstream of model.stackDependencies?.[stack] ?? []) {
    if (!seen.has(upstream)) {
      seen.add(upstream);
      upstreamStacks(model, upstream, seen);
    }
  }
  return seen;
}

/** Releases installed before a resource is: its depends_on chain in its stack, and every release of upstream stacks. */
function installedBefore(model: SystemModel, stack: string, address: string): Set<string> {
  const before = new Set<string>();
  const pending = [address];
  const visited = new Set<string>();
  while (pending.length) {
    const current = pending.pop()!;
    if (visited.has(current)) continue;
    visited.add(current);
    const [type = "", name = ""] = current.split(".");
    const resource = resourceAt(model.stacks, stack, type, name);
    for (const dependency of asArray(resource?.values.depends_on).map(String)) {
      if (dependency.startsWith("helm_release.")) before.add(`${stack}:${dependency}`);
      pending.push(dependency);
    }
  }
  for (const upstream of upstreamStacks(model, stack))
    model.releases.filter((release) => release.stack === upstream).forEach((release) => before.add(releaseKey(release)));
  return before;
}

/** Where a source's objects are applied from: a release (with its own chart's CRDs), a resource, or an Argo CD sync. */
function installer(model: SystemModel, entry: ObjectModel): { stack: string; address: string; terraformManifest: boolean } | { problem: string } {
  const [kind, stack = "", rest = ""] = entry.source.split(":");
  if (kind === "release") {
    const release = model.releases.find((candidate) => candidate.stack === stack && candidate.name === rest);
    return release ? { stack, address: release.address, terraformManifest: false } : { problem: `release ${rest} is not in ${stack}` };
  }
  if (kind === "stack") return { stack, address: rest, terraformManifest: rest.startsWith("kubernetes_manifest.") };
  const path = `gitops/${stack}`;
  const application = model.objects.find(
    ({ object }) => object.kind === "Application" && asString(valueAt(object, "spec.source.path"))?.replace(/\/$/, "") === path,
  );
  if (!application) return { problem: `no Argo CD Application syncs ${path}` };
  const found = installer(model, application);
  return "problem" in found ? found : { ...found, terraformManifest: false };
}

export const crdsContract: Contract = {
  name: "crds",
  description: "every object of a CRD kind is installed after the release that brings its CRD",
  check(model) {
    const findings = new Findings("crds");
    const table = crdCharts();
    let checked = 0;
    for (const entry of model.objects) {
      const group = groupOf(entry.object);
      if (BUILT_IN_GROUPS.has(group)) continue;
      checked++;
      const kind = `${group}/${entry.object.kind}`;
      const addon = EKS_ADDON_CRDS[kind];
      if (addon) {
        if (!eksAddonUpstream(model, entry, addon))
          findings.add(objectLabel(entry), `CRD ${kind} (EKS add-on ${addon})`, "no upstream stack installs that add-on");
        continue;
      }
      const charts = table.get(kind);
      if (!charts) {
        findings.add(objectLabel(entry), `CRD ${kind}`, "no chart of tools/contracts/chart-workloads.ts ships it");
        continue;
      }
      const providers = model.releases.filter((release) => charts.includes(release.chart) && installsCrds(release));
      if (providers.length === 0) {
        findings.add(
          objectLabel(entry),
          `CRD ${kind} (chart ${charts.join(" or ")})`,
          `no release installs it; releases: ${listOrNothing(model.releases.map((release) => `${release.name} (${release.chart})`))}`,
        );
        continue;
      }
      const from = installer(model, entry);
      if ("problem" in from) {
        findings.add(objectLabel(entry), `installed after ${providers.map((release) => release.name).join(" or ")}`, from.problem);
        continue;
      }
      const before = installedBefore(model, from.stack, from.address);
      const sameRelease = providers.some((release) => release.stack === from.stack && release.address === from.address);
      if (!sameRelease && !providers.some((release) => before.has(releaseKey(release)))) {
        findings.add(
          objectLabel(entry),
          `installed after ${providers.map((release) => `${release.name} (${release.stack})`).join(" or ")}`,
          `${from.address} (${from.stack}) waits for: ${listOrNothing([...before].map((key) => key.slice(key.indexOf(":") + 1)))}`,
        );
      } else if (from.terraformManifest && providers.some((release) => release.stack === from.stack)) {
        // kubernetes_manifest reads the CRD's schema at plan time: a release of the same stack has not run yet on a fresh cluster.
        findings.add(
          objectLabel(entry),
          `CRD ${kind} at plan time`,
          `it comes from a release of the same stack (${providers.map((release) => release.name).join(", ")}); use a later stack or the platform-manifests chart`,
        );
      }
    }
    return { checked, findings: findings.list };
  },
};
