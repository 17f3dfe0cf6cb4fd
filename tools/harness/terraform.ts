import { execFile } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { cliConfigText, providerMirror as configuredMirror } from "./cli-config";
import { toolchainFingerprint } from "./plan-cache";

/** Where the offline runs find terraform and the hashicorp/aws provider; both configurable, both checked loudly. */
export interface TerraformToolchain {
  readonly terraform: string;
  /** Root of a filesystem mirror: `<mirror>/registry.terraform.io/hashicorp/aws/<version>/<os_arch>/`. */
  readonly providerMirror: string;
  /** The project's own Terraform CLI config, pointing provider installation at the mirror only. */
  readonly cliConfigFile: string;
  /** Identifies the terraform binary and the provider builds: part of every cached plan's key (plan-cache.ts). */
  readonly fingerprint: string;
  /**
   * Fills the plugin cache (once; later calls wait for the same fill). Every `terraform init` waits for it: a run whose
   * plans all come from the plan cache never calls it, and so never copies the provider (≈ 700 MB) into a new cache.
   */
  readonly ready: () => Promise<void>;
}

/** `terraform version` output per binary, asked once per process: it is part of the fingerprint of every run. */
const versions = new Map<string, Promise<RunResult>>();

/**
 * Finds terraform (PLATFORM_TERRAFORM_BIN, default `terraform` on PATH) and the provider mirror
 * (PLATFORM_TF_PROVIDER_MIRROR, default /opt/tf-plugins), checks that the mirror holds every provider version the
 * stacks pin, and writes a CLI config that installs providers from the mirror and nowhere else.
 */
export async function prepareToolchain(workDir: string, providers: Record<string, string>): Promise<TerraformToolchain> {
  const terraform = process.env.PLATFORM_TERRAFORM_BIN || "terraform";
  const providerMirror = configuredMirror();
  let version: string;
  try {
    const asked = versions.get(terraform) ?? run(terraform, ["version"], { cwd: workDir, env: process.env, timeoutMs: 60_000 });
    versions.set(terraform, asked);
    version = (await asked).stdout;
  } catch (error) {
    versions.delete(terraform);
    throw new Error(
      `terraform not found or not runnable as "${terraform}" (${(error as Error).message.split("\n")[0] ?? ""}); ` +
        "install Terraform ≥ 1.10 or set PLATFORM_TERRAFORM_BIN",
      { cause: error },
    );
  }
  const missing = Object.entries(providers).filter(([source, version]) => !fs.existsSync(path.join(providerMirror, "registry.terraform.io", source, version)));
  if (missing.length > 0) {
    throw new Error(
      `provider mirror ${providerMirror} lacks ${missing.map(([source, version]) => `${source} ${version}`).join(", ")}; ` +
        "set PLATFORM_TF_PROVIDER_MIRROR to a filesystem mirror (registry.terraform.io/<namespace>/<type>/<version>/<os_arch>/)",
    );
  }
  const cliConfigFile = path.join(workDir, "terraform.rc");
  const pluginCacheDir = path.join(workDir, "plugin-cache");
  fs.mkdirSync(pluginCacheDir, { recursive: true });
  fs.writeFileSync(cliConfigFile, cliConfigText(providerMirror, Object.keys(providers), false, pluginCacheDir));
  let warm: Promise<void> | undefined;
  const toolchain: TerraformToolchain = {
    terraform,
    providerMirror,
    cliConfigFile,
    fingerprint: toolchainFingerprint(version, providerMirror, providers),
    ready: () => (warm ??= warmPluginCache(workDir, providers, toolchain)),
  };
  return toolchain;
}

/**
 * One init that puts every pinned provider into the plugin cache before the stacks' inits run side by side: Terraform
 * does not make concurrent writes to the cache safe, concurrent reads of a filled cache are.
 */
async function warmPluginCache(workDir: string, providers: Record<string, string>, toolchain: TerraformToolchain): Promise<void> {
  const dir = path.join(workDir, "plugin-cache-warmup");
  fs.mkdirSync(dir, { recursive: true });
  const requiredProviders = Object.fromEntries(
    Object.entries(providers).map(([source, version]) => [source.slice(source.indexOf("/") + 1), { source, version }]),
  );
  fs.writeFileSync(path.join(dir, "main.tf.json"), JSON.stringify({ terraform: { required_providers: requiredProviders } }, null, 2));
  await run(toolchain.terraform, ["init", "-input=false", "-no-color", "-backend=false"], { cwd: dir, env: terraformEnv(toolchain), timeoutMs: 300_000 });
}

export interface RunOptions {
  readonly cwd: string;
  readonly env: NodeJS.ProcessEnv;
  readonly timeoutMs: number;
}

export interface RunResult {
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs a command; rejects with its output when it fails or exceeds its time (a hung AWS call must not hang tests). */
export function run(command: string, args: string[], options: RunOptions): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    execFile(
      command,
      args,
      { cwd: options.cwd, env: options.env, timeout: options.timeoutMs, maxBuffer: 256 * 1024 * 1024, killSignal: "SIGKILL" },
      (error, stdout, stderr) => {
        if (error) {
          const reason = error.killed ? `timed out after ${options.timeoutMs / 1000}s` : `exit code ${String(error.code)}`;
          reject(new Error(`${command} ${args.join(" ")} failed (${reason}) in ${options.cwd}\n${stderr}\n${stdout}`.trim()));
        } else {
          resolve({ stdout, stderr });
        }
      },
    );
  });
}

/** The environment terraform runs with: the project's CLI config, no prompts, no update checks, no IMDS. */
export function terraformEnv(toolchain: TerraformToolchain, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return {
    ...process.env,
    TF_CLI_CONFIG_FILE: toolchain.cliConfigFile,
    TF_IN_AUTOMATION: "1",
    TF_INPUT: "0",
    CHECKPOINT_DISABLE: "1",
    AWS_EC2_METADATA_DISABLED: "true",
    ...extra,
  };
}
