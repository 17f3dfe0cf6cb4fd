import { Construct } from "constructs";
import { Manifest } from "@cdktf/provider-kubernetes/lib/manifest";
import { Release } from "@cdktf/provider-helm/lib/release";
import { stringify } from "yaml";
import { ARGOCD_NAMESPACE } from "../addons/argo-cd";
import { SECRET_STORE } from "../addons/secret-stores";
import { KustomizePatch } from "./target-group-binding-patch";

export const ARGOCD_APPS_CHART = { chart: "argocd-apps", repository: "https://argoproj.github.io/argo-helm", version: "2.0.5" } as const;
const IN_CLUSTER = "https://kubernetes.default.svc";
const RESOURCES_FINALIZER = "resources-finalizer.argocd.argoproj.io";
const IMAGE_UPDATER = "argocd-image-updater.argoproj.io";

/**
 * What the application's project may create in its namespace: exactly the kinds of `gitops/` (a test holds the two
 * lists together), plus the namespace itself at cluster scope.
 */
export const NAMESPACED_KINDS: readonly { readonly group: string; readonly kind: string }[] = [
  { group: "", kind: "ServiceAccount" },
  // The non-secret connection settings (gitops/base/database-settings.yaml).
  { group: "", kind: "ConfigMap" },
  { group: "", kind: "Service" },
  { group: "argoproj.io", kind: "Rollout" },
  { group: "argoproj.io", kind: "AnalysisTemplate" },
  { group: "autoscaling", kind: "HorizontalPodAutoscaler" },
  // The Sync hook that provisions the database users and runs the schema migrations (gitops/base/migration-job.yaml).
  { group: "batch", kind: "Job" },
  // The Vault Agent's CA (gitops/base/vault-ca.yaml), issued by the platform's private ClusterIssuer.
  { group: "cert-manager.io", kind: "Certificate" },
  { group: "policy", kind: "PodDisruptionBudget" },
  { group: "networking.k8s.io", kind: "NetworkPolicy" },
  { group: "elbv2.k8s.aws", kind: "TargetGroupBinding" },
  { group: "external-secrets.io", kind: "SecretStore" },
  { group: "external-secrets.io", kind: "ExternalSecret" },
  { group: "monitoring.coreos.com", kind: "ServiceMonitor" },
  { group: "monitoring.coreos.com", kind: "PrometheusRule" },
];
export const CLUSTER_KINDS: readonly { readonly group: string; readonly kind: string }[] = [{ group: "", kind: "Namespace" }];

export interface ImageUpdaterSettings {
  /** Repository URL of the image to track (`<account>.dkr.ecr.<region>.amazonaws.com/<name>`). */
  readonly repositoryUrl: string;
  /** Name of the image in the kustomization's `images:` list. */
  readonly kustomizeImageName: string;
  /** Tags that count as builds, e.g. `regexp:^[0-9a-f]{40}$`. */
  readonly allowTags: string;
  readonly writeBack: "git" | "argocd";
}

export interface GitOpsApplicationProps {
  /** Name of the AppProject (the environment's prefix). */
  readonly project: string;
  /** Name of the Argo CD Application. */
  readonly name: string;
  /** The Git repository Argo CD reads the manifests from (the AppProject admits only it). */
  readonly repoURL: string;
  /** The Kustomize folder within the repository. */
  readonly path: string;
  /** The branch, tag or commit Argo CD follows. */
  readonly targetRevision: string;
  /** Namespace the application runs in. */
  readonly namespace: string;
  /** Kustomize patches Argo CD applies over the path (values only Terraform knows, such as the target group ARN). */
  readonly kustomizePatches: readonly KustomizePatch[];
  /**
   * Secrets Manager secret with the repository credentials, read through the platform's SecretStore in Argo CD's
   * namespace. @default none (a public repository, read without credentials)
   */
  readonly repoCredentialsSecret?: string;
  /** Image Updater's tracking of the image; @default none (the image tag moves only through Git commits) */
  readonly imageUpdater?: ImageUpdaterSettings;
}

/**
 * The GitOps bootstrap of the application: through the argocd-apps chart, an AppProject limited to the repository
 * and the application's namespace, and an Application that syncs the environment's overlay automatically with prune
 * and self-heal and removes its resources when deleted (finalizer); the repository credentials from Secrets Manager
 * through External Secrets; and Argo CD Image Updater tracking the ECR repository.
 */
export class GitOpsApplication extends Construct {
  readonly release: Release;
  /** The chart values, as given to the release. */
  readonly values: Record<string, unknown>;

  constructor(scope: Construct, id: string, props: GitOpsApplicationProps) {
    super(scope, id);
    const argoCdNamespace = ARGOCD_NAMESPACE;
    if (props.repoCredentialsSecret) {
      new Manifest(this, "RepositoryCredentials", {
        manifest: repositoryCredentials(props, argoCdNamespace, SECRET_STORE),
      });
    }
    this.values = {
      projects: {
        [props.project]: {
          namespace: argoCdNamespace,
          finalizers: [RESOURCES_FINALIZER],
          description: `The ${props.name} application of ${props.project}: one repository, one namespace`,
          sourceRepos: [props.repoURL],
          destinations: [{ server: IN_CLUSTER, namespace: props.namespace }],
          clusterResourceWhitelist: CLUSTER_KINDS,
          namespaceResourceWhitelist: NAMESPACED_KINDS,
          orphanedResources: { warn: true },
        },
      },
      applications: {
        [props.name]: {
          namespace: argoCdNamespace,
          finalizers: [RESOURCES_FINALIZER],
          additionalAnnotations: props.imageUpdater ? imageUpdaterAnnotations(props.imageUpdater, props.targetRevision) : {},
          project: props.project,
          source: {
            repoURL: props.repoURL,
            targetRevision: props.targetRevision,
            path: props.path,
            kustomize: { patches: props.kustomizePatches },
          },
          destination: { server: IN_CLUSTER, namespace: props.namespace },
          syncPolicy: {
            automated: { prune: true, selfHeal: true },
            syncOptions: ["ServerSideApply=true", "PruneLast=true", "RespectIgnoreDifferences=true"],
            retry: { limit: 5, backoff: { duration: "10s", factor: 2, maxDuration: "5m" } },
          },
          // The HPA owns the replica count; self-heal would otherwise fight it.
          ignoreDifferences: [{ group: "argoproj.io", kind: "Rollout", jsonPointers: ["/spec/replicas"] }],
          revisionHistoryLimit: 10,
        },
      },
    };
    this.release = new Release(this, "Release", {
      name: `${props.name}-gitops`,
      namespace: argoCdNamespace,
      ...ARGOCD_APPS_CHART,
      values: [stringify(this.values)],
      atomic: true,
      cleanupOnFail: true,
      maxHistory: 10,
    });
    if (props.imageUpdater) {
      // Image Updater 1.x reads its configuration from ImageUpdater resources; this one tells it to honour the
      // Application's annotations.
      new Manifest(this, "ImageUpdater", {
        manifest: {
          apiVersion: `${IMAGE_UPDATER}/v1alpha1`,
          kind: "ImageUpdater",
          metadata: { name: props.name, namespace: argoCdNamespace },
          spec: { applicationRefs: [{ namePattern: props.name, useAnnotations: true }] },
        },
        dependsOn: [this.release],
      });
    }
  }
}

function imageUpdaterAnnotations(settings: ImageUpdaterSettings, branch: string): Record<string, string> {
  const alias = settings.kustomizeImageName;
  return {
    [`${IMAGE_UPDATER}/image-list`]: `${alias}=${settings.repositoryUrl}`,
    [`${IMAGE_UPDATER}/${alias}.update-strategy`]: "newest-build",
    [`${IMAGE_UPDATER}/${alias}.allow-tags`]: settings.allowTags,
    [`${IMAGE_UPDATER}/${alias}.kustomize.image-name`]: settings.kustomizeImageName,
    [`${IMAGE_UPDATER}/write-back-method`]: settings.writeBack,
    // Git write-back goes to Image Updater's default target, `.argocd-source-<app>.yaml` beside the overlay, which Argo
    // CD applies over the kustomization: the kustomization's newTag stays what `npm run generate` writes (app/'s tree
    // id, the first release's tag), so the generator never competes with Image Updater for one field.
    ...(settings.writeBack === "git" ? { [`${IMAGE_UPDATER}/git-branch`]: branch } : {}),
  };
}

/** An ExternalSecret that becomes an Argo CD repository Secret: Secrets Manager's keys plus the URL and type. */
function repositoryCredentials(props: GitOpsApplicationProps, namespace: string, store: string): Record<string, unknown> {
  const name = `${props.project}-repository`;
  return {
    apiVersion: "external-secrets.io/v1",
    kind: "ExternalSecret",
    metadata: { name, namespace },
    spec: {
      refreshInterval: "1h",
      secretStoreRef: { kind: "SecretStore", name: store },
      target: {
        name,
        creationPolicy: "Owner",
        template: {
          engineVersion: "v2",
          mergePolicy: "Merge",
          metadata: { labels: { "argocd.argoproj.io/secret-type": "repository" } },
          data: { url: props.repoURL, type: "git", project: props.project },
        },
      },
      dataFrom: [{ extract: { key: props.repoCredentialsSecret } }],
    },
  };
}
