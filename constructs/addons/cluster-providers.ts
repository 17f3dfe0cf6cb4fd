import { Construct } from "constructs";
import { HelmProvider } from "@cdktf/provider-helm/lib/provider";
import { KubernetesProvider } from "@cdktf/provider-kubernetes/lib/provider";
import { ClusterRef } from "../cluster/cluster-ref";
import { kubeConnection } from "../cluster/kube-auth";

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
