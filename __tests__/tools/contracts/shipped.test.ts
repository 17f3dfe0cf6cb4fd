import * as fs from "fs";
import * as path from "path";
import { chartsDir, findChart } from "../../../tools/chart-values";
import { REPO_ROOT } from "../../support/environments";
import { CHARTS } from "../../../tools/contracts/chart-workloads";
import { CONTRACTS, findingLine, runContracts } from "../../../tools/contracts/contracts";
import { buildSystemModels, publishedChartDefaults } from "../../../tools/contracts/model";
import type { SystemModel } from "../../../tools/contracts/types";
import { valueAt } from "../../../tools/contracts/values";
import { synthesizeShipped } from "../support";
import type { EnvironmentConfig } from "../../../config";
import { committedEnvironments, hasPipelines, shippedEnvironments } from "../../support/environments";

// One synth of every shipped environment for the whole file; each model adds its rendered gitops overlay.
const environments = shippedEnvironments();
const chartDefaults = publishedChartDefaults();
const models: SystemModel[] = buildSystemModels(environments, synthesizeShipped(), chartDefaults);
const model = (name: string) => models.find((candidate) => candidate.environment.name === name)!;

/**
 * An environment with every part the contracts check references of: the application (edge), the pipeline roles, and
 * Vault with cert-manager. Every environment of the repository's own config is one; an adopter's may leave parts out.
 */
const complete = (environment: EnvironmentConfig) =>
  !!environment.edge && hasPipelines(environment) && environment.platform.vault.enabled && environment.platform.certManager.enabled;
const checkedIn = (name: string, contractName: string) =>
  runContracts(
    model(name),
    CONTRACTS.filter((contract) => contract.name === contractName),
  )[0];

describe("the environments the contracts check", () => {
  it("are complete in the repository's own config", () => {
    expect(committedEnvironments().filter((environment) => !complete(environment))).toEqual([]);
  });

  it.each(CONTRACTS.map((contract) => contract.name))("the %s contract checks references in the config under test", (contractName) => {
    expect(environments.reduce((sum, environment) => sum + checkedIn(environment.name, contractName).checked, 0)).toBeGreaterThan(0);
  });
});

describe.each(environments.map((environment) => environment.name))("the whole system of %s", (name) => {
  it.each(CONTRACTS.map((contract) => contract.name))("keeps the %s contract: every reference resolves", (contractName) => {
    const result = checkedIn(name, contractName);
    // The lines are what `npm run contracts` prints: a failure lists every broken reference, one per line.
    expect(result.findings.map((finding) => findingLine(name, finding))).toEqual([]);
    // An environment without some part (no edge, no pipeline roles, no Vault) may have no reference of a contract.
    if (complete(model(name).environment)) expect(result.checked).toBeGreaterThan(0);
  });

  it("models every node group of the config with the AZs of its subnets, read through the network stack's state", () => {
    const environment = model(name).environment;
    const pools = model(name).nodePools;
    expect([...new Set(pools.map((pool) => pool.pool))].sort()).toEqual(Object.keys(environment.cluster.nodeGroups).sort());
    for (const pool of pools) {
      expect(pool.zones.length).toBeGreaterThan(0);
      expect(pool.zones.every((zone) => environment.network.availabilityZones.includes(zone))).toBe(true);
    }
  });

  it("models every release's service accounts and the application's pods", () => {
    expect(model(name).releases.length).toBeGreaterThan(0);
    // The application runs where the environment has an edge.
    expect(model(name).workloads.some((workload) => workload.owner === "application")).toBe(!!model(name).environment.edge);
    expect(model(name).objects.some(({ object, source }) => object.kind === "ServiceAccount" && source.startsWith("release:"))).toBe(true);
  });
});

/**
 * Some charts document a key only as a commented-out line of values.yaml (cert-manager's `# name: ""`, grafana's
 * `#  annotations:`): the key still exists when that comment sits in the block of its parent key.
 */
function documentedAsComment(chart: string, version: string, dotted: string): boolean {
  const found = findChart(chartsDir(REPO_ROOT), chart, version);
  if ("missing" in found) return false;
  const keys = dotted.split(".");
  const subchart = found.chart.subcharts.get(keys[0]);
  const file = path.join(subchart ? subchart.dir : found.chart.dir, "values.yaml");
  const within = subchart ? keys.slice(1) : keys;
  const lines = fs.readFileSync(file, "utf8").split("\n");
  // The parent's block: from its line to the next line at its indentation or less.
  let start = 0;
  let indent = -1;
  for (const key of within.slice(0, -1)) {
    const at = lines.findIndex((line, index) => index >= start && new RegExp(`^\\s{${indent + 1},}${key}:`).test(line));
    if (at < 0) return false;
    indent = lines[at].search(/\S/);
    start = at + 1;
  }
  const end = lines.findIndex((line, index) => index >= start && line.trim() !== "" && !line.trim().startsWith("#") && line.search(/\S/) <= indent);
  return lines.slice(start, end < 0 ? undefined : end).some((line) => new RegExp(`^\\s*#\\s*${within[within.length - 1]}:`).test(line));
}

describe("the chart table (tools/contracts/chart-workloads.ts)", () => {
  const pinned = [...new Map(models.flatMap((candidate) => candidate.releases).map((release) => [`${release.chart}@${release.version}`, release])).values()];

  it("names only values paths that exist in each pinned chart's own values.yaml", () => {
    const missing: string[] = [];
    for (const release of pinned) {
      const facts = CHARTS[release.chart];
      const defaults = chartDefaults(release.chart, release.version);
      if (release.chart === "platform-manifests") continue;
      const paths = [
        ...facts.workloads.flatMap((workload) => [
          ...workload.nodeSelector,
          ...workload.tolerations,
          ...workload.affinity,
          ...(workload.enabled ? [workload.enabled] : []),
          ...(workload.persistence ? [workload.persistence] : []),
          ...(workload.secrets ?? []),
          ...(workload.serviceAccount
            ? [
                workload.serviceAccount.annotations,
                ...(workload.serviceAccount.name ? [workload.serviceAccount.name] : []),
                ...(workload.serviceAccount.create ? [workload.serviceAccount.create] : []),
              ]
            : []),
        ]),
        ...(facts.ingresses ?? []).flatMap((ingress) => [
          ingress.enabled,
          ...ingress.host,
          ...(ingress.className ? [ingress.className] : []),
          ...(ingress.annotations ? [ingress.annotations] : []),
          ...(ingress.tls ? [ingress.tls] : []),
        ]),
        ...(facts.crds?.enabled ? [facts.crds.enabled] : []),
      ];
      for (const path of new Set(paths)) {
        if (valueAt(defaults, path) === undefined && !documentedAsComment(release.chart, release.version, path))
          missing.push(`${release.chart} ${release.version}: ${path}`);
      }
    }
    expect(missing).toEqual([]);
    expect(pinned.length).toBeGreaterThan(5);
  });
});
