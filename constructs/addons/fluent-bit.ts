import { WorkloadRole } from "../iam/workload-role";
import { EncryptedLogGroup } from "../logging/log-group";
import { KmsKey } from "../security/kms-key";
import { AddOn, AddOnContext, containerResources } from "./add-on";
import { ELASTICSEARCH_NAME, FLUENT_BIT_ES_USER, FLUENT_BIT_ES_USER_SECRET, LOGGING_NAMESPACE } from "./elasticsearch";

/** Fluent Bit's [OUTPUT] sections; `$${VAR}` reaches Fluent Bit as `${VAR}` (Terraform would interpolate `${`). */
function outputs(context: AddOnContext<"fluentBit">, logGroupName: string): string {
  const cloudWatch = [
    "[OUTPUT]",
    "    Name cloudwatch_logs",
    "    Match kube.*",
    `    region ${context.location.region}`,
    `    log_group_name ${logGroupName}`,
    "    log_stream_prefix pod-",
    "    auto_create_group Off",
  ];
  const elasticsearch = [
    "[OUTPUT]",
    "    Name es",
    "    Match kube.*",
    `    Host ${ELASTICSEARCH_NAME}-es-http.${context.namespace}.svc`,
    "    Port 9200",
    `    HTTP_User ${FLUENT_BIT_ES_USER}`,
    "    HTTP_Passwd $${ELASTIC_PASSWORD}",
    "    tls On",
    "    tls.verify On",
    "    tls.ca_file /fluent-bit/es-certs/ca.crt",
    "    Logstash_Format On",
    "    Suppress_Type_Name On",
    "    Replace_Dots On",
    "    Retry_Limit 10",
  ];
  return [...cloudWatch, ...(context.platform.elasticsearch.enabled ? ["", ...elasticsearch] : [])].join("\n") + "\n";
}

/**
 * Fluent Bit on every node: container logs to a KMS-encrypted CloudWatch log group with the configured retention
 * (written through IRSA), and to Elasticsearch when the config enables it (TLS verified against ECK's CA).
 */
/** The log group Fluent Bit writes to and the role it writes with. */
export interface FluentBitResources {
  readonly logGroup: EncryptedLogGroup;
  readonly role: WorkloadRole;
}

export const fluentBit: AddOn<"fluentBit", FluentBitResources> = {
  name: "fluentBit",
  releaseName: "fluent-bit",
  chart: { chart: "fluent-bit", repository: "https://fluent.github.io/helm-charts", version: "0.58.1" },
  namespace: LOGGING_NAMESPACE,
  podSecurity: { level: "privileged", reason: "Fluent Bit tails /var/log of every node through hostPath volumes" },
  after: ["elasticsearch", "kubePrometheusStack"],
  resources(context) {
    const key = new KmsKey(context.scope, "LogKey", {
      description: `Container logs of ${context.prefix}`,
      alias: `${context.prefix}-container-logs`,
    });
    const logGroup = new EncryptedLogGroup(context.scope, "ContainerLogs", {
      name: `/aws/eks/${context.prefix}/containers`,
      retentionDays: context.settings.logRetentionDays,
      key,
    });
    const role = context.irsaRole("fluent-bit", [
      {
        Sid: "WriteContainerLogs",
        Effect: "Allow",
        Action: ["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"],
        Resource: [logGroup.arn, `${logGroup.arn}:*`],
      },
    ]);
    return { logGroup, role };
  },
  values(context, { logGroup, role }) {
    const elasticsearch = context.platform.elasticsearch.enabled;
    return {
      serviceAccount: { create: true, name: "fluent-bit", annotations: role.serviceAccountAnnotations },
      // Logs of every node, system nodes with taints included.
      tolerations: [{ operator: "Exists" }],
      priorityClassName: "system-node-critical",
      resources: containerResources("50m", "64Mi", "256Mi"),
      serviceMonitor: { enabled: context.platform.kubePrometheusStack.enabled },
      config: { outputs: outputs(context, logGroup.name) },
      env: elasticsearch
        ? // Its own user, limited to writing log indices (elasticsearch.ts), never the elastic superuser.
          [{ name: "ELASTIC_PASSWORD", valueFrom: { secretKeyRef: { name: FLUENT_BIT_ES_USER_SECRET, key: "password" } } }]
        : [],
      extraVolumes: elasticsearch ? [{ name: "es-certs", secret: { secretName: `${ELASTICSEARCH_NAME}-es-http-certs-public` } }] : [],
      extraVolumeMounts: elasticsearch ? [{ name: "es-certs", mountPath: "/fluent-bit/es-certs", readOnly: true }] : [],
    };
  },
};
