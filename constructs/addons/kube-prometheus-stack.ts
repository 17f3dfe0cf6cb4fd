import type { PlatformConfig } from "../../config/schema/platform";
import { AddOn, AddOnContext, placement, replicas, resources, topologySpread, Values } from "./add-on";

/** The Kubernetes Secret that holds every receiver's URL or key, mounted into Alertmanager. */
export const RECEIVER_SECRET = "alertmanager-receivers";
export const GRAFANA_ADMIN_SECRET = "grafana-admin";
const RECEIVER_SECRET_DIR = `/etc/alertmanager/secrets/${RECEIVER_SECRET}`;

type Receiver = PlatformConfig["kubePrometheusStack"]["alertmanager"]["receivers"][number];

/** Alertmanager's receiver entry: the secret is read from a mounted file, never written into the config. */
function receiverConfig(receiver: Receiver): Values {
  const file = `${RECEIVER_SECRET_DIR}/${receiver.name}`;
  switch (receiver.type) {
    case "slack":
      return { name: receiver.name, slack_configs: [{ api_url_file: file, channel: receiver.channel, send_resolved: true }] };
    case "pagerduty":
      return { name: receiver.name, pagerduty_configs: [{ routing_key_file: file, send_resolved: true }] };
    case "webhook":
      return { name: receiver.name, webhook_configs: [{ url_file: file, send_resolved: true }] };
  }
}

/**
 * Every receiver gets every warning and critical alert (`continue` lets an alert match all of them); Watchdog, which
 * fires all the time to prove the pipeline works, and info-level alerts go nowhere.
 */
function alertmanagerConfig(receivers: Receiver[]): Values {
  return {
    route: {
      receiver: "null",
      group_by: ["alertname", "namespace"],
      routes: [
        { receiver: "null", matchers: ['alertname = "Watchdog"'] },
        ...receivers.map((receiver) => ({ receiver: receiver.name, matchers: ['severity =~ "warning|critical"'], continue: true })),
      ],
    },
    receivers: [{ name: "null" }, ...receivers.map(receiverConfig)],
  };
}

/** Alerts the platform team needs on every cluster, on top of the chart's default rules. */
export const PLATFORM_ALERTS = [
  {
    alert: "NodeCpuHigh",
    expr: '1 - avg by (instance) (rate(node_cpu_seconds_total{mode="idle"}[5m])) > 0.9',
    for: "15m",
    summary: "Node {{ $labels.instance }} has used more than 90% CPU for 15 minutes.",
  },
  {
    alert: "NodeMemoryHigh",
    expr: "1 - node_memory_MemAvailable_bytes / node_memory_MemTotal_bytes > 0.9",
    for: "15m",
    summary: "Node {{ $labels.instance }} has used more than 90% of its memory for 15 minutes.",
  },
  {
    alert: "PodRestartingOften",
    expr: "increase(kube_pod_container_status_restarts_total[1h]) > 5",
    for: "5m",
    summary: "Container {{ $labels.container }} of {{ $labels.namespace }}/{{ $labels.pod }} restarted more than 5 times in an hour.",
  },
  {
    alert: "PodNotReady",
    expr: 'sum by (namespace, pod) (kube_pod_status_ready{condition="false"}) > 0',
    for: "15m",
    summary: "Pod {{ $labels.namespace }}/{{ $labels.pod }} has not been ready for 15 minutes.",
  },
  {
    alert: "HpaAtMaxReplicas",
    expr:
      "kube_horizontalpodautoscaler_status_current_replicas >= on (namespace, horizontalpodautoscaler) kube_horizontalpodautoscaler_spec_max_replicas",
    for: "15m",
    summary: "HPA {{ $labels.namespace }}/{{ $labels.horizontalpodautoscaler }} has run at its maximum replicas for 15 minutes.",
  },
  {
    alert: "PersistentVolumeAlmostFull",
    expr: "kubelet_volume_stats_available_bytes / kubelet_volume_stats_capacity_bytes < 0.1",
    for: "10m",
    summary: "Volume {{ $labels.namespace }}/{{ $labels.persistentvolumeclaim }} has less than 10% space left.",
  },
] as const;

function platformRules(): Values {
  return {
    "platform-alerts": {
      groups: [
        {
          name: "platform",
          rules: PLATFORM_ALERTS.map(({ alert, expr, for: duration, summary }) => ({
            alert,
            expr,
            for: duration,
            labels: { severity: "warning" },
            annotations: { summary },
          })),
        },
      ],
    },
  };
}

/** A replicated StatefulSet of the operator's (Prometheus, Alertmanager): replicas, PDB and spread for its tier. */
function highlyAvailable(context: AddOnContext, name: string): { spec: Values; podDisruptionBudget: Values } {
  return {
    spec: {
      replicas: replicas(context),
      topologySpreadConstraints: topologySpread(context, { "app.kubernetes.io/name": name }),
    },
    podDisruptionBudget: { enabled: context.production, minAvailable: 1 },
  };
}

function volume(context: AddOnContext, size: string): Values {
  return {
    volumeClaimTemplate: {
      spec: { ...(context.storageClassName ? { storageClassName: context.storageClassName } : {}), accessModes: ["ReadWriteOnce"], resources: { requests: { storage: size } } },
    },
  };
}

/**
 * Grafana keeps users, sessions and preferences in SQLite, so it runs as one StatefulSet replica on a volume (see
 * docs/platform.md); dashboards and data sources are provisioned from code, so the volume holds nothing the platform
 * cannot rebuild. No PodDisruptionBudget: with one replica it would block every node drain.
 */
function grafanaOnOneVolume(context: AddOnContext<"kubePrometheusStack">): Values {
  return {
    replicas: 1,
    persistence: {
      enabled: true,
      type: "sts",
      size: "10Gi",
      ...(context.storageClassName ? { storageClassName: context.storageClassName } : {}),
    },
    // The pod's fsGroup (472) already gives Grafana its volume; the chown init container would run as root.
    initChownData: { enabled: false },
    ...placement(context, "stateful"),
  };
}

/**
 * kube-prometheus-stack: the Prometheus operator, Prometheus (gp3 volume, retention from config, ServiceMonitors and
 * rules from every namespace), Alertmanager (receivers' secrets mounted from Secrets Manager) and Grafana (admin from
 * Secrets Manager), plus the platform's alert rules.
 */
export const kubePrometheusStack: AddOn<"kubePrometheusStack"> = {
  name: "kubePrometheusStack",
  releaseName: "kube-prometheus-stack",
  chart: { chart: "kube-prometheus-stack", repository: "https://prometheus-community.github.io/helm-charts", version: "88.5.3" },
  namespace: "monitoring",
  podSecurity: { level: "privileged", reason: "node-exporter reads the host's /proc and /sys through hostPath with hostNetwork and hostPID" },
  timeoutSeconds: 900,
  secrets(context) {
    const { grafana, alertmanager } = context.settings;
    const receivers = alertmanager.receivers;
    return [
      {
        name: GRAFANA_ADMIN_SECRET,
        namespace: "monitoring",
        data: ["admin-user", "admin-password"].map((key) => ({
          secretKey: key,
          secretName: grafana.adminSecretName ?? `${context.environment.prefix}/grafana-admin`,
          property: key,
        })),
      },
      ...(receivers.length > 0
        ? [{ name: RECEIVER_SECRET, namespace: "monitoring", data: receivers.map((receiver) => ({ secretKey: receiver.name, secretName: receiver.secretName })) }]
        : []),
    ];
  },
  values(context) {
    const { prometheus: prometheusSettings, alertmanager: alertmanagerSettings } = context.settings;
    const prometheus = highlyAvailable(context, "prometheus");
    const alertmanager = highlyAvailable(context, "alertmanager");
    const hasReceivers = alertmanagerSettings.receivers.length > 0;
    return {
      // EKS runs the control plane: its scheduler, controller manager, etcd and kube-proxy metrics are not scrapable.
      kubeControllerManager: { enabled: false },
      kubeScheduler: { enabled: false },
      kubeEtcd: { enabled: false },
      kubeProxy: { enabled: false },
      additionalPrometheusRulesMap: platformRules(),
      prometheusOperator: {
        resources: resources("100m", "256Mi", "512Mi"),
        ...placement(context, "system"),
        admissionWebhooks: { patch: placement(context, "system") },
      },
      prometheus: {
        podDisruptionBudget: prometheus.podDisruptionBudget,
        prometheusSpec: {
          ...prometheus.spec,
          retention: prometheusSettings.retention,
          storageSpec: volume(context, prometheusSettings.storageSize),
          ...placement(context, "stateful"),
          resources: resources("500m", "2Gi", "4Gi"),
          // Select ServiceMonitors, PodMonitors, Probes and rules of every release in every namespace, not only ours.
          serviceMonitorSelectorNilUsesHelmValues: false,
          podMonitorSelectorNilUsesHelmValues: false,
          probeSelectorNilUsesHelmValues: false,
          ruleSelectorNilUsesHelmValues: false,
        },
      },
      alertmanager: {
        podDisruptionBudget: alertmanager.podDisruptionBudget,
        config: alertmanagerConfig(alertmanagerSettings.receivers),
        alertmanagerSpec: {
          ...alertmanager.spec,
          secrets: hasReceivers ? [RECEIVER_SECRET] : [],
          storage: volume(context, "10Gi"),
          ...placement(context, "stateful"),
          resources: resources("50m", "128Mi", "256Mi"),
        },
      },
      grafana: {
        ...grafanaOnOneVolume(context),
        admin: { existingSecret: GRAFANA_ADMIN_SECRET, userKey: "admin-user", passwordKey: "admin-password" },
        resources: resources("100m", "256Mi", "512Mi"),
      },
      "kube-state-metrics": { resources: resources("50m", "128Mi", "256Mi"), ...placement(context, "system") },
      "prometheus-node-exporter": { resources: resources("50m", "64Mi", "128Mi") },
    };
  },
};
