/** A kustomize patch as Argo CD's `spec.source.kustomize.patches` and a kustomization's `patches` take it. */
export interface KustomizePatch {
  readonly target: { readonly group?: string; readonly version?: string; readonly kind: string; readonly name: string };
  readonly patch: string;
}

/**
 * The patch that hands Terraform's target group to the TargetGroupBinding of `gitops/`: the ARN carries a random
 * suffix known only after `<env>-edge` is applied, so the delivery stack's Argo CD Application adds it when Argo CD
 * renders the overlay, and Git never holds a copied id.
 */
export function targetGroupBindingPatch(targetGroupArn: string, bindingName = "web"): KustomizePatch {
  return {
    target: { group: "elbv2.k8s.aws", version: "v1beta1", kind: "TargetGroupBinding", name: bindingName },
    patch: JSON.stringify([{ op: "add", path: "/spec/targetGroupARN", value: targetGroupArn }]),
  };
}
