import * as fs from "fs";
import * as path from "path";
import type { KustomizePatch } from "../../constructs/edge/target-group-binding-patch";
import * as render from "../../tools/gitops-render";
import type { KubeObject as RenderedObject } from "../../tools/contracts/types";

// One implementation of the overlay rendering lives in tools/ (the contract checks use it too); tests read `spec` loosely.
export { GITOPS_DIR, overlayDirectory } from "../../tools/gitops-render";

/**
 * The environments that have an overlay in gitops/overlays: the overlay tests run over these. An environment added to
 * config/ has none until its overlay is generated, and the overlays hold the account, region and names of their
 * environment, so a renamed config needs them generated again before these tests agree with it.
 */
export const ENVIRONMENTS: readonly string[] = fs
  .readdirSync(path.join(render.GITOPS_DIR, "overlays"), { withFileTypes: true })
  .filter((entry) => entry.isDirectory())
  .map((entry) => entry.name)
  .sort();

export interface KubeObject extends RenderedObject {
  readonly spec?: Record<string, any>;
}

export const kustomize = (directory: string): KubeObject[] => render.kustomize(directory);
export const renderAsArgoCd = (overlay: string, patches: readonly KustomizePatch[]): KubeObject[] => render.renderAsArgoCd(overlay, patches);
