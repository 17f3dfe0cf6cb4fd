import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parse } from "yaml";
import { checkValues, chartsDir, findChart } from "../../../tools/chart-values";
import { REPO_ROOT, shippedEnvironments } from "../../support/environments";
import { synthPlatformJson } from "../../support/platform";
import { resourcesOf } from "../../support/synth";

const CHARTS = chartsDir(REPO_ROOT);
const MANIFESTS_CHART_VERSION = String(
  (parse(fs.readFileSync(path.join(REPO_ROOT, "charts", "platform-manifests", "Chart.yaml"), "utf8")) as { version: string }).version,
);
const LOCAL_CHARTS = path.join(REPO_ROOT, "charts");

/**
 * Maps whose defaults have entries but which the chart documents as free-form: argo-cd's configs.cm is the argocd-cm
 * ConfigMap, where every Argo CD setting (oidc.config, url ...) is a key; a nodeSelector defaulting to
 * `kubernetes.io/os: linux` is still a pod's label selector, any label may be added. Also keys the chart's template
 * reads but values.yaml only shows in a comment (grafana's `# storageClassName: default`, read by its StatefulSet's
 * volumeClaimTemplates at grafana 12.11.1).
 */
const DOCUMENTED_OPEN_MAPS: Record<string, string[]> = {
  "argo-cd": ["configs.cm", "global.nodeSelector"],
  "cert-manager": ["nodeSelector", "webhook.nodeSelector", "cainjector.nodeSelector", "startupapicheck.nodeSelector"],
  "kube-prometheus-stack": ["grafana.persistence.storageClassName"],
  karpenter: ["nodeSelector"],
  // opentelemetry-collector's `config` is the collector's own configuration file (any receiver, exporter, processor);
  // podDisruptionBudget's minAvailable/maxUnavailable are documented as comments and read by templates/pdb.yaml.
  "opentelemetry-collector": ["config", "podDisruptionBudget"],
};

interface ReleaseValues {
  readonly where: string;
  readonly chart: string;
  readonly version: string;
  readonly values: Record<string, unknown>;
}

/** Every helm_release of every shipped environment's platform stack, with its values parsed. */
function shippedReleases(): ReleaseValues[] {
  return shippedEnvironments().flatMap((environment) => {
    const releases = resourcesOf(synthPlatformJson(environment), "helm_release");
    return Object.entries(releases).map(([id, release]) => {
      const local = release.repository === undefined;
      const values = ((release.values as string[] | undefined) ?? []).reduce<Record<string, unknown>>(
        (merged, text) => ({ ...merged, ...((parse(text) as Record<string, unknown> | null) ?? {}) }),
        {},
      );
      return {
        where: `${environment.name}-platform ${id}`,
        // The only local chart is platform-manifests, shipped as a cdktf asset (its path names the asset, not the chart).
        chart: local ? "platform-manifests" : String(release.chart),
        version: local ? MANIFESTS_CHART_VERSION : String(release.version),
        values,
      };
    });
  });
}

describe("Helm values against the charts' own defaults and schemas (.cache/charts, from npm run charts:pull)", () => {
  const releases = shippedReleases();

  test("every shipped environment installs releases", () => {
    expect(new Set(releases.map((release) => release.where.split(" ")[0])).size).toBe(shippedEnvironments().length);
    expect(releases.length).toBeGreaterThan(20);
  });

  test("every key of every release exists at the pinned chart version and the values satisfy its schema", () => {
    const problems: string[] = [];
    let keysChecked = 0;
    for (const release of releases) {
      const root = fs.existsSync(path.join(LOCAL_CHARTS, release.chart)) ? LOCAL_CHARTS : CHARTS;
      const found = findChart(root, release.chart, release.version);
      if ("missing" in found) {
        problems.push(`${release.where}: ${found.missing}`);
        continue;
      }
      const report = checkValues(found.chart, release.values, DOCUMENTED_OPEN_MAPS[release.chart]);
      keysChecked += report.keysChecked;
      problems.push(...report.problems.map((problem) => `${release.where} (${release.chart} ${release.version}): ${problem}`));
    }
    process.stdout.write(`values check: ${keysChecked} keys in ${releases.length} releases of 3 environments\n`);
    expect(problems).toEqual([]);
    expect(keysChecked).toBeGreaterThan(500);
  });
});

describe("the values check itself", () => {
  const certManager = findChart(CHARTS, "cert-manager", "v1.21.1");
  const externalSecrets = findChart(CHARTS, "external-secrets", "2.9.0");
  const kubePrometheusStack = findChart(CHARTS, "kube-prometheus-stack", "88.5.3");
  const chart = (lookup: ReturnType<typeof findChart>) => {
    if ("missing" in lookup) throw new Error(lookup.missing);
    return lookup.chart;
  };

  test("a misspelt key fails", () => {
    const report = checkValues(chart(externalSecrets), { replicaCount: 2, podDisruptionBudget: { enabeld: true } });
    expect(report.problems).toEqual(["podDisruptionBudget.enabeld: not a key of the chart's values.yaml"]);
  });

  test("keys below a default of {} or [] are open", () => {
    const report = checkValues(chart(externalSecrets), { podAnnotations: { anything: "goes" }, extraEnv: [{ name: "A", value: "b" }] });
    expect(report.problems).toEqual([]);
  });

  test("a map named open accepts any key below it, and only that map", () => {
    const argoCd = chart(findChart(CHARTS, "argo-cd", "10.1.1"));
    const values = { configs: { cm: { "oidc.config": "name: SSO" }, rbac: { "policy.defualt": "role:readonly" } } };
    expect(checkValues(argoCd, values, ["configs.cm"]).problems).toEqual(["configs.rbac.policy.defualt: not a key of the chart's values.yaml"]);
  });

  test("keys under a subchart's name are checked against the subchart", () => {
    expect(checkValues(chart(kubePrometheusStack), { grafana: { persistence: { enabled: true } } }).problems).toEqual([]);
    expect(checkValues(chart(kubePrometheusStack), { grafana: { persistance: { enabled: true } } }).problems).toEqual([
      "grafana.persistance: not a key of the chart's values.yaml",
    ]);
  });

  test("values that break the chart's schema fail through ajv", () => {
    const report = checkValues(chart(certManager), { replicaCount: "two" });
    expect(report.problems.some((problem) => problem.startsWith("replicaCount:"))).toBe(true);
  });

  test("a pinned version without data in the charts folder is reported, not passed", () => {
    const lookup = findChart(CHARTS, "external-secrets", "0.9.0");
    expect("missing" in lookup && lookup.missing).toMatch(/external-secrets 0\.9\.0 has no data/);
    expect("missing" in findChart(CHARTS, "no-such-chart", "1.0.0")).toBe(true);
  });

  test("cert-manager's data is its published release although its sources say v0.0.0", () => {
    expect(chart(certManager).version).toBe("v1.21.1");
  });

  test("PLATFORM_CHARTS_DIR overrides where the charts are read from", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "charts-"));
    expect(chartsDir(REPO_ROOT, { PLATFORM_CHARTS_DIR: dir })).toBe(dir);
    expect(chartsDir(REPO_ROOT, {})).toBe(path.join(REPO_ROOT, ".cache", "charts"));
  });
});
