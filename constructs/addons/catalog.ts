import { AddOn } from "./add-on";
import { argoCd } from "./argo-cd";
import { argoRollouts } from "./argo-rollouts";
import { argocdImageUpdater } from "./argocd-image-updater";
import { awsLoadBalancerController } from "./aws-load-balancer-controller";
import { certManager } from "./cert-manager";
import { clusterAutoscaler } from "./cluster-autoscaler";
import { elasticsearch } from "./elasticsearch";
import { externalDns } from "./external-dns";
import { externalSecrets } from "./external-secrets";
import { fluentBit } from "./fluent-bit";
import { karpenter } from "./karpenter";
import { kubePrometheusStack } from "./kube-prometheus-stack";
import { kyverno } from "./kyverno";
import { metricsServer } from "./metrics-server";
import { opentelemetryCollector } from "./opentelemetry-collector";
import { vault } from "./vault";
import { velero } from "./velero";

/** Every add-on of the platform; the installer orders them by what each needs (`after`, `provides`, secrets). */
export const PLATFORM_ADD_ONS: readonly AddOn[] = [
  awsLoadBalancerController,
  clusterAutoscaler,
  karpenter,
  metricsServer,
  certManager,
  externalDns,
  externalSecrets,
  kubePrometheusStack,
  opentelemetryCollector,
  elasticsearch,
  fluentBit,
  argoCd,
  argoRollouts,
  argocdImageUpdater,
  vault,
  velero,
  kyverno,
];
