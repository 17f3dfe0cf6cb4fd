import { Construct } from "constructs";
import { HelmProvider } from "@cdktf/provider-helm/lib/provider";
import { KubernetesProvider } from "@cdktf/provider-kubernetes/lib/provider";
import { Fn } from "cdktf";
import { ClusterRef } from "./cluster-ref";

/** Exec credentials for the kubernetes and helm providers: a fresh token from `aws eks get-token` on every call. */
export interface KubeExecAuth {
  readonly apiVersion: string;
  readonly command: string;
  readonly args: string[];
}

export interface KubeConnection {
  readonly host: string;
  readonly clusterCaCertificate: string;
  readonly exec: KubeExecAuth;
}

/**
 * How the kubernetes and helm providers reach a cluster. Tokens come from `aws eks get-token` at each use, never from
 * a data source whose token would expire during a long apply.
 */
export function kubeConnection(cluster: ClusterRef): KubeConnection {
  return {
    host: cluster.endpoint,
    clusterCaCertificate: Fn.base64decode(cluster.certificateAuthorityData),
    exec: {
      apiVersion: "client.authentication.k8s.io/v1beta1",
      command: "aws",
      args: ["eks", "get-token", "--cluster-name", cluster.name, "--region", cluster.region, "--output", "json"],
    },
  };
}

/** The kubernetes and helm providers of a stack that writes into the cluster. */
export interface ClusterProviders {
  readonly kubernetes: KubernetesProvider;
  readonly helm: HelmProvider;
}

/**
 * Points the stack's kubernetes and helm providers at `cluster`, both with exec credentials (`kubeConnection`), so
 * neither holds a token that could expire during a long apply.
 */
export function clusterProviders(stack: Construct, cluster: ClusterRef): ClusterProviders {
  const connection = kubeConnection(cluster);
  return {
    kubernetes: new KubernetesProvider(stack, "kubernetes", { ...connection, exec: [connection.exec] }),
    helm: new HelmProvider(stack, "helm", { kubernetes: connection }),
  };
}
