import type { Phase } from "./plan";

/**
 * Karpenter's nodes are not in any Terraform state: left running they keep their network interfaces in the private
 * subnets and the cluster security group, and the network and cluster stacks fail to delete. So, before any stack is
 * destroyed (the platform stack's destroy would uninstall Karpenter and strand its NodeClaims' finalizers):
 * 1. delete the NodePools, so Karpenter launches nothing more (their NodeClaims go with them);
 * 2. terminate every instance Karpenter launched for this cluster (tagged `kubernetes.io/cluster/<cluster>=owned` and
 *    `karpenter.sh/nodepool`) directly, instead of draining: a drain honours PodDisruptionBudgets and would wait forever
 *    on stateful pods that cannot reschedule, and every workload is being removed anyway;
 * 3. wait until EC2 reports them terminated and Karpenter has released their NodeClaims;
 * 4. delete the EC2NodeClasses, whose finalizer deletes the launch templates Karpenter created, while it still runs.
 */
export function karpenterPhase(clusterName: string, region: string, kubeconfig: string): Phase {
  const kubectl = (...args: string[]) => ["kubectl", "--kubeconfig", kubeconfig, ...args];
  const instances = (states: string) => [
    "aws",
    "ec2",
    "describe-instances",
    "--region",
    region,
    "--filters",
    `Name=tag:kubernetes.io/cluster/${clusterName},Values=owned`,
    "Name=tag-key,Values=karpenter.sh/nodepool",
    `Name=instance-state-name,Values=${states}`,
    "--query",
    "Reservations[].Instances[].InstanceId",
    "--output",
    "text",
  ];
  return {
    title: `Remove the nodes Karpenter launched in ${clusterName} (they are in no Terraform state)`,
    steps: [
      {
        kind: "run",
        why: "delete every NodePool, so Karpenter launches no node while the environment goes",
        argv: kubectl("delete", "nodepools.karpenter.sh", "--all", "--ignore-not-found", "--wait=false"),
      },
      {
        kind: "for-each",
        why: "terminate every instance Karpenter launched for this cluster (no drain: PodDisruptionBudgets of pods that are being removed would hold it)",
        list: instances("pending,running,stopping,stopped"),
        split: "words",
        placeholder: "<instance-id>",
        each: (instance) => [["aws", "ec2", "terminate-instances", "--region", region, "--instance-ids", instance]],
      },
      {
        kind: "wait-until-empty",
        why: "wait until EC2 reports them terminated (their network interfaces leave the subnets and the security group)",
        argv: instances("pending,running,shutting-down,stopping,stopped"),
        intervalSeconds: 15,
        timeoutSeconds: 900,
      },
      {
        kind: "wait-until-empty",
        why: "wait until Karpenter has released the NodeClaims of the terminated instances",
        argv: kubectl("get", "nodeclaims.karpenter.sh", "-o", "name", "--ignore-not-found"),
        intervalSeconds: 15,
        timeoutSeconds: 600,
      },
      {
        kind: "run",
        why: "delete the EC2NodeClasses while Karpenter runs: their finalizer deletes the launch templates Karpenter created",
        argv: kubectl("delete", "ec2nodeclasses.karpenter.k8s.aws", "--all", "--ignore-not-found", "--wait=true", "--timeout=10m"),
      },
    ],
  };
}
