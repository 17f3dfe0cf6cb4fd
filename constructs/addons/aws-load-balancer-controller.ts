import { AddOn, KUBE_SYSTEM, placement, containerResources, topologySpread } from "./add-on";

/**
 * AWS Load Balancer Controller: ALBs for Ingresses and NLBs for Services. Region and VPC id are given explicitly,
 * because the nodes' IMDS hop limit of 1 keeps pods from discovering them. Its IRSA role comes from the cluster layer.
 */
export const awsLoadBalancerController: AddOn<"awsLoadBalancerController"> = {
  name: "awsLoadBalancerController",
  releaseName: "aws-load-balancer-controller",
  chart: { chart: "aws-load-balancer-controller", repository: "https://aws.github.io/eks-charts", version: "3.5.0" },
  ...KUBE_SYSTEM,
  provides: ["admission-webhooks"],
  values(context) {
    return {
      clusterName: context.cluster.name,
      region: context.cluster.region,
      vpcId: context.cluster.vpcId,
      serviceAccount: {
        create: true,
        name: context.controllerRoles.awsLoadBalancerController.serviceAccount,
        annotations: context.controllerRoles.awsLoadBalancerController.serviceAccountAnnotations,
      },
      // The webhooks intercept every Service and Pod: two replicas even outside production keep deploys flowing.
      replicaCount: 2,
      priorityClassName: "system-cluster-critical",
      ...placement(context, "system"),
      resources: containerResources("50m", "128Mi", "256Mi"),
      podDisruptionBudget: { maxUnavailable: 1 },
      topologySpreadConstraints: topologySpread(context, { "app.kubernetes.io/name": "aws-load-balancer-controller" }),
      // `alb` becomes the default IngressClass, so an Ingress without a class still gets a load balancer.
      ingressClassConfig: { default: true },
      defaultTags: { "kubernetes-cluster": context.cluster.name },
    };
  },
};
