import { ALERT_SEVERITIES, DEFAULT_SEVERITIES, type PlatformConfig } from "../../config/schema/platform";
import { AddOn, AddOnContext, placement, replicas, containerResources, topologySpread, Values } from "./add-on";

/** Where Alertmanager finds each receiver's URL or key: one file per receiver, from that receiver's own Secret. */
const RECEIVER_SECRET_DIR = "/etc/alertmanager/receivers";
export const GRAFANA_ADMIN_SECRET = "grafana-admin";

/** The Kubernetes Secret of one receiver; each has its own, so a receiver whose value is not yet put blocks no other. */
export function receiverSecret(receiver: { readonly name: string }): string {
  return `alertmanager-receiver-${receiver.name}`;
}

type Receiver = PlatformConfig["kubePrometheusStack"]["alertmanager"]["receivers"][number];
export type Severity = (typeof ALERT_SEVERITIES)[number];

/** The receiver that drops what it gets; Alertmanager still shows the alert in its UI and API. */
export const NULL_RECEIVER = "null";

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
    case "email": {
      const email = receiver.email!;
      return {
        name: receiver.name,
        email_configs: [
          {
            to: email.to.join(", "),
            from: email.from,
            smarthost: email.smarthost,
            auth_username: email.username ?? email.from,
            auth_password_file: file,
            require_tls: true,
            send_resolved: true,
          },
        ],
      };
    }
  }
}

/**
 * Which receivers get alerts of `severity`: those whose severities include it. When none does, a critical alert goes
 * to every receiver there is (any channel beats none), a warning to every receiver that does not page; with no
 * receiver at all, the null receiver (Alertmanager loads either way, and the alert stays visible in its UI).
 */
export function receiversFor(receivers: readonly Receiver[], severity: Severity): string[] {
  const severitiesOf = (receiver: Receiver) => receiver.severities ?? DEFAULT_SEVERITIES[receiver.type];
  const intended = receivers.filter((receiver) => severitiesOf(receiver).includes(severity));
  const fallback = severity === "critical" ? receivers : receivers.filter((receiver) => receiver.type !== "pagerduty");
  const chosen = intended.length > 0 ? intended : fallback;
  return chosen.length > 0 ? chosen.map((receiver) => receiver.name) : [NULL_RECEIVER];
}

/**
 * Routes by severity: one route per (severity, receiver), each with `continue` so an alert reaches every receiver of
 * its severity. Watchdog, which fires all the time to prove the pipeline works, and info-level alerts go nowhere.
 */
function alertmanagerConfig(receivers: Receiver[]): Values {
  return {
    route: {
      receiver: NULL_RECEIVER,
      group_by: ["alertname", "namespace"],
      routes: [
        { receiver: NULL_RECEIVER, matchers: ['alertname = "Watchdog"'] },
        ...ALERT_SEVERITIES.flatMap((severity) =>
          receiversFor(receivers, severity).map((receiver) => ({ receiver, matchers: [`severity = "${severity}"`], continue: true })),
        ),
      ],
    },
    receivers: [{ name: NULL_RECEIVER }, ...receivers.map(receiverConfig)],
  };
}

/** Alerts the platform team needs on every cluster, on top of the chart's default rules. */
export const PLATFORM_ALERTS = [
  {
    alert: "NodeCpuHigh",
    expr: '1 - avg by (instance) (rate(node_cpu_seconds_total{mode="idle"}[5m])) > 0.9',
    for: "15m",
    severity: "warning",
    summary: "Node {{ $labels.instance }} has used more than 90% CPU for 15 minutes.",
  },
  {
    alert: "NodeMemoryHigh",
    expr: "1 - node_memory_MemAvailable_bytes / node_memory_MemTotal_bytes > 0.9",
    for: "15m",
    severity: "warning",
    summary: "Node {{ $labels.instance }} has used more than 90% of its memory for 15 minutes.",
  },
  {
    alert: "PodRestartingOften",
    expr: "increase(kube_pod_container_status_restarts_total[1h]) > 5",
    for: "5m",
    severity: "warning",
    summary: "Container {{ $labels.container }} of {{ $labels.namespace }}/{{ $labels.pod }} restarted more than 5 times in an hour.",
  },
  {
    alert: "PodNotReady",
    // Only pods that are meant to run: a completed Job pod (the Argo CD backup CronJob's, every day) is not ready by
    // design, and a failed one is KubeJobFailed's business.
    expr: 'sum by (namespace, pod) (kube_pod_status_ready{condition="false"}) > 0 and on (namespace, pod) (sum by (namespace, pod) (kube_pod_status_phase{phase=~"Pending|Running|Unknown"}) > 0)',
    for: "15m",
    severity: "warning",
    summary: "Pod {{ $labels.namespace }}/{{ $labels.pod }} has not been ready for 15 minutes.",
  },
  {
    alert: "HpaAtMaxReplicas",
    expr: "kube_horizontalpodautoscaler_status_current_replicas >= on (namespace, horizontalpodautoscaler) kube_horizontalpodautoscaler_spec_max_replicas",
    for: "15m",
    severity: "warning",
    summary: "HPA {{ $labels.namespace }}/{{ $labels.horizontalpodautoscaler }} has run at its maximum replicas for 15 minutes.",
  },
  {
    alert: "PersistentVolumeAlmostFull",
    expr: "kubelet_volume_stats_available_bytes / kubelet_volume_stats_capacity_bytes < 0.1",
    for: "10m",
    // A full volume stops Prometheus, Vault or Elasticsearch: someone must act now.
    severity: "critical",
    summary: "Volume {{ $labels.namespace }}/{{ $labels.persistentvolumeclaim }} has less than 10% space left.",
  },
] as const;

function platformRules(): Values {
  return {
    "platform-alerts": {
      groups: [
        {
          name: "platform",
          rules: PLATFORM_ALERTS.map(({ alert, expr, for: duration, severity, summary }) => ({
            alert,
            expr,
            for: duration,
            labels: { severity },
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

const MIB_PER_UNIT = { Mi: 1, Gi: 1024, Ti: 1024 * 1024 } as const;

/**
 * Prometheus' size limit for a volume of `size` (a Kubernetes quantity in Mi, Gi or Ti): 85 % of it, in MiB, which
 * leaves room for the WAL and for compaction, which writes a block before deleting the ones it replaces. Time retention
 * alone lets a busy cluster fill the disk; Prometheus then stops ingesting.
 */
export function retentionSizeFor(size: string): string {
  const match = /^(\d+)(Mi|Gi|Ti)$/.exec(size);
  const [, amount, unit] = match ?? [];
  if (amount === undefined || (unit !== "Mi" && unit !== "Gi" && unit !== "Ti")) throw new Error(`retentionSizeFor: "${size}" is not a size in Mi, Gi or Ti`);
  return `${Math.floor(Number(amount) * MIB_PER_UNIT[unit] * 0.85)}MiB`;
}

function volume(context: AddOnContext, size: string): Values {
  return {
    volumeClaimTemplate: {
      spec: {
        ...(context.storageClassName ? { storageClassName: context.storageClassName } : {}),
        accessModes: ["ReadWriteOnce"],
        resources: { requests: { storage: size } },
      },
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
  // Receivers' keys only the user has: each is an empty Secrets Manager container until its owner puts the value.
  secrets(context) {
    return context.settings.alertmanager.receivers.map((receiver) => ({
      name: receiverSecret(receiver),
      namespace: "monitoring",
      data: [{ secretKey: receiver.name, secretName: receiver.secretName }],
    }));
  },
  // Grafana's admin password is generated in the cluster; its copy in Secrets Manager is where people read it.
  generatedSecrets(context) {
    return [
      {
        name: GRAFANA_ADMIN_SECRET,
        namespace: "monitoring",
        secretName: context.settings.grafana.adminSecretName ?? `${context.prefix}/grafana-admin`,
        data: { "admin-user": "admin", "admin-password": "{{ .password }}" },
      },
    ];
  },
  values(context) {
    const { prometheus: prometheusSettings, alertmanager: alertmanagerSettings } = context.settings;
    const prometheus = highlyAvailable(context, "prometheus");
    const alertmanager = highlyAvailable(context, "alertmanager");
    const receivers = alertmanagerSettings.receivers;
    return {
      // EKS runs the control plane: its scheduler, controller manager, etcd and kube-proxy metrics are not scrapable.
      kubeControllerManager: { enabled: false },
      kubeScheduler: { enabled: false },
      kubeEtcd: { enabled: false },
      kubeProxy: { enabled: false },
      additionalPrometheusRulesMap: platformRules(),
      prometheusOperator: {
        resources: containerResources("100m", "256Mi", "512Mi"),
        ...placement(context, "system"),
        admissionWebhooks: { patch: placement(context, "system") },
      },
      prometheus: {
        podDisruptionBudget: prometheus.podDisruptionBudget,
        prometheusSpec: {
          ...prometheus.spec,
          retention: prometheusSettings.retention,
          // Whichever limit is reached first deletes the oldest blocks: the disk never fills.
          retentionSize: retentionSizeFor(prometheusSettings.storageSize),
          storageSpec: volume(context, prometheusSettings.storageSize),
          ...placement(context, "stateful"),
          resources: containerResources("500m", "2Gi", "4Gi"),
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
          // Optional sources: Alertmanager starts (and routes to the other receivers) while a receiver's value is missing;
          // the file appears once External Secrets can read it, and Alertmanager reads it when it sends.
          volumes:
            receivers.length > 0
              ? [{ name: "receivers", projected: { sources: receivers.map((receiver) => ({ secret: { name: receiverSecret(receiver), optional: true } })) } }]
              : [],
          volumeMounts: receivers.length > 0 ? [{ name: "receivers", mountPath: RECEIVER_SECRET_DIR, readOnly: true }] : [],
          storage: volume(context, "10Gi"),
          ...placement(context, "stateful"),
          resources: containerResources("50m", "128Mi", "256Mi"),
        },
      },
      grafana: {
        ...grafanaOnOneVolume(context),
        admin: { existingSecret: GRAFANA_ADMIN_SECRET, userKey: "admin-user", passwordKey: "admin-password" },
        resources: containerResources("100m", "256Mi", "512Mi"),
      },
      "kube-state-metrics": { resources: containerResources("50m", "128Mi", "256Mi"), ...placement(context, "system") },
      "prometheus-node-exporter": { resources: containerResources("50m", "64Mi", "128Mi") },
    };
  },
};
