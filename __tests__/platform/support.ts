import { parse } from "yaml";
import { EnvironmentConfig } from "../../config";
import { platformStack } from "../support/platform";
import { resourcesOf, SynthesizedStack, synthStack } from "../support/synth";

// Synthesized JSON is untyped; tests read it as loosely as the matchers do.
export type Json = Record<string, any>;

/** A synthesized platform stack with lookups by Helm release name. */
export class SynthesizedPlatform {
  readonly releases: Record<string, Json>;

  constructor(readonly stack: SynthesizedStack) {
    this.releases = Object.fromEntries(Object.entries(resourcesOf(stack, "helm_release")).map(([id, release]) => [String(release.name), { ...release, id }]));
  }

  release(name: string): Json {
    const release = this.releases[name];
    if (!release) throw new Error(`no helm_release "${name}"; releases: ${Object.keys(this.releases).join(", ")}`);
    return release;
  }

  /** The values a release passes, parsed from the YAML the stack synthesizes. */
  values(name: string): Json {
    return parse((this.release(name).values as string[])[0]) as Json;
  }

  /** The Kubernetes objects a platform-manifests release applies. */
  manifests(name: string): Json[] {
    return this.values(name).manifests as Json[];
  }

  /** Whether release `name` waits for the resource whose Terraform address contains `id`. */
  waitsFor(name: string, id: string): boolean {
    return ((this.release(name).depends_on as string[] | undefined) ?? []).some((dependency) => dependency.includes(id));
  }

  resources(type: string): Json[] {
    return Object.values(resourcesOf(this.stack, type));
  }
}

export function synthPlatform(environment: EnvironmentConfig): SynthesizedPlatform {
  return new SynthesizedPlatform(synthStack(platformStack(environment)));
}
