import { AccountContext } from "../iam/policy-document";
import { AddOn, AddOnContext, KubernetesObject, placement, replicas, resources, topologySpread, Values } from "./add-on";

/** The ClusterSecretStore every ExternalSecret of the platform reads through. */
export const CLUSTER_SECRET_STORE = "aws-secrets-manager";

/** A Deployment of the external-secrets chart (controller, webhook, cert controller) sized and spread for its tier. */
function component(context: AddOnContext, component: string, cpu: string, memory: string): Values {
  return {
    replicaCount: replicas(context),
    priorityClassName: "system-cluster-critical",
    ...placement(context, "system"),
    resources: resources(cpu, memory),
    podDisruptionBudget: { enabled: context.production, minAvailable: 1 },
    topologySpreadConstraints: topologySpread(context, { "app.kubernetes.io/name": component }),
  };
}

/**
 * External Secrets: copies secrets from AWS Secrets Manager into Kubernetes Secrets. The controller reads through its
 * IRSA role, which may read only the secrets the platform delivers (and decrypt them through Secrets Manager only).
 */
export const externalSecrets: AddOn<"externalSecrets"> = {
  name: "externalSecrets",
  releaseName: "external-secrets",
  chart: { chart: "external-secrets", repository: "https://charts.external-secrets.io", version: "2.9.0" },
  namespace: "external-secrets",
  podSecurity: { level: "restricted" },
  values(context) {
    const secrets = context.deliveredSecrets().map((name) => context.secretArn(name));
    const role = context.irsaRole("external-secrets", [
      ...(secrets.length > 0
        ? [{ Sid: "ReadDeliveredSecrets", Effect: "Allow" as const, Action: ["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"], Resource: secrets }]
        : []),
      {
        Sid: "DecryptThroughSecretsManager",
        Effect: "Allow",
        Action: "kms:Decrypt",
        Resource: "*",
        Condition: { StringEquals: { "kms:ViaService": `secretsmanager.${context.account.region}.amazonaws.com` } },
      },
    ]);
    return {
      installCRDs: true,
      // One active controller among the replicas; the others wait for the lease.
      leaderElect: context.production,
      serviceAccount: { name: "external-secrets", annotations: { "eks.amazonaws.com/role-arn": role.arn } },
      ...component(context, "external-secrets", "50m", "128Mi"),
      webhook: component(context, "external-secrets-webhook", "20m", "64Mi"),
      certController: component(context, "external-secrets-cert-controller", "20m", "128Mi"),
    };
  },
};

/** The ClusterSecretStore for Secrets Manager in the environment's region, authenticated by the controller's IRSA. */
export function secretStoreObjects(account: AccountContext): KubernetesObject[] {
  return [
    {
      apiVersion: "external-secrets.io/v1",
      kind: "ClusterSecretStore",
      metadata: { name: CLUSTER_SECRET_STORE },
      spec: { provider: { aws: { service: "SecretsManager", region: account.region } } },
    },
  ];
}
