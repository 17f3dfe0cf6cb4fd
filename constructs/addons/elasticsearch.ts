import { AddOn, AddOnContext, KubernetesObject, placement, resources, topologySpread } from "./add-on";

/** Name of the Elasticsearch cluster; ECK derives its Secrets and Services from it (`<name>-es-http` ...). */
export const ELASTICSEARCH_NAME = "elasticsearch";
/** Fluent Bit's namespace: Elasticsearch and Kibana run there, so Fluent Bit can read ECK's `elastic` secret and CA. */
export const LOGGING_NAMESPACE = "logging";

function elasticsearchCluster(context: AddOnContext<"elasticsearch">): KubernetesObject {
  const { settings } = context;
  const labels = { "elasticsearch.k8s.elastic.co/cluster-name": ELASTICSEARCH_NAME };
  return {
    apiVersion: "elasticsearch.k8s.elastic.co/v1",
    kind: "Elasticsearch",
    metadata: { name: ELASTICSEARCH_NAME, namespace: LOGGING_NAMESPACE },
    spec: {
      version: settings.stackVersion,
      nodeSets: [
        {
          name: "default",
          count: settings.nodes,
          // Without mmap, ECK needs no privileged init container to raise vm.max_map_count on the node.
          config: { "node.store.allow_mmap": false },
          podTemplate: {
            spec: {
              ...placement(context, "stateful"),
              containers: [{ name: "elasticsearch", resources: resources("500m", "4Gi") }],
              topologySpreadConstraints: topologySpread(context, labels),
            },
          },
          volumeClaimTemplates: [
            {
              metadata: { name: "elasticsearch-data" },
              spec: {
                accessModes: ["ReadWriteOnce"],
                resources: { requests: { storage: settings.storageSize } },
                ...(context.storageClassName ? { storageClassName: context.storageClassName } : {}),
              },
            },
          ],
        },
      ],
    },
  };
}

/**
 * The ECK operator, and through it an Elasticsearch cluster and Kibana for searching logs (the maintained successor
 * of elastic's deprecated elasticsearch and kibana charts). Off unless the config enables it.
 */
export const elasticsearch: AddOn<"elasticsearch"> = {
  name: "elasticsearch",
  releaseName: "eck-operator",
  chart: { chart: "eck-operator", repository: "https://helm.elastic.co", version: "3.5.0" },
  namespace: "elastic-system",
  podSecurity: {
    level: "baseline",
    reason: "the eck-operator chart sets no seccomp profile and its values.yaml declares no key to add one (restricted requires it)",
  },
  values(context) {
    return {
      installCRDs: true,
      ...placement(context, "system"),
      managedNamespaces: [LOGGING_NAMESPACE],
      priorityClassName: "system-cluster-critical",
      resources: resources("100m", "256Mi", "1Gi"),
    };
  },
  manifests(context) {
    return [
      elasticsearchCluster(context),
      {
        apiVersion: "kibana.k8s.elastic.co/v1",
        kind: "Kibana",
        metadata: { name: "kibana", namespace: LOGGING_NAMESPACE },
        spec: {
          version: context.settings.stackVersion,
          count: context.production ? 2 : 1,
          elasticsearchRef: { name: ELASTICSEARCH_NAME },
          podTemplate: { spec: { ...placement(context, "system"), containers: [{ name: "kibana", resources: resources("200m", "1Gi") }] } },
        },
      },
    ];
  },
};
