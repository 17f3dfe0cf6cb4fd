import { WorkloadRole } from "../iam/workload-role";
import { AddOn, placement, RESTRICTED_CONTAINER, replicas, containerResources, restrictedPod, topologySpread } from "./add-on";

/** The collector's service account; its IRSA role may write traces to X-Ray and nothing else. */
const SERVICE_ACCOUNT = "opentelemetry-collector";

/**
 * OpenTelemetry Collector (upstream chart, contrib image: the core image has no `awsxray` exporter): receives OTLP
 * from the application (`OTEL_EXPORTER_OTLP_ENDPOINT` of the Rollout: http://opentelemetry-collector.opentelemetry.svc:4318)
 * and exports traces to AWS X-Ray with an IRSA role. X-Ray over Tempo: nothing stateful to run, size and back up in
 * the cluster (Tempo needs object storage, its own role and a Grafana datasource), traces sit next to the
 * CloudWatch logs and alarms, and the cost follows the traffic.
 */
export const opentelemetryCollector: AddOn<"opentelemetryCollector", WorkloadRole> = {
  name: "opentelemetryCollector",
  releaseName: "opentelemetry-collector",
  chart: { chart: "opentelemetry-collector", repository: "https://open-telemetry.github.io/opentelemetry-helm-charts", version: "0.170.0" },
  namespace: "opentelemetry",
  podSecurity: { level: "restricted" },
  resources(context) {
    return context.irsaRole(SERVICE_ACCOUNT, [
      {
        Effect: "Allow",
        // X-Ray has no resource-level permissions: these actions only ever take "*".
        Action: ["xray:PutTraceSegments", "xray:PutTelemetryRecords", "xray:GetSamplingRules", "xray:GetSamplingTargets", "xray:GetSamplingStatisticSummaries"],
        Resource: "*",
      },
    ]);
  },
  values(context, role) {
    const otlpOnly = { enabled: false };
    return {
      mode: "deployment",
      image: { repository: "otel/opentelemetry-collector-contrib" },
      replicaCount: replicas(context),
      ...placement(context, "system"),
      serviceAccount: { create: true, name: SERVICE_ACCOUNT, annotations: role.serviceAccountAnnotations, automountServiceAccountToken: false },
      // Only OTLP is received; the chart's Jaeger and Zipkin ports stay closed.
      ports: { "jaeger-compact": otlpOnly, "jaeger-thrift": otlpOnly, "jaeger-grpc": otlpOnly, zipkin: otlpOnly },
      config: {
        receivers: { jaeger: null, zipkin: null, prometheus: null },
        exporters: { debug: null, awsxray: { region: context.location.region } },
        service: {
          pipelines: {
            logs: null,
            metrics: null,
            traces: { receivers: ["otlp"], processors: ["memory_limiter", "batch"], exporters: ["awsxray"] },
          },
        },
      },
      // memory_limiter's percentages are of this limit.
      resources: containerResources("100m", "256Mi", "512Mi"),
      podSecurityContext: restrictedPod(10001),
      securityContext: RESTRICTED_CONTAINER,
      podDisruptionBudget: { enabled: context.production, minAvailable: 1 },
      topologySpreadConstraints: topologySpread(context, { "app.kubernetes.io/name": "opentelemetry-collector" }),
    };
  },
};
