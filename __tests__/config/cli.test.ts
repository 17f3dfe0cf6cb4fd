import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { REPO_ROOT } from "../support/environments";

/** Runs the app as `cdktf synth` does (main.ts as the main module), with a config folder and an output folder. */
function runApp(configDir: string) {
  const outDir = fs.mkdtempSync(path.join(os.tmpdir(), "out-"));
  const result = spawnSync(process.execPath, ["-r", path.join(REPO_ROOT, "scripts", "register-ts.js"), path.join(REPO_ROOT, "main.ts")], {
    cwd: REPO_ROOT,
    env: { ...process.env, PLATFORM_CONFIG_DIR: configDir, PLATFORM_ENVS: "", CDKTF_OUTDIR: outDir },
    encoding: "utf8",
  });
  return { ...result, outDir };
}

describe("the app with a bad config", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "bad-config-"));
  fs.writeFileSync(
    path.join(dir, "qa.yaml"),
    ["project: shop", "tier: production", "account: {id: '1234', region: eu-west-1}", "network:", "  cidr: 10.0.0.0/16", "  availabilityZones: [eu-west-1a]", ""].join("\n"),
  );
  const run = runApp(dir);
  const shownFile = `${path.relative(REPO_ROOT, dir)}/qa.yaml`;

  it("exits with code 1", () => {
    expect(run.status).toBe(1);
  });

  it("prints one line per problem on stderr and no stack trace", () => {
    expect(run.stderr.trim().split("\n")).toEqual([
      `${shownFile}: account.id: must be exactly 12 digits, e.g. "123456789012"; got "1234"`,
      `${shownFile}: network.availabilityZones: needs at least 2 availability zones; got 1 item`,
      `${shownFile}: network.availabilityZones: a production tier needs at least 3 availability zones, got 1`,
    ]);
    expect(run.stdout).toBe("");
  });

  it("writes no stack", () => {
    expect(fs.existsSync(path.join(run.outDir, "stacks"))).toBe(false);
  });
});

describe("the app with the shipped config", () => {
  it("synthesizes bootstrap and the network stack of dev, staging and prod", () => {
    const run = runApp(path.join(REPO_ROOT, "config"));
    expect(run.status).toBe(0);
    const stacks = fs.readdirSync(path.join(run.outDir, "stacks")).sort();
    expect(stacks).toEqual(expect.arrayContaining(["bootstrap", "dev-network", "prod-network", "staging-network"]));
  });
});
