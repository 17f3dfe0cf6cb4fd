import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { stringify } from "yaml";
import { loadFile } from "../../config";
import { ADD_ON_CHARTS, checkChartValues, checkChartVersions, lockedVersions } from "../../config/charts";
import { PLATFORM_ADD_ONS } from "../../constructs/addons/catalog";
import { environmentInput, REPO_ROOT, testEnvironment } from "../support/environments";

type Overrides = Parameters<typeof environmentInput>[0];

const locked = lockedVersions(REPO_ROOT);
const pinnedVersion = (chart: string) => locked.get(chart)!;

/** Loads an environment file written from `overrides` the way the synth does (the chart checks run on files). */
function fileProblems(overrides: Overrides): string[] {
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "charts-config-")), "test.yaml");
  fs.writeFileSync(file, stringify(environmentInput(overrides)));
  const result = loadFile(file);
  return "problems" in result ? result.problems.map((problem) => `${problem.location}: ${problem.message}`) : [];
}

describe("chart versions against charts.lock.json", () => {
  it("knows the chart of every add-on the platform installs", () => {
    expect(Object.fromEntries(PLATFORM_ADD_ONS.map((addOn) => [addOn.name, addOn.chart.chart]))).toEqual(ADD_ON_CHARTS);
  });

  it("refuses an override the lock does not pin, naming the pinned version and how to pin another", () => {
    const pinned = pinnedVersion("cluster-autoscaler");
    const other = `${pinned}-other.1`;
    expect(fileProblems({ platform: { clusterAutoscaler: { version: other } } })).toEqual([
      `platform.clusterAutoscaler.version: "${other}" is not the version charts.lock.json pins for the cluster-autoscaler chart ("${pinned}"), so its values cannot be checked; to install ${other}, set the cluster-autoscaler entry's "version" to "${other}" and its "files" to {} in charts.lock.json, then run npm run charts:pull (it pins the new files' sha256)`,
    ]);
  });

  it("accepts an override to the pinned version", () => {
    expect(fileProblems({ platform: { vault: { version: pinnedVersion("vault") } } })).toEqual([]);
    expect(checkChartVersions(testEnvironment().platform, locked)).toEqual([]);
  });
});

describe("free-form Helm values against the chart's defaults and schema, at config load", () => {
  const vault = `the vault ${pinnedVersion("vault")} chart`;

  it("refuses a misspelt key with the closest real one, however deep", () => {
    expect(fileProblems({ platform: { vault: { values: { server: { dve: { enabled: false } } } } } })).toEqual([
      `platform.vault.values.server.dve: "dve" is not a value of ${vault}: its values.yaml and values.schema.json have no such key (did you mean "dev"?)`,
    ]);
    expect(fileProblems({ platform: { kubePrometheusStack: { values: { grafana: { persistance: { enabled: true } } } } } })).toEqual([
      `platform.kubePrometheusStack.values.grafana.persistance: "persistance" is not a value of the kube-prometheus-stack ${pinnedVersion("kube-prometheus-stack")} chart: its values.yaml and values.schema.json have no such key (did you mean "persistence"?)`,
    ]);
  });

  it("refuses what the chart's values.schema.json refuses, with what it allows", () => {
    expect(fileProblems({ platform: { vault: { values: { server: { ha: { replicas: "three" } } } } } })).toEqual([
      `platform.vault.values.server.ha.replicas: must be integer (values.schema.json of ${vault})`,
    ]);
    const problems = fileProblems({ platform: { externalDns: { values: { logLevel: "loud" } } } });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(
      /^platform\.externalDns\.values\.logLevel: must be equal to one of the allowed values: .*"debug".* \(values\.schema\.json of the external-dns /,
    );
  });

  it("accepts real keys, maps the chart documents as free-form, and values the chart's own defaults already break nowhere", () => {
    expect(
      fileProblems({
        platform: {
          vault: { values: { server: { dev: { enabled: false } } } },
          argoCd: { values: { configs: { cm: { "any.setting": "x" } } } },
        },
      }),
    ).toEqual([]);
  });

  it("reports a chart-values problem in the same round as the file's other problems", () => {
    const problems = fileProblems({ network: { cidr: "10.0.0.0/33" }, platform: { vault: { values: { servr: {} } } } });
    expect(problems).toEqual(
      expect.arrayContaining([expect.stringMatching(/^network\.cidr: /), expect.stringMatching(/^platform\.vault\.values\.servr: .*did you mean "server"/)]),
    );
  });

  it("says in one line that values cannot be checked before npm run charts:pull, and leaves environments without values alone", () => {
    const empty = fs.mkdtempSync(path.join(os.tmpdir(), "no-charts-"));
    const saved = process.env.PLATFORM_CHARTS_DIR;
    process.env.PLATFORM_CHARTS_DIR = empty;
    try {
      const platform = testEnvironment({ platform: { vault: { values: { server: { dev: { enabled: false } } } } } }).platform;
      expect(checkChartValues(platform, locked, REPO_ROOT)).toEqual([
        { location: "platform.vault.values", message: `cannot be checked against the chart: chart vault has no data in ${empty}` },
      ]);
      expect(checkChartValues(testEnvironment().platform, locked, REPO_ROOT)).toEqual([]);
    } finally {
      if (saved === undefined) delete process.env.PLATFORM_CHARTS_DIR;
      else process.env.PLATFORM_CHARTS_DIR = saved;
    }
  });
});
