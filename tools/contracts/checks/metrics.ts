import * as fs from "fs";
import * as path from "path";
import { REPO_ROOT } from "../../lib/repo";
import type { Contract, ObjectModel, SystemModel } from "../types";
import { asArray, asString, valueAt } from "../values";
import { Findings, listOrNothing, objectLabel, objectsOfKind } from "./common";

/** What the application states it exports (`app/metrics.json`, kept equal to its registry by the app's own test). */
export interface ExportedMetric {
  readonly name: string;
  readonly type: string;
  readonly labels: readonly string[];
}

export function readExportedMetrics(file = path.join(REPO_ROOT, "app", "metrics.json")): ExportedMetric[] {
  return (JSON.parse(fs.readFileSync(file, "utf8")) as { metrics: ExportedMetric[] }).metrics;
}

/** Series come from the cluster's exporters (kube-state-metrics, cAdvisor, node-exporter), not from the application. */
const CLUSTER_METRIC = /^(kube_|container_|node_|kubelet_|apiserver_|up$|ALERTS)/;
/** Labels Prometheus adds when it scrapes a target, and the pod labels the ServiceMonitors copy (`podTargetLabels`). */
const TARGET_LABELS = ["namespace", "pod", "service", "endpoint", "job", "instance", "container"];

/** `name{label op "value", ...}` selectors in a PromQL expression (Argo's `{{args.x}}` placeholders are values). */
export function selectorsOf(expression: string): { metric: string; labels: string[] }[] {
  const selectors: { metric: string; labels: string[] }[] = [];
  for (const match of expression.matchAll(/\b([a-zA-Z_:][a-zA-Z0-9_:]*)\s*\{((?:[^{}]|\{\{[^}]*\}\})*)\}/g)) {
    const [, metric = "", body = ""] = match;
    const labels = [...body.matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)\s*(=~|!~|!=|=)/g)].flatMap((label) => label.slice(1, 2));
    selectors.push({ metric, labels });
  }
  return selectors;
}

/** Series a metric family exposes: histograms add `_bucket` (with `le`), `_sum` and `_count`. */
function seriesOf(metrics: readonly ExportedMetric[]): Map<string, Set<string>> {
  const series = new Map<string, Set<string>>();
  for (const metric of metrics) {
    series.set(metric.name, new Set(metric.labels));
    if (metric.type === "histogram") {
      series.set(`${metric.name}_bucket`, new Set([...metric.labels, "le"]));
      for (const suffix of ["_sum", "_count"]) series.set(metric.name + suffix, new Set(metric.labels));
    }
  }
  return series;
}

function queriesOf({ object }: ObjectModel): string[] {
  if (object.kind === "PrometheusRule") {
    return asArray(valueAt(object, "spec.groups")).flatMap((group) => asArray(valueAt(group, "rules")).map((rule) => asString(valueAt(rule, "expr")) ?? ""));
  }
  return asArray(valueAt(object, "spec.metrics")).map((metric) => asString(valueAt(metric, "provider.prometheus.query")) ?? "");
}

/** The contract over `exported` (the app's statement); the registry uses the shipped `app/metrics.json`. */
export function metricsContractOf(exported: () => readonly ExportedMetric[]): Contract {
  return {
    name: "metrics",
    description:
      "every application metric and label a PrometheusRule or AnalysisTemplate of gitops/ queries is one the application exports (or a scrape label)",
    check(model: SystemModel) {
      const findings = new Findings("metrics");
      const series = seriesOf(exported());
      const podTargetLabels = objectsOfKind(model, "ServiceMonitor")
        .filter(({ source }) => source.startsWith("gitops:"))
        .flatMap(({ object }) => asArray(valueAt(object, "spec.podTargetLabels")).map((label) => String(label).replace(/[^a-zA-Z0-9_]/g, "_")));
      let checked = 0;
      for (const entry of objectsOfKind(model, "PrometheusRule", "AnalysisTemplate").filter(({ source }) => source.startsWith("gitops:"))) {
        for (const { metric, labels } of queriesOf(entry).flatMap(selectorsOf)) {
          if (CLUSTER_METRIC.test(metric)) continue;
          checked++;
          const known = series.get(metric);
          if (!known) {
            findings.add(objectLabel(entry), `metric ${metric}`, `the application exports: ${listOrNothing([...series.keys()], 12)}`);
            continue;
          }
          for (const label of labels.filter(
            (candidate) => !known.has(candidate) && !TARGET_LABELS.includes(candidate) && !podTargetLabels.includes(candidate),
          )) {
            findings.add(
              objectLabel(entry),
              `label ${label} of ${metric}`,
              `its labels: ${listOrNothing([...known, ...TARGET_LABELS, ...podTargetLabels], 20)}`,
            );
          }
        }
      }
      return { checked, findings: findings.list };
    },
  };
}

export const metricsContract = metricsContractOf(() => readExportedMetrics());
