import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parseAllDocuments } from "yaml";
import type { KustomizePatch } from "../constructs/edge/target-group-binding-patch";
import type { KubeObject } from "./contracts/types";
import { REPO_ROOT } from "./lib/repo";

export const GITOPS_DIR = path.join(REPO_ROOT, "gitops");

/** `kubectl kustomize <dir>`, parsed: what Argo CD would apply from that directory. */
export function kustomize(directory: string): KubeObject[] {
  const output = execFileSync("kubectl", ["kustomize", directory], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
  return parseAllDocuments(output)
    .map((document) => document.toJS() as KubeObject | null)
    .filter((object): object is KubeObject => object !== null);
}

/**
 * Renders an overlay the way Argo CD renders the Application of `<env>-delivery`: the overlay plus the Application's
 * kustomize patches (Argo CD adds them to a kustomization around the path, as this does).
 */
export function renderAsArgoCd(overlay: string, patches: readonly KustomizePatch[]): KubeObject[] {
  const directory = fs.mkdtempSync(path.join(os.tmpdir(), "argocd-render-"));
  try {
    const kustomization = {
      apiVersion: "kustomize.config.k8s.io/v1beta1",
      kind: "Kustomization",
      resources: [path.relative(directory, overlay)],
      patches,
    };
    fs.writeFileSync(path.join(directory, "kustomization.yaml"), JSON.stringify(kustomization));
    return kustomize(directory);
  } finally {
    fs.rmSync(directory, { recursive: true, force: true });
  }
}

export function overlayDirectory(environment: string): string {
  return path.join(GITOPS_DIR, "overlays", environment);
}
