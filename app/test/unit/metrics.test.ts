import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, it } from "node:test";
import { Metrics } from "../../src/metrics";

const appRoot = path.resolve(__dirname, "..", "..", "..");
const declared = JSON.parse(readFileSync(path.join(appRoot, "metrics.json"), "utf8")) as { metrics: Array<{ name: string; type: string; labels: string[] }> };

/** Series a family exposes: histograms add _bucket, _sum and _count. */
function seriesNames(): Set<string> {
  const names = new Set<string>();
  for (const metric of declared.metrics) {
    names.add(metric.name);
    if (metric.type === "histogram") for (const suffix of ["_bucket", "_sum", "_count"]) names.add(metric.name + suffix);
  }
  return names;
}

describe("exported metrics", () => {
  it("are exactly the ones metrics.json states", async () => {
    const metrics = new Metrics();
    const exported = (await metrics.registry.getMetricsAsJSON())
      .map((metric) => ({
        name: metric.name,
        type: String(metric.type),
        labels: [...((metrics.registry.getSingleMetric(metric.name) as unknown as { labelNames?: string[] }).labelNames ?? [])],
      }))
      .sort((a, b) => a.name.localeCompare(b.name));
    assert.deepEqual(exported, declared.metrics);
  });

  it("include every application metric the alert rules and the blue-green analysis query", () => {
    const gitops = path.resolve(appRoot, "..", "gitops", "base");
    const queries = ["prometheus-rule.yaml", "analysis-template.yaml"].map((file) => readFileSync(path.join(gitops, file), "utf8")).join("\n");
    // Metrics of the cluster (kube-state-metrics, cAdvisor) are not the app's to export.
    const fromCluster = /^(kube_|container_|node_|kubelet_|up$|ALERTS)/;
    const used = new Set(
      [...queries.matchAll(/\b([a-z_][a-z0-9_]*)\{(?!\{)/g)]
        .map((match) => match[1] ?? "")
        .filter((name) => !fromCluster.test(name) && !["by", "sum", "rate", "increase", "histogram_quantile", "without"].includes(name)),
    );
    assert.ok(used.has("http_requests_total"));
    const missing = [...used].filter((name) => !seriesNames().has(name));
    assert.deepEqual(missing, []);
  });

  it("label each request by route template and status, as `status` and as `code`", async () => {
    const metrics = new Metrics();
    metrics.observeRequest("GET", "/users/:id", 503, 0.2);
    const text = await metrics.registry.metrics();
    assert.match(text, /^http_requests_total\{method="GET",route="\/users\/:id",status="503",code="503"\} 1$/m);
    assert.match(text, /^http_request_duration_seconds_bucket\{le="0.25",method="GET",route="\/users\/:id",status="503",code="503"\} 1$/m);
  });
});
