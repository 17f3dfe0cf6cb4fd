import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { App, TerraformStack } from "cdktf";
import { stringify } from "yaml";
import { BuildOptions, runSynth } from "../../cli/synth";
import { stateFilesIn, stateGuard } from "../../cli/state-guard";
import { EnvironmentConfig } from "../../config";
import { buildApp } from "../../main";
import { BootstrapStack } from "../../stacks/bootstrap-stack";
import { deployRoleName, planRoleName } from "../../constructs/iam/pipeline-roles";
import { shown } from "../support/cli";
import { environmentInput, testApp, testEnvironment } from "../support/environments";
import { resourcesOf, synthStack } from "../support/synth";

const tmp = (prefix: string) => fs.mkdtempSync(path.join(os.tmpdir(), prefix));

function writeFiles(root: string, files: Record<string, string>): void {
  for (const [file, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
    fs.writeFileSync(path.join(root, file), text);
  }
}

/** Two environments of one account with pipeline roles: what a partial synth must not split. */
const inputs = {
  alpha: environmentInput({ tier: "development", github: { repository: "acme/shop" } }),
  beta: environmentInput({ network: { cidr: "10.1.0.0/16" }, github: { repository: "acme/shop" } }),
};

function configDir(): string {
  const dir = tmp("config-");
  for (const [name, input] of Object.entries(inputs)) fs.writeFileSync(path.join(dir, `${name}.yaml`), stringify(input));
  return dir;
}

describe("the state guard", () => {
  it("finds a state file anywhere in the output, but not Terraform's backend cache in .terraform/", () => {
    const out = tmp("out-");
    writeFiles(out, {
      "stacks/bootstrap/terraform.bootstrap.tfstate": "{}",
      "stacks/bootstrap/terraform.bootstrap.tfstate.backup": "{}",
      "stacks/prod-network/.terraform/terraform.tfstate": "{}",
      "stacks/prod-network/cdk.tf.json": "{}",
    });
    expect(stateFilesIn(out).map((file) => path.relative(out, file))).toEqual([
      "stacks/bootstrap/terraform.bootstrap.tfstate",
      "stacks/bootstrap/terraform.bootstrap.tfstate.backup",
    ]);
    expect(stateGuard(path.join(out, "stacks", "prod-network"))).toBeUndefined();
    expect(stateGuard(path.join(out, "missing"))).toBeUndefined();
  });
});

describe("a synth over an output folder that holds a state", () => {
  const parent = tmp("previous-");
  const outdir = path.join(parent, "cdktf.out");
  const state = path.join(outdir, "stacks", "bootstrap", "terraform.bootstrap.tfstate");
  writeFiles(outdir, { "manifest.json": '{"stacks":{}}', "stacks/bootstrap/terraform.bootstrap.tfstate": '{"serial":7}' });
  const err: string[] = [];
  const out: string[] = [];
  const status = runSynth(
    buildApp,
    [],
    { PLATFORM_CONFIG_DIR: configDir(), CDKTF_OUTDIR: outdir },
    { out: (line) => out.push(line), err: (line) => err.push(line) },
  );

  it("refuses in one line naming the file, exit 1, and leaves the state where it was", () => {
    expect(status).toBe(1);
    expect(out).toEqual([]);
    expect(err).toHaveLength(1);
    expect(err[0]).toContain(`${shown(state)}: Terraform state inside ${shown(outdir)}, which every synth replaces whole`);
    expect(fs.readFileSync(state, "utf8")).toBe('{"serial":7}');
    expect(fs.readdirSync(parent)).toEqual(["cdktf.out"]);
  });
});

describe("a partial synth (PLATFORM_ENVS)", () => {
  it("hands the builder every environment of the config folder besides the selected ones", () => {
    let seen: { selected: string[]; all: string[] } | undefined;
    const spy = (app: App, environments: readonly EnvironmentConfig[], options?: BuildOptions) => {
      seen = { selected: environments.map((e) => e.name), all: (options?.allEnvironments ?? []).map((e) => e.name) };
      new TerraformStack(app, "empty");
      return app;
    };
    const outdir = path.join(tmp("out-"), "cdktf.out");
    const io = { out: () => undefined, err: (line: string) => fail(line) };
    expect(runSynth(spy, [], { PLATFORM_CONFIG_DIR: configDir(), PLATFORM_ENVS: "beta", CDKTF_OUTDIR: outdir }, io)).toBe(0);
    expect(seen).toEqual({ selected: ["beta"], all: Object.keys(inputs) });
  });

  it("reads and resolves each environment file once: the selected environments are the folder's own", () => {
    let seen: { selected: readonly EnvironmentConfig[]; all: readonly EnvironmentConfig[] } | undefined;
    const spy = (app: App, environments: readonly EnvironmentConfig[], options?: BuildOptions) => {
      seen = { selected: environments, all: options?.allEnvironments ?? [] };
      new TerraformStack(app, "empty");
      return app;
    };
    const outdir = path.join(tmp("out-"), "cdktf.out");
    const io = { out: () => undefined, err: (line: string) => fail(line) };
    const names = Object.keys(inputs);
    expect(runSynth(spy, [], { PLATFORM_CONFIG_DIR: configDir(), PLATFORM_ENVS: [...names].reverse().join(","), CDKTF_OUTDIR: outdir }, io)).toBe(0);
    // In the selection's order, each the very object of the folder's environments.
    expect(seen?.selected.map((environment) => environment.name)).toEqual([...names].reverse());
    for (const environment of seen?.selected ?? []) expect(seen?.all).toContain(environment);
  });

  it("reports a selected file's problems alone, another file's when the selection loads, and a name with no file", () => {
    const dir = configDir();
    const broken = (name: keyof typeof inputs) => fs.writeFileSync(path.join(dir, `${name}.yaml`), stringify({ ...inputs[name], tier: "bogus" }));
    broken("alpha");
    broken("beta");
    const problems = (selection: string) => {
      const err: string[] = [];
      const status = runSynth(
        buildApp,
        [],
        { PLATFORM_CONFIG_DIR: dir, PLATFORM_ENVS: selection, CDKTF_OUTDIR: path.join(tmp("out-"), "cdktf.out") },
        {
          out: () => undefined,
          err: (line) => err.push(line),
        },
      );
      expect(status).toBe(1);
      return err;
    };
    const files = (lines: readonly string[]) => [...new Set(lines.map((line) => line.slice(0, line.indexOf(".yaml: ") + ".yaml".length)))];
    expect(files(problems("beta"))).toEqual([shown(path.join(dir, "beta.yaml"))]);
    fs.writeFileSync(path.join(dir, "alpha.yaml"), stringify(inputs.alpha));
    expect(files(problems("alpha"))).toEqual([shown(path.join(dir, "beta.yaml"))]);
    fs.writeFileSync(path.join(dir, "beta.yaml"), stringify(inputs.beta));
    expect(problems("alpha,gamma")).toEqual([
      expect.stringMatching(/gamma\.yaml: PLATFORM_ENVS: names environment "gamma" but there is no such file; available: alpha, beta$/),
    ]);
  });

  it("builds the account's bootstrap stack with the deploy and plan roles of every environment, not only the selected one", () => {
    const all = Object.entries(inputs).map(([name, input]) => testEnvironment(input, name));
    const [selected] = all;
    const app = buildApp(testApp(), [selected], { allEnvironments: all });
    const bootstraps = app.node.children.filter((child): child is BootstrapStack => child instanceof BootstrapStack);
    expect(bootstraps).toHaveLength(1);
    const roles = Object.values(resourcesOf(synthStack(bootstraps[0]), "aws_iam_role")).map((role) => role.name);
    for (const environment of all) expect(roles).toEqual(expect.arrayContaining([deployRoleName(environment.prefix), planRoleName(environment.prefix)]));
    // The environment stacks stay those of the selection.
    expect(app.node.children.some((child) => child.node.id.startsWith(`${all[1].name}-`))).toBe(false);
  });
});
