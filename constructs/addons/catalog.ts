import { AddOn } from "./add-on";
import { awsLoadBalancerController } from "./aws-load-balancer-controller";
import { certManager } from "./cert-manager";
import { clusterAutoscaler } from "./cluster-autoscaler";
import { externalDns } from "./external-dns";
import { externalSecrets } from "./external-secrets";
import { metricsServer } from "./metrics-server";

/** Every add-on of the platform in install order: an add-on's `after` names only add-ons above it. */
export const PLATFORM_ADD_ONS: readonly AddOn[] = [
  awsLoadBalancerController,
  clusterAutoscaler,
  metricsServer,
  certManager,
  externalDns,
  externalSecrets,
];
