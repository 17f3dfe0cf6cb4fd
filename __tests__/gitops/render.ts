import type { KustomizePatch } from "../../constructs/edge/target-group-binding-patch";
import * as render from "../../scripts/gitops-render";
import type { KubeObject as RenderedObject } from "../../scripts/contracts/types";

// One implementation of the overlay rendering lives in scripts/ (the contract checks use it too); tests read `spec` loosely.
export { GITOPS_DIR, overlayDirectory } from "../../scripts/gitops-render";

export const ENVIRONMENTS = ["dev", "staging", "prod"] as const;

export interface KubeObject extends RenderedObject {
  readonly spec?: Record<string, any>;
}

export const kustomize = (directory: string): KubeObject[] => render.kustomize(directory);
export const renderAsArgoCd = (overlay: string, patches: readonly KustomizePatch[]): KubeObject[] => render.renderAsArgoCd(overlay, patches);
