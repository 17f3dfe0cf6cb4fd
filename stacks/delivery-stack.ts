import { Construct } from "constructs";
import { EnvironmentConfig } from "../config";
import { clusterProviders } from "../constructs/cluster/kube-auth";
import { ClusterRef } from "../constructs/cluster/cluster-ref";
import { GitOpsApplication } from "../constructs/edge/gitops-application";
import { targetGroupBindingPatch } from "../constructs/edge/target-group-binding-patch";
import { APPLICATION_NAMESPACE, EdgeStack, edgeConfigOf } from "./edge-stack";
import { EnvironmentStack } from "./environment-stack";

export interface DeliveryStackProps {
  readonly cluster: ClusterRef;
  /** Hands over the target group and the ECR repository (cross-stack references). */
  readonly edge: EdgeStack;
}

/** The image of `gitops/base` that the overlays pin and Image Updater moves; also the Application's name. */
export const APPLICATION_IMAGE = "web";

/**
 * `<env>-delivery`: the Kubernetes half of the edge layer, split from `<env>-edge` so that one plans offline with the
 * AWS provider alone. It bootstraps the application in Argo CD and hands it the edge stack's target group.
 */
export class DeliveryStack extends EnvironmentStack {
  readonly application: GitOpsApplication;

  constructor(scope: Construct, environment: EnvironmentConfig, props: DeliveryStackProps) {
    super(scope, environment, "delivery");
    const { gitops } = edgeConfigOf(environment);
    clusterProviders(this, props.cluster);
    const repository = props.edge.repositories.repositories[APPLICATION_IMAGE];
    this.application = new GitOpsApplication(this, "Web", {
      project: environment.prefix,
      name: APPLICATION_IMAGE,
      repoURL: gitops.repoURL,
      path: gitops.path ?? `gitops/overlays/${environment.name}`,
      targetRevision: gitops.targetRevision,
      namespace: APPLICATION_NAMESPACE,
      kustomizePatches: [targetGroupBindingPatch(props.edge.loadBalancer.targetGroup.arn), ...(props.edge.databaseAccess?.kustomizePatches ?? [])],
      repoCredentialsSecret: gitops.repoCredentialsSecret,
      imageUpdater:
        gitops.imageUpdater.enabled && repository
          ? {
              repositoryUrl: repository.repositoryUrl,
              kustomizeImageName: APPLICATION_IMAGE,
              allowTags: gitops.imageUpdater.allowTags,
              writeBack: gitops.imageUpdater.writeBack,
            }
          : undefined,
    });
  }
}
