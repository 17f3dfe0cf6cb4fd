import * as fs from "fs";
import * as path from "path";

export const DEFAULT_PROVIDER_MIRROR = "/opt/tf-plugins";

/** The provider mirror root: PLATFORM_TF_PROVIDER_MIRROR, or /opt/tf-plugins. */
export function providerMirror(env: NodeJS.ProcessEnv = process.env): string {
  return path.resolve(env.PLATFORM_TF_PROVIDER_MIRROR || DEFAULT_PROVIDER_MIRROR);
}

/** Providers (`namespace/type`) the mirror holds at any version. */
export function mirroredProviders(mirror: string): string[] {
  const registry = path.join(mirror, "registry.terraform.io");
  if (!fs.existsSync(registry)) return [];
  return fs.readdirSync(registry).flatMap((namespace) => fs.readdirSync(path.join(registry, namespace)).map((type) => `${namespace}/${type}`));
}

/**
 * A Terraform CLI config that installs `sources` from the filesystem mirror. With `direct`, every other provider comes
 * from the registry as usual (deploys); without, the mirror is the only source (offline test runs). With
 * `pluginCacheDir`, each `terraform init` links the provider from that cache instead of copying its 600+ MB again.
 */
export function cliConfigText(mirror: string, sources: readonly string[], direct: boolean, pluginCacheDir?: string): string {
  const addresses = JSON.stringify(sources.map((source) => `registry.terraform.io/${source}`));
  return [
    "# Written by the project (tools/harness/cli-config.ts): providers from the local mirror where it has them.",
    // The harness's working folders have no lock file to protect, so the cache may be used without one.
    ...(pluginCacheDir ? [`plugin_cache_dir = ${JSON.stringify(pluginCacheDir)}`, "plugin_cache_may_break_dependency_lock_file = true"] : []),
    "provider_installation {",
    "  filesystem_mirror {",
    `    path    = ${JSON.stringify(mirror)}`,
    `    include = ${addresses}`,
    "  }",
    ...(direct ? ["  direct {", `    exclude = ${addresses}`, "  }"] : []),
    "}",
    "",
  ].join("\n");
}
