import { Construct } from "constructs";
import { HelmProvider } from "@cdktf/provider-helm/lib/provider";
import { KubernetesProvider } from "@cdktf/provider-kubernetes/lib/provider";
import { CloudBackend, Fn, TerraformVariable } from "cdktf";
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

/** Where `aws eks get-token` finds its credentials when not in the provider's own environment. */
export interface KubeAwsCredentials {
  /** A shared AWS config file (a profile with `role_arn` and `web_identity_token_file`), given as AWS_CONFIG_FILE. */
  readonly sharedConfigFile: string;
}

/**
 * How the kubernetes and helm providers reach a cluster. Tokens come from `aws eks get-token` at each use, never from
 * a data source whose token would expire during a long apply.
 */
export function kubeConnection(cluster: ClusterRef, credentials?: KubeAwsCredentials): KubeConnection {
  const getToken = ["eks", "get-token", "--cluster-name", cluster.name, "--region", cluster.region, "--output", "json"];
  return {
    host: cluster.endpoint,
    clusterCaCertificate: Fn.base64decode(cluster.certificateAuthorityData),
    exec: {
      apiVersion: "client.authentication.k8s.io/v1beta1",
      // With credentials, `env AWS_CONFIG_FILE=<file> aws ...`: cdktf writes provider map keys in snake case, so the
      // exec block's own `env` map would reach the CLI as `aws_config_file`, which it ignores.
      ...(credentials ? { command: "env", args: [`AWS_CONFIG_FILE=${credentials.sharedConfigFile}`, "aws", ...getToken] } : { command: "aws", args: getToken }),
    },
  };
}

/**
 * The variable through which Terraform Cloud hands a run its AWS dynamic credentials (the shared config file of the
 * plan or apply role, with the run's workload identity token), as its docs name and type it. Terraform Cloud sets it
 * in every run of a workspace with TFC_AWS_PROVIDER_AUTH; the AWS CLI that the exec credentials run reads it.
 */
export function terraformCloudAwsCredentials(stack: Construct): KubeAwsCredentials {
  const variable = new TerraformVariable(stack, "tfc_aws_dynamic_credentials", {
    description: "AWS dynamic provider credentials that Terraform Cloud supplies to each run",
    type: "object({ default = object({ shared_config_file = string }), aliases = map(object({ shared_config_file = string })) })",
  });
  return { sharedConfigFile: Fn.lookupNested(variable.value, ["default", "shared_config_file"]) as string };
}

/** The kubernetes and helm providers of a stack that writes into the cluster. */
export interface ClusterProviders {
  readonly kubernetes: KubernetesProvider;
  readonly helm: HelmProvider;
}

/**
 * Points the stack's kubernetes and helm providers at `cluster`, both with exec credentials (`kubeConnection`), so
 * neither holds a token that could expire during a long apply. In a stack that Terraform Cloud runs (a cloud backend),
 * the AWS CLI gets the run's dynamic credentials (`terraformCloudAwsCredentials`): on an agent there is no other.
 */
export function clusterProviders(stack: Construct, cluster: ClusterRef): ClusterProviders {
  const onTerraformCloud = stack.node.children.some((child) => child instanceof CloudBackend);
  const connection = kubeConnection(cluster, onTerraformCloud ? terraformCloudAwsCredentials(stack) : undefined);
  return {
    kubernetes: new KubernetesProvider(stack, "kubernetes", { ...connection, exec: [connection.exec] }),
    helm: new HelmProvider(stack, "helm", { kubernetes: connection }),
  };
}
