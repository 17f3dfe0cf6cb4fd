import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { loadEnvironments } from "../../config";
import { configFolder, lines, runApp, shown } from "../support/cli";
import { environmentInput, REPO_ROOT } from "../support/environments";
import { guardrailsStackName } from "../../stacks/guardrails-stack";

describe("the app with a bad config", () => {
  const dir = configFolder({
    qa: {
      project: "shop",
      tier: "production",
      account: { id: "1234", region: "eu-west-1" },
      network: { cidr: "10.0.0.0/16", availabilityZones: ["eu-west-1a"] },
    },
  });
  const run = runApp(dir);
  const shownFile = shown(path.join(dir, "qa.yaml"));

  it("exits with code 1", () => {
    expect(run.status).toBe(1);
  });

  it("prints one line per problem on stderr and no stack trace", () => {
    expect(lines(run.stderr)).toEqual([
      `${shownFile}: account.id: must be exactly 12 digits, e.g. "123456789012"; got "1234"`,
      `${shownFile}: network.availabilityZones: needs at least 2 availability zones; got 1 item`,
      `${shownFile}: network.availabilityZones: a production tier needs at least 3 availability zones, got 1`,
    ]);
    expect(run.stdout).toBe("");
  });

  it("writes no stack", () => {
    expect(fs.existsSync(run.outDir)).toBe(false);
  });
});

/** Resources per stack in the synthesized output, read back from each stack's cdk.tf.json. */
function resourceCount(outDir: string, stack: string): number {
  const json = JSON.parse(fs.readFileSync(path.join(outDir, "stacks", stack, "cdk.tf.json"), "utf8")) as { resource?: Record<string, object> };
  return Object.values(json.resource ?? {}).reduce((sum, byName) => sum + Object.keys(byName).length, 0);
}

const plural = (n: number, noun: string) => `${n} ${noun}${n === 1 ? "" : "s"}`;

describe("the app with the shipped config", () => {
  const environments = loadEnvironments({ dir: path.join(REPO_ROOT, "config") });
  const run = runApp(path.join(REPO_ROOT, "config"));
  const stacks = () => Object.keys(JSON.parse(fs.readFileSync(path.join(run.outDir, "manifest.json"), "utf8")).stacks as object);

  it("synthesizes every layer of every environment", () => {
    expect(run.status).toBe(0);
    for (const environment of environments) expect(stacks()).toContain(`${environment.name}-network`);
  });

  it("prints one summary line per environment and account stack, then where it wrote, and nothing on stderr", () => {
    const groups = new Map<string, string[]>();
    for (const stack of stacks()) {
      const key = environments.find((environment) => stack.startsWith(`${environment.name}-`))?.name ?? stack;
      groups.set(key, [...(groups.get(key) ?? []), stack]);
    }
    const expected = [...groups].map(([name, members]) => {
      const resources = members.reduce((sum, stack) => sum + resourceCount(run.outDir, stack), 0);
      return new RegExp(`^${name}: ${plural(members.length, "stack")}, ${plural(resources, "resource")}, \\d+ rule checks, 0 warnings, \\d+ suppressed$`);
    });
    const printed = lines(run.stdout);
    expect(printed).toHaveLength(expected.length + 1);
    // One line each, in the order the stacks are built (account stacks, then environments), not the manifest's.
    expected.forEach((pattern) => expect(printed.slice(0, expected.length).filter((line) => pattern.test(line))).toHaveLength(1));
    expect(printed[expected.length]).toBe(`wrote ${shown(run.outDir)}: ${plural(stacks().length, "stack")}`);
    expect(run.stderr).toBe("");
  });
});

describe("synth --verbose", () => {
  const outDir = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "previous-")), "cdktf.out");
  fs.mkdirSync(path.join(outDir, "stacks", "stale"), { recursive: true });
  const run = runApp(configFolder({ solo: environmentInput() }), { args: ["--verbose"], outDir });

  it("replaces the previous output as a whole: no stack folder of an older synth survives", () => {
    expect(fs.readdirSync(path.join(outDir, "stacks")).sort()).toEqual(
      // A production tier turns on its account's guardrails stack.
      ["bootstrap", guardrailsStackName(environmentInput().account.id), ...["network", "cluster", "data", "platform"].map((layer) => `solo-${layer}`)].sort(),
    );
    expect(fs.readdirSync(path.dirname(outDir))).toEqual(["cdktf.out"]);
  });

  it("adds each stack's policy summary and every suppression with its reason", () => {
    expect(run.status).toBe(0);
    const printed = lines(run.stdout);
    expect(
      printed.filter((line) =>
        /^ {2}policy: solo-network \((non-)?production\): \d+ rules checked on \d+ resources, 0 errors, 0 warnings, \d+ suppressed$/.test(line),
      ),
    ).toHaveLength(1);
    expect(printed.some((line) => /^ {4}suppressed: PLT-[A-Z0-9]+-\d{3} on \S+ \(.+\)$/.test(line))).toBe(true);
  });
});

describe("a synth that fails policy", () => {
  const dir = configFolder({ nologs: environmentInput({ network: { flowLogs: { enabled: false } } }) });
  const outDir = path.join(fs.mkdtempSync(path.join(path.dirname(dir), "previous-")), "cdktf.out");
  const previous = { "manifest.json": '{"stacks":{}}', "stacks/old/cdk.tf.json": '{"resource":{}}' };
  for (const [file, text] of Object.entries(previous)) {
    fs.mkdirSync(path.dirname(path.join(outDir, file)), { recursive: true });
    fs.writeFileSync(path.join(outDir, file), text);
  }
  const writtenAt = new Date("2026-01-02T03:04:05Z");
  fs.utimesSync(path.join(outDir, "manifest.json"), writtenAt, writtenAt);
  const run = runApp(dir, { outDir });

  it("prints one line per finding, naming the file, and when the untouched output was written; exit 1", () => {
    expect(run.status).toBe(1);
    const printed = lines(run.stderr);
    expect(printed).toHaveLength(2);
    expect(printed[0]).toMatch(
      new RegExp(
        `^${shown(path.join(dir, "nologs.yaml")).replace(/[.]/g, "\\.")}: policy nologs-network: error PLT-VPC-001 aws_vpc\\.\\S+ \\(nologs-network/Network/Vpc\\): the VPC has no flow log\\. Fix: .*network\\.flowLogs\\.enabled`,
      ),
    );
    expect(printed[1]).toBe(`${shown(outDir)} still holds the previous synth, written 2026-01-02T03:04:05Z`);
    expect(run.stdout).toBe("");
  });

  it("leaves the previous output exactly as it was, with no half-written folder beside it", () => {
    for (const [file, text] of Object.entries(previous)) expect(fs.readFileSync(path.join(outDir, file), "utf8")).toBe(text);
    expect(fs.readdirSync(path.join(outDir, "stacks"))).toEqual(["old"]);
    expect(fs.readdirSync(path.dirname(outDir))).toEqual(["cdktf.out"]);
  });
});
