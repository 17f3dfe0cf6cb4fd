import * as fs from "fs";
import * as path from "path";
import { ChartData, checkValues, chartsDir, findChart, ValuesFinding } from "./chart-values";
import type { PlatformConfig } from "./schema/platform";

/**
 * The chart checks of the config loader, for what a user may change about a chart: `platform.<add-on>.version` must be
 * the version charts.lock.json pins (the values check and every review read that version's files), and the free-form
 * `platform.<add-on>.values` must be keys the chart has and values its values.schema.json accepts, so a typo fails
 * the synth in one line instead of being ignored by Helm at apply.
 */

/** The add-ons of the `platform:` section, by their config key. */
export type ChartAddOnName = Exclude<keyof PlatformConfig, "storageClass">;

/** The chart each add-on installs (constructs/addons/<add-on>.ts says the same; a test keeps them in step). */
export const ADD_ON_CHARTS: Readonly<Record<ChartAddOnName, string>> = {
  awsLoadBalancerController: "aws-load-balancer-controller",
  clusterAutoscaler: "cluster-autoscaler",
  metricsServer: "metrics-server",
  certManager: "cert-manager",
  externalDns: "external-dns",
  kubePrometheusStack: "kube-prometheus-stack",
  externalSecrets: "external-secrets",
  fluentBit: "fluent-bit",
  elasticsearch: "eck-operator",
  argoCd: "argo-cd",
  opentelemetryCollector: "opentelemetry-collector",
  argoRollouts: "argo-rollouts",
  argocdImageUpdater: "argocd-image-updater",
  vault: "vault",
  velero: "velero",
  kyverno: "kyverno",
  karpenter: "karpenter",
};

/**
 * Maps whose defaults have entries but which the chart documents as free-form: argo-cd's configs.cm is the argocd-cm
 * ConfigMap, where every Argo CD setting (oidc.config, url ...) is a key; a nodeSelector defaulting to
 * `kubernetes.io/os: linux` is still a pod's label selector, any label may be added. Also keys the chart's template
 * reads but values.yaml only shows in a comment (grafana's `# storageClassName: default`, read by its StatefulSet's
 * volumeClaimTemplates at grafana 12.11.1).
 */
export const DOCUMENTED_OPEN_MAPS: Readonly<Record<string, readonly string[]>> = {
  "argo-cd": ["configs.cm", "global.nodeSelector"],
  "cert-manager": ["nodeSelector", "webhook.nodeSelector", "cainjector.nodeSelector", "startupapicheck.nodeSelector"],
  "kube-prometheus-stack": ["grafana.persistence.storageClassName"],
  karpenter: ["nodeSelector"],
  // opentelemetry-collector's `config` is the collector's own configuration file (any receiver, exporter, processor);
  // podDisruptionBudget's minAvailable/maxUnavailable are documented as comments and read by templates/pdb.yaml.
  "opentelemetry-collector": ["config", "podDisruptionBudget"],
};

export const LOCK_FILE = "charts.lock.json";

export interface LockedVersion {
  readonly chart: string;
  readonly version: string;
}

/** The repository's root: the folder above this module (config/ or dist/config/) that holds charts.lock.json. */
export function chartsRoot(from: string = __dirname): string {
  for (let dir = from; ; dir = path.dirname(dir)) {
    if (fs.existsSync(path.join(dir, LOCK_FILE))) return dir;
    if (path.dirname(dir) === dir) throw new Error(`${LOCK_FILE} not found in ${from} or any folder above it`);
  }
}

/** The version charts.lock.json pins for each chart. */
export function lockedVersions(root: string = chartsRoot()): ReadonlyMap<string, string> {
  const lock = JSON.parse(fs.readFileSync(path.join(root, LOCK_FILE), "utf8")) as { charts: LockedVersion[] };
  return new Map(lock.charts.map((entry) => [entry.chart, entry.version]));
}

/** A chart problem, located below `platform` in the environment's file. */
export interface ChartProblem {
  readonly location: string;
  readonly message: string;
}

const addOnNames = Object.keys(ADD_ON_CHARTS) as ChartAddOnName[];

/** `platform.<add-on>.version` overrides that charts.lock.json does not pin, one problem each. */
export function checkChartVersions(platform: PlatformConfig, locked: ReadonlyMap<string, string>): ChartProblem[] {
  const problems: ChartProblem[] = [];
  for (const name of addOnNames) {
    const version = platform[name].version;
    const chart = ADD_ON_CHARTS[name];
    const pinned = locked.get(chart);
    if (version === undefined || version === pinned) continue;
    problems.push({
      location: `platform.${name}.version`,
      message:
        `"${version}" is not the version ${LOCK_FILE} pins for the ${chart} chart ("${pinned ?? "none"}"), so its values cannot be checked; ` +
        `to install ${version}, set the ${chart} entry's "version" to "${version}" and its "files" to {} in ${LOCK_FILE}, then run npm run charts:pull (it pins the new files' sha256)`,
    });
  }
  return problems;
}

/** Chart data by folder, chart and version: each environment of a synth with values reads the same files. */
const charts = new Map<string, ReturnType<typeof findChart>>();

function chartAt(dir: string, chart: string, version: string): ReturnType<typeof findChart> {
  const key = [dir, chart, version].join("\0");
  const found = charts.get(key) ?? findChart(dir, chart, version);
  // A missing chart is looked up again next time: `npm run charts:pull` may have run in between (a long-lived process).
  if (!("missing" in found)) charts.set(key, found);
  return found;
}

/** One line for a finding of the values check, below `platform.<add-on>.values`. */
function describeFinding(name: ChartAddOnName, chart: ChartData, finding: ValuesFinding): ChartProblem {
  const location = `platform.${name}.values${finding.path ? `.${finding.path}` : ""}`;
  const of = `the ${chart.name} ${chart.version} chart`;
  if (finding.kind === "unknown-key") {
    const key = finding.path.split(".").at(-1) ?? finding.path;
    const hint = finding.suggestion ? ` (did you mean "${finding.suggestion}"?)` : "";
    return { location, message: `"${key}" is not a value of ${of}: its values.yaml and values.schema.json have no such key${hint}` };
  }
  if (finding.kind === "not-a-map") return { location, message: `${finding.message} in ${of}` };
  return { location, message: `${finding.message} (values.schema.json of ${of})` };
}

/**
 * The free-form values of every add-on checked against its chart at the version it installs (the override, else the
 * locked one): unknown keys with the closest real one, and what the chart's schema refuses that the chart's own
 * defaults do not (the project's values are checked by the tests; these are the user's). Without chart data (a fresh
 * clone before `npm run charts:pull`) values cannot be checked, which is one problem per add-on that has values.
 */
export function checkChartValues(platform: PlatformConfig, locked: ReadonlyMap<string, string>, root: string = chartsRoot()): ChartProblem[] {
  const problems: ChartProblem[] = [];
  const dir = chartsDir(root);
  for (const name of addOnNames) {
    const values = platform[name].values;
    if (Object.keys(values).length === 0) continue;
    const chartName = ADD_ON_CHARTS[name];
    const version = platform[name].version ?? locked.get(chartName);
    // An override the lock does not pin is named by checkChartVersions; its files are not there to check against.
    if (version === undefined || version !== locked.get(chartName)) continue;
    const found = chartAt(dir, chartName, version);
    if ("missing" in found) {
      problems.push({ location: `platform.${name}.values`, message: `cannot be checked against the chart: ${found.missing}` });
      continue;
    }
    const openPaths = DOCUMENTED_OPEN_MAPS[chartName] ?? [];
    const defaultsOnly = new Set(checkValues(found.chart, {}, openPaths).problems);
    const report = checkValues(found.chart, values, openPaths);
    report.findings.forEach((finding, index) => {
      if (finding.kind === "schema" && defaultsOnly.has(report.problems[index] ?? "")) return;
      problems.push(describeFinding(name, found.chart, finding));
    });
  }
  return problems;
}
