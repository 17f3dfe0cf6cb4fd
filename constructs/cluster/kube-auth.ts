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
