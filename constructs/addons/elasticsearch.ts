import { createHash } from "crypto";
import { DataResource, Fn, Token } from "cdktf";
import { AddOn, AddOnContext, KubernetesObject, placement, containerResources, RESTRICTED_CONTAINER, restrictedPod, topologySpread } from "./add-on";

/** Name of the Elasticsearch cluster; ECK derives its Secrets and Services from it (`<name>-es-http` ...). */
export const ELASTICSEARCH_NAME = "elasticsearch";
/** Fluent Bit's namespace: Elasticsearch and Kibana run there, so Fluent Bit can read ECK's `elastic` secret and CA. */
export const LOGGING_NAMESPACE = "logging";

/** Fluent Bit's own Elasticsearch user (ECK file realm) and the Secret holding it, in the logging namespace. */
export const FLUENT_BIT_ES_USER = "fluent-bit";
export const FLUENT_BIT_ES_USER_SECRET = "fluent-bit-es-user";
export const FLUENT_BIT_ES_ROLE = "fluent_bit_writer";
const ROLES_SECRET = "elasticsearch-roles";
/** The indices Fluent Bit writes (its es output's Logstash_Format: one index per day). */
export const LOG_INDEX_PATTERN = "logstash-*";
export const LOG_LIFECYCLE_POLICY = "logs-retention";
/**
 * The index template binding the policy to the log indices. Not `logs`: that is one of Elasticsearch's built-in
 * templates, which its template registry re-installs over a same-named template without its `version`, dropping the
 * lifecycle setting.
 */
export const LOG_INDEX_TEMPLATE = "platform-logs";
/** Elasticsearch's own index templates (the stack template registry); a platform template must use none of these names. */
export const BUILT_IN_INDEX_TEMPLATES = ["logs", "metrics", "synthetics", "traces", "profiling", "ilm-history", "slm-history", "logs-otel", "metrics-otel"];

/**
 * Fluent Bit may create and write log indices and nothing else: no reads, no deletes, no cluster settings
 * (Elasticsearch's security privileges: create_doc appends only; auto_configure lets the first write create the day's
 * index and its mapping).
 */
export function fluentBitRole(): Record<string, unknown> {
  return {
    [FLUENT_BIT_ES_ROLE]: {
      cluster: ["monitor"],
      indices: [{ names: [LOG_INDEX_PATTERN], privileges: ["create_doc", "create_index", "auto_configure"] }],
    },
  };
}

/** Deletes each day's index `retentionDays` after it was created, so the volumes never fill with old logs. */
export function logLifecyclePolicy(retentionDays: number): Record<string, unknown> {
  return { policy: { phases: { hot: { actions: {} }, delete: { min_age: `${retentionDays}d`, actions: { delete: {} } } } } };
}

/**
 * Objects that give Fluent Bit its own user and apply the lifecycle policy: the roles Secret, the user's basic-auth
 * Secret (password generated once by Terraform and kept in state), and a Job that waits for Elasticsearch and then
 * puts the policy and an index template binding it to the log indices. The Job is a plain object of the release, not
 * a Helm hook: Helm does not wait for it, so a cold cluster that takes long to become ready never fails the release
 * (which `atomic` would uninstall with its data); it retries until Elasticsearch answers. Its name carries a hash of
 * its script: a changed retention is a new Job (a Job's template is immutable).
 */
function logAccess(context: AddOnContext<"elasticsearch">, { fluentBitPassword: password }: ElasticsearchResources): KubernetesObject[] {
  const template = {
    index_patterns: [LOG_INDEX_PATTERN],
    template: { settings: { "index.lifecycle.name": LOG_LIFECYCLE_POLICY } },
    priority: 200,
    _meta: { managed_by: "platform (constructs/addons/elasticsearch.ts)" },
  };
  const api = `https://${ELASTICSEARCH_NAME}-es-http.${LOGGING_NAMESPACE}.svc:9200`;
  const curl = `curl --fail --silent --show-error --max-time 60 --cacert /certs/ca.crt -u "elastic:$ELASTIC_PASSWORD"`;
  const put = (pathName: string, body: unknown) => `${curl} -X PUT -H 'Content-Type: application/json' ${api}/${pathName} -d '${JSON.stringify(body)}'`;
  const script = [
    "set -eu",
    // The CA and password exist once ECK created the cluster; the API answers once a node is up.
    `until [ -s /certs/ca.crt ] && ${curl} -o /dev/null "${api}/_cluster/health?wait_for_status=yellow&timeout=50s"; do echo "waiting for Elasticsearch"; sleep 10; done`,
    put(`_ilm/policy/${LOG_LIFECYCLE_POLICY}`, logLifecyclePolicy(context.settings.retentionDays)),
    put(`_index_template/${LOG_INDEX_TEMPLATE}`, template),
  ].join("\n");
  const version = createHash("sha256").update(script).digest("hex").slice(0, 8);
  return [
    {
      apiVersion: "v1",
      kind: "Secret",
      metadata: { name: ROLES_SECRET, namespace: LOGGING_NAMESPACE },
      stringData: { "roles.yml": JSON.stringify(fluentBitRole()) },
    },
    {
      apiVersion: "v1",
      kind: "Secret",
      type: "kubernetes.io/basic-auth",
      metadata: { name: FLUENT_BIT_ES_USER_SECRET, namespace: LOGGING_NAMESPACE },
      stringData: { username: FLUENT_BIT_ES_USER, password, roles: FLUENT_BIT_ES_ROLE },
    },
    {
      apiVersion: "batch/v1",
      kind: "Job",
      metadata: { name: `elasticsearch-log-lifecycle-${version}`, namespace: LOGGING_NAMESPACE },
      spec: {
        // The script itself waits for Elasticsearch; failures after that (a refused put) retry with back-off.
        backoffLimit: 20,
        template: {
          spec: {
            restartPolicy: "OnFailure",
            automountServiceAccountToken: false,
            securityContext: restrictedPod(65532),
            containers: [
              {
                name: "put-lifecycle",
                image: "curlimages/curl:8.11.1",
                command: ["/bin/sh", "-c", script],
                env: [{ name: "ELASTIC_PASSWORD", valueFrom: { secretKeyRef: { name: `${ELASTICSEARCH_NAME}-es-elastic-user`, key: "elastic" } } }],
                volumeMounts: [{ name: "certs", mountPath: "/certs", readOnly: true }],
                resources: containerResources("10m", "16Mi", "32Mi"),
                securityContext: RESTRICTED_CONTAINER,
              },
            ],
            volumes: [{ name: "certs", secret: { secretName: `${ELASTICSEARCH_NAME}-es-http-certs-public` } }],
          },
        },
      },
    },
  ];
}

function elasticsearchCluster(context: AddOnContext<"elasticsearch">): KubernetesObject {
  const { settings } = context;
  const labels = { "elasticsearch.k8s.elastic.co/cluster-name": ELASTICSEARCH_NAME };
  return {
    apiVersion: "elasticsearch.k8s.elastic.co/v1",
    kind: "Elasticsearch",
    metadata: { name: ELASTICSEARCH_NAME, namespace: LOGGING_NAMESPACE },
    spec: {
      version: settings.stackVersion,
      // Fluent Bit's user and role (file realm), so it never writes as the elastic superuser.
      auth: { roles: [{ secretName: ROLES_SECRET }], fileRealm: [{ secretName: FLUENT_BIT_ES_USER_SECRET }] },
      nodeSets: [
        {
          name: "default",
          count: settings.nodes,
          // Without mmap, ECK needs no privileged init container to raise vm.max_map_count on the node.
          config: { "node.store.allow_mmap": false },
          podTemplate: {
            spec: {
              ...placement(context, "stateful"),
              containers: [{ name: "elasticsearch", resources: containerResources("500m", "4Gi") }],
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
export interface ElasticsearchResources {
  /** Fluent Bit's Elasticsearch password: generated once by Terraform and kept in state. */
  readonly fluentBitPassword: string;
}

export const elasticsearch: AddOn<"elasticsearch", ElasticsearchResources> = {
  name: "elasticsearch",
  releaseName: "eck-operator",
  chart: { chart: "eck-operator", repository: "https://helm.elastic.co", version: "3.5.0" },
  namespace: "elastic-system",
  podSecurity: {
    level: "baseline",
    reason: "the eck-operator chart sets no seccomp profile and its values.yaml declares no key to add one (restricted requires it)",
  },
  resources(context) {
    // terraform_data keeps the first uuid() (122 random bits) and ignores the new one every plan would compute.
    const generated = new DataResource(context.scope, "FluentBitPassword", { input: { password: Fn.uuid() }, lifecycle: { ignoreChanges: ["input"] } });
    return { fluentBitPassword: Token.asString(Fn.lookup(generated.output, "password", "")) };
  },
  values(context) {
    return {
      installCRDs: true,
      ...placement(context, "system"),
      managedNamespaces: [LOGGING_NAMESPACE],
      priorityClassName: "system-cluster-critical",
      resources: containerResources("100m", "256Mi", "1Gi"),
    };
  },
  manifests(context, resources) {
    return [
      ...logAccess(context, resources),
      elasticsearchCluster(context),
      {
        apiVersion: "kibana.k8s.elastic.co/v1",
        kind: "Kibana",
        metadata: { name: "kibana", namespace: LOGGING_NAMESPACE },
        spec: {
          version: context.settings.stackVersion,
          count: context.production ? 2 : 1,
          elasticsearchRef: { name: ELASTICSEARCH_NAME },
          podTemplate: { spec: { ...placement(context, "system"), containers: [{ name: "kibana", resources: containerResources("200m", "1Gi") }] } },
        },
      },
    ];
  },
};
