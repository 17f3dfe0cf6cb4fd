import { createHash } from "crypto";
import * as fs from "fs";
import * as path from "path";

/**
 * A content-addressed store of offline plans. An offline plan is a function of what Terraform reads: the stack's JSON
 * (without cdktf's `//` metadata), the harness's override file, the stand-in upstream states, the prior state (change
 * rung), the plan's arguments, Terraform's version and the provider builds. The key is the sha256 of all of them, so
 * an entry is reused exactly when a new plan could not differ, and never needs invalidating: a changed input is a
 * different key. Entries are `<dir>/<key>/plan.json` (`terraform show -json` of the plan).
 */
export interface PlanCache {
  readonly dir: string;
}

/** Bumped when the harness changes how it plans in a way the inputs below do not show. */
const CACHE_FORMAT = "offline-plan/1";

/** The cache folder: PLATFORM_PLAN_CACHE, or `.cache/plans` at the repository root (ignored by git). */
export function defaultPlanCache(env: NodeJS.ProcessEnv = process.env): PlanCache {
  return { dir: path.resolve(env.PLATFORM_PLAN_CACHE || path.join(__dirname, "..", "..", ".cache", "plans")) };
}

/** Everything an offline plan depends on; each part is hashed, so large files cost their hash only. */
export interface PlanInputs {
  /** The stack's synthesized JSON. */
  readonly stack: unknown;
  /** The harness's override file, with every file it names replaced by that file's content (see {@link withFileContents}). */
  readonly override: unknown;
  /** The state the plan starts from (text of a state file), or undefined for a plan of nothing. */
  readonly priorState?: string;
  /** Terraform's arguments for the plan. */
  readonly args: readonly string[];
  /** {@link toolchainFingerprint} of the terraform binary and providers. */
  readonly toolchain: string;
}

export function planKey(inputs: PlanInputs): string {
  const hash = createHash("sha256");
  hash.update(
    JSON.stringify({
      format: CACHE_FORMAT,
      stack: sha256(canonicalJson(inputs.stack)),
      override: sha256(canonicalJson(inputs.override)),
      priorState: inputs.priorState === undefined ? null : sha256(inputs.priorState),
      args: inputs.args,
      toolchain: inputs.toolchain,
    }),
  );
  return hash.digest("hex");
}

/** The cached `terraform show -json` text for a key, or undefined. */
export function readCachedPlan(cache: PlanCache, key: string): string | undefined {
  const file = path.join(cache.dir, key, "plan.json");
  return fs.existsSync(file) ? fs.readFileSync(file, "utf8") : undefined;
}

/** Stores a plan under its key; written to a temporary name first, so a reader never sees half a file. */
export function writeCachedPlan(cache: PlanCache, key: string, planJson: string): void {
  const dir = path.join(cache.dir, key);
  fs.mkdirSync(dir, { recursive: true });
  const temporary = path.join(dir, `plan.json.${process.pid}.tmp`);
  fs.writeFileSync(temporary, planJson);
  fs.renameSync(temporary, path.join(dir, "plan.json"));
}

/**
 * Terraform's version line and, per provider, its version and the names and sizes of the mirror's files for it (the
 * mirror's folder layout is `<namespace>/<type>/<version>/<os_arch>/`): a rebuilt provider or another Terraform is a
 * new key. Reading 700 MB of provider binary for a hash would cost more than many cached plans save.
 */
export function toolchainFingerprint(terraformVersion: string, providerMirror: string, providers: Record<string, string>): string {
  const parts = Object.entries(providers)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([source, version]) => {
      const root = path.join(providerMirror, "registry.terraform.io", source, version);
      return `${source} ${version} ${listing(root).join(" ")}`;
    });
  return sha256([terraformVersion.trim().split("\n")[0] ?? "", ...parts].join("\n"));
}

function listing(root: string): string[] {
  if (!fs.existsSync(root)) return [];
  const entries: string[] = [];
  const walk = (dir: string): void => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else entries.push(`${path.relative(root, full)}:${fs.statSync(full).size}`);
    }
  };
  walk(root);
  return entries;
}

/**
 * The override with each `terraform_remote_state` file path replaced by the sha256 of the file's content: the key
 * must follow what the stand-in states say, not where the run keeps them.
 */
export function withFileContents(override: Record<string, unknown>): Record<string, unknown> {
  const data = override.data as { terraform_remote_state?: Record<string, { backend: string; config: { path: string } }> } | undefined;
  if (!data?.terraform_remote_state) return override;
  const remoteStates = Object.fromEntries(
    Object.entries(data.terraform_remote_state).map(([name, remote]) => [
      name,
      { ...remote, config: { ...remote.config, path: sha256(fs.readFileSync(remote.config.path, "utf8")) } },
    ]),
  );
  return { ...override, data: { ...data, terraform_remote_state: remoteStates } };
}

/** JSON without cdktf's `//` metadata (construct paths, versions), keys sorted: equal iff Terraform reads the same. */
export function canonicalJson(value: unknown): string {
  const strip = (node: unknown): unknown => {
    if (Array.isArray(node)) return node.map(strip);
    if (typeof node !== "object" || node === null) return node;
    return Object.fromEntries(
      Object.keys(node)
        .filter((key) => key !== "//")
        .sort()
        .map((key) => [key, strip((node as Record<string, unknown>)[key])]),
    );
  };
  return JSON.stringify(strip(value));
}

function sha256(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}
