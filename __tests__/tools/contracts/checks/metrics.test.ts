import { metricsContractOf, selectorsOf } from "../../../../tools/contracts/checks/metrics";
import { object, system } from "../fixtures/system";

/** What a small application states it exports: a counter and a histogram. */
const EXPORTED = [
  { name: "http_requests_total", type: "counter", labels: ["method", "route", "status"] },
  { name: "http_request_duration_seconds", type: "histogram", labels: ["method", "route", "status"] },
];
const contract = metricsContractOf(() => EXPORTED);

function build(expressions: string[]) {
  return system({
    objects: [
      object("gitops:overlays/test", "ServiceMonitor", "web", "web", { spec: { podTargetLabels: ["rollouts-pod-template-hash"] } }, "monitoring.coreos.com/v1"),
      object(
        "gitops:overlays/test",
        "PrometheusRule",
        "web",
        "web",
        { spec: { groups: [{ name: "web", rules: expressions.map((expr, index) => ({ alert: `A${index}`, expr })) }] } },
        "monitoring.coreos.com/v1",
      ),
      object(
        "gitops:overlays/test",
        "AnalysisTemplate",
        "web",
        "web",
        {
          spec: {
            metrics: [
              {
                name: "rate",
                provider: { prometheus: { query: 'sum(rate(http_requests_total{namespace="web", rollouts_pod_template_hash="{{args.hash}}"}[1m]))' } },
              },
            ],
          },
        },
        "argoproj.io/v1alpha1",
      ),
    ],
  });
}

describe("the metrics contract", () => {
  it("passes queries of exported series and labels, histogram series, scrape labels and the ServiceMonitor's pod labels; cluster metrics are not the app's", () => {
    const result = contract.check(
      build([
        'sum(rate(http_requests_total{namespace="web", status=~"5.."}[5m]))',
        'histogram_quantile(0.99, sum by (le) (rate(http_request_duration_seconds_bucket{namespace="web", le!=""}[5m])))',
        'increase(kube_pod_container_status_restarts_total{namespace="web", container="web"}[15m])',
      ]),
    );
    expect(result.findings).toEqual([]);
    expect(result.checked).toBe(3);
  });

  it("names a metric the application does not export and a label its series do not carry", () => {
    const result = contract.check(build(['sum(rate(http_errors_total{namespace="web"}[5m]))', 'sum(rate(http_requests_total{code=~"5.."}[5m]))']));
    expect(result.findings.map((finding) => [finding.consumer, finding.reference])).toEqual([
      ["PrometheusRule web/web (gitops:overlays/test)", "metric http_errors_total"],
      ["PrometheusRule web/web (gitops:overlays/test)", "label code of http_requests_total"],
    ]);
  });

  it("reads selectors with Argo CD's {{args}} placeholders as values", () => {
    expect(selectorsOf('rate(x_total{a="{{args.b}}", c!~"d"}[1m]) / y')).toEqual([{ metric: "x_total", labels: ["a", "c"] }]);
  });
});
