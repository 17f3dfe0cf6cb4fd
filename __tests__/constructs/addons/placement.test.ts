import { EnvironmentConfig } from "../../../config";
import { shippedEnvironments } from "../../support/environments";
import { Json, synthPlatform } from "../../support/platform";

const EFFECTS: Record<string, string> = { NO_SCHEDULE: "NoSchedule", NO_EXECUTE: "NoExecute", PREFER_NO_SCHEDULE: "PreferNoSchedule" };

/** What a pod on `pool` must carry: the pool's labels and on-demand capacity selected, every taint of the pool tolerated. */
function expectOnPool(environment: EnvironmentConfig, pool: "system" | "stateful", podSpec: Json | undefined, where: string): void {
  const group = environment.cluster.nodeGroups[pool];
  expect({ where, nodeSelector: podSpec?.nodeSelector }).toEqual({
    where,
    nodeSelector: expect.objectContaining({ ...group.labels, "eks.amazonaws.com/capacityType": "ON_DEMAND" }),
  });
  for (const taint of group.taints) {
    expect({ where, tolerations: podSpec?.tolerations }).toEqual({
      where,
      tolerations: expect.arrayContaining([{ key: taint.key, operator: "Equal", value: taint.value, effect: EFFECTS[taint.effect] }]),
    });
  }
}

describe.each(shippedEnvironments().map((environment) => [environment.name, environment] as const))("placement of %s's add-ons", (_name, environment) => {
  const platform = synthPlatform(environment);
  const enabled = (name: keyof EnvironmentConfig["platform"]) => environment.platform[name].enabled;

  it("keeps the stateful pool's own taints on it: the config taints it", () => {
    expect(environment.cluster.nodeGroups.stateful.taints.length).toBeGreaterThan(0);
    expect(environment.cluster.nodeGroups.stateless.taints.length).toBeGreaterThan(0);
  });

  it("runs Vault's Raft servers only on on-demand stateful nodes", () => {
    if (!enabled("vault")) return;
    expectOnPool(environment, "stateful", platform.values("vault").server, "vault server");
  });

  it("runs Prometheus, Alertmanager and Grafana (each with a volume) on stateful nodes, the operator and kube-state-metrics on system nodes", () => {
    if (!enabled("kubePrometheusStack")) return;
    const values = platform.values("kube-prometheus-stack");
    expectOnPool(environment, "stateful", values.prometheus.prometheusSpec, "prometheus");
    expectOnPool(environment, "stateful", values.alertmanager.alertmanagerSpec, "alertmanager");
    expectOnPool(environment, "stateful", values.grafana, "grafana");
    expectOnPool(environment, "system", values.prometheusOperator, "prometheus-operator");
    expectOnPool(environment, "system", values.prometheusOperator.admissionWebhooks.patch, "admission webhook patch job");
    expectOnPool(environment, "system", values["kube-state-metrics"], "kube-state-metrics");
  });

  it("runs Grafana as one replica on its own volume, with no disruption budget to block drains", () => {
    if (!enabled("kubePrometheusStack")) return;
    const { grafana } = platform.values("kube-prometheus-stack");
    expect(grafana.replicas).toBe(1);
    expect(grafana.persistence).toMatchObject({ enabled: true, type: "sts" });
    expect(grafana.podDisruptionBudget).toBeUndefined();
  });

  it("runs Elasticsearch's data nodes on stateful nodes and Kibana and the operator on system nodes", () => {
    if (!enabled("elasticsearch")) return;
    const [cluster] = platform.manifests("eck-operator-config").filter((object) => object.kind === "Elasticsearch");
    for (const nodeSet of cluster.spec.nodeSets as Json[]) expectOnPool(environment, "stateful", nodeSet.podTemplate.spec, `elasticsearch ${nodeSet.name}`);
    const [kibana] = platform.manifests("eck-operator-config").filter((object) => object.kind === "Kibana");
    expectOnPool(environment, "system", kibana.spec.podTemplate.spec, "kibana");
    expectOnPool(environment, "system", platform.values("eck-operator"), "eck-operator");
  });

  it("runs the controllers on system nodes, at the paths their charts read", () => {
    const at: [keyof EnvironmentConfig["platform"], string, (values: Json) => Json[]][] = [
      ["awsLoadBalancerController", "aws-load-balancer-controller", (values) => [values]],
      ["clusterAutoscaler", "cluster-autoscaler", (values) => [values]],
      ["karpenter", "karpenter", (values) => [values]],
      ["metricsServer", "metrics-server", (values) => [values]],
      ["certManager", "cert-manager", (values) => [values, values.webhook, values.cainjector, values.startupapicheck]],
      ["externalDns", "external-dns", (values) => [values]],
      ["externalSecrets", "external-secrets", (values) => [values, values.webhook, values.certController]],
      ["argoCd", "argo-cd", (values) => [values.global, ...(environment.isProduction ? [values["redis-ha"]] : [])]],
      ["argoRollouts", "argo-rollouts", (values) => [values.controller]],
      ["argocdImageUpdater", "argocd-image-updater", (values) => [values]],
    ];
    // The autoscaler the cluster section chose is installed, the other one not.
    const otherAutoscaler = environment.cluster.autoscaler === "karpenter" ? "clusterAutoscaler" : "karpenter";
    for (const [name, release, paths] of at) {
      if (!enabled(name) || name === otherAutoscaler) continue;
      paths(platform.values(release)).forEach((podSpec, index) => expectOnPool(environment, "system", podSpec, `${release}[${index}]`));
    }
  });
});
