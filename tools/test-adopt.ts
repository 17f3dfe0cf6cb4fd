// `npm run test:adopt`: proves the tests follow the config. Copies the repository (its tracked and new files) to a
// temporary folder, renames project, account and region and adds an environment there (see
// __tests__/support/adopted-config.ts), runs the generate step a user runs (`npm run generate`: workflows and GitOps
// overlays), then the unit tests of that copy, unedited. Extra arguments go to jest (e.g. test paths).
import { execFileSync, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { ADOPTION, writeAdoptedConfig } from "../__tests__/support/adopted-config";
import { loadEnvironments } from "../config";
import { appTreeId, generatedFiles } from "./generate";

const root = path.resolve(__dirname, "..");
/** Installed or derived folders the copy shares with the repository instead of copying them. */
const SHARED = ["node_modules", "app/node_modules", ".cache"];

function copyRepository(target: string): void {
  const files = execFileSync("git", ["ls-files", "--cached", "--others", "--exclude-standard", "-z"], { cwd: root, encoding: "utf8" })
    .split("\0")
    .filter((file) => file && fs.existsSync(path.join(root, file)));
  for (const file of files) {
    fs.mkdirSync(path.dirname(path.join(target, file)), { recursive: true });
    fs.copyFileSync(path.join(root, file), path.join(target, file));
  }
  for (const shared of SHARED.filter((folder) => fs.existsSync(path.join(root, folder)))) {
    fs.symlinkSync(path.join(root, shared), path.join(target, shared), "dir");
  }
}

function run(command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = process.env): number {
  return spawnSync(command, args, { cwd, stdio: "inherit", env }).status ?? 1;
}

const copy = fs.mkdtempSync(path.join(os.tmpdir(), "adopted-"));
// mkdtemp makes it 0700; some tests run the app as an unprivileged user, who must be able to read the copy.
fs.chmodSync(copy, 0o755);
try {
  copyRepository(copy);
  writeAdoptedConfig(path.join(root, "config"), path.join(copy, "config"));
  const renamed = [ADOPTION.project, ADOPTION.account, ADOPTION.region].map(({ from, to }) => `${from} → ${to}`).join(", ");
  console.log(`test:adopt: ${renamed}, added ${ADOPTION.added.name} (copy of ${ADOPTION.added.copyOf}), in ${copy}`);
  const environments = loadEnvironments({ dir: path.join(copy, "config") });
  for (const [file, content] of Object.entries(generatedFiles({ environments, initialImageTag: () => appTreeId(root) }))) {
    fs.mkdirSync(path.dirname(path.join(copy, file)), { recursive: true });
    fs.writeFileSync(path.join(copy, file), content);
  }
  console.log(`test:adopt: generated the workflows and ${environments.length} overlays`);
  const env = { ...process.env, PLATFORM_CONFIG_DIR: "", PLATFORM_ENVS: "" };
  // The rest of `npm run generate`: the diagram and the cost tables of the docs, from the synthesized copy.
  const tsx = ["--require", "tsx/cjs"];
  const steps: string[][] = [["tools/transpile.js"], [...tsx, "tools/diagram/cli.ts"], [...tsx, "tools/cost/docs-cli.ts"]];
  const failed = steps.map((step) => run(process.execPath, step, copy, env)).find((status) => status !== 0);
  process.exitCode = failed ?? run(process.execPath, [require.resolve("jest/bin/jest"), ...process.argv.slice(2), "--selectProjects", "unit"], copy, env);
} finally {
  fs.rmSync(copy, { recursive: true, force: true });
}
