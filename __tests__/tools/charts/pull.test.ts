import { execFileSync } from "child_process";
import * as fs from "fs";
import * as http from "http";
import { AddressInfo } from "net";
import * as os from "os";
import * as path from "path";
import { ChartsLock, mirrorDir, pullCharts, sha256 } from "../../../tools/charts/pull";
import { findChart, valuesCopy } from "../../../config/chart-values";
import { PLATFORM_ADD_ONS } from "../../../constructs/addons/catalog";
import { ARGOCD_APPS_CHART } from "../../../constructs/edge/gitops-application";
import { REPO_ROOT } from "../../support/environments";

const VALUES = "replicaCount: 1\nimage:\n  tag: v1\n";
const SUB_VALUES = "enabled: true\n";

/** A published chart package as `helm package` writes it: `demo/Chart.yaml`, `demo/values.yaml`, `demo/charts/sub/...`. */
function packageFixture(dir: string, values = VALUES): Buffer {
  const root = path.join(dir, "src", "demo");
  fs.mkdirSync(path.join(root, "charts", "sub"), { recursive: true });
  fs.writeFileSync(path.join(root, "Chart.yaml"), "apiVersion: v2\nname: demo\nversion: 1.2.3\n");
  fs.writeFileSync(path.join(root, "values.yaml"), values);
  fs.writeFileSync(path.join(root, "charts", "sub", "Chart.yaml"), "apiVersion: v2\nname: sub\nversion: 0.1.0\n");
  fs.writeFileSync(path.join(root, "charts", "sub", "values.yaml"), SUB_VALUES);
  const archive = path.join(dir, "demo-1.2.3.tgz");
  execFileSync("tar", ["-czf", archive, "-C", path.join(dir, "src"), "demo"]);
  return fs.readFileSync(archive);
}

const lockFor = (repository: string): ChartsLock => ({
  charts: [{ chart: "demo", version: "1.2.3", repository, files: { "values.yaml": sha256(VALUES), "subcharts/sub/values.yaml": sha256(SUB_VALUES) } }],
});

describe("npm run charts:pull from a chart repository (a loopback server)", () => {
  let server: http.Server;
  let repository: string;
  let served: Buffer;
  let indexDigest: string;
  let work: string;
  const requests: string[] = [];

  beforeAll(async () => {
    work = fs.mkdtempSync(path.join(os.tmpdir(), "charts-pull-test-"));
    served = packageFixture(work);
    indexDigest = sha256(served);
    server = http.createServer((request, response) => {
      requests.push(request.url ?? "");
      if (request.url === "/charts/index.yaml") {
        response.end(`apiVersion: v1\nentries:\n  demo:\n    - version: 1.2.3\n      digest: "${indexDigest}"\n      urls: [demo-1.2.3.tgz]\n`);
      } else if (request.url === "/charts/demo-1.2.3.tgz") {
        response.end(served);
      } else {
        response.statusCode = 404;
        response.end();
      }
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    repository = `http://127.0.0.1:${(server.address() as AddressInfo).port}/charts`;
  });

  afterAll(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
    fs.rmSync(work, { recursive: true, force: true });
  });

  it("downloads the package the index names, checks its digest and caches the pinned files with the subchart's", async () => {
    const cache = fs.mkdtempSync(path.join(work, "cache-"));
    expect(await pullCharts(lockFor(repository), cache)).toEqual(["demo 1.2.3"]);
    expect(requests).toEqual(expect.arrayContaining(["/charts/index.yaml", "/charts/demo-1.2.3.tgz"]));
    expect(fs.readFileSync(path.join(cache, "demo", "values.yaml"), "utf8")).toBe(VALUES);
    expect(fs.readFileSync(path.join(cache, "demo", "subcharts", "sub", "values.yaml"), "utf8")).toBe(SUB_VALUES);
    expect(fs.existsSync(path.join(cache, "demo", "Chart.yaml"))).toBe(true);
  });

  it("writes each values.yaml parsed beside it, and the values checks read that copy only while it is of the same text", async () => {
    const cache = fs.mkdtempSync(path.join(work, "cache-"));
    await pullCharts(lockFor(repository), cache);
    const values = path.join(cache, "demo", "values.yaml");
    expect(JSON.parse(fs.readFileSync(`${values}.json`, "utf8"))).toEqual({ sha256: sha256(VALUES), values: { replicaCount: 1, image: { tag: "v1" } } });
    expect(JSON.parse(fs.readFileSync(path.join(cache, "demo", "subcharts", "sub", "values.yaml.json"), "utf8")).values).toEqual({ enabled: true });
    const defaults = () => {
      const found = findChart(cache, "demo", "1.2.3");
      if (!("chart" in found)) throw new Error(found.missing);
      return found.chart.defaults;
    };
    // The copy is what is read: a copy of the same text says so through its values.
    fs.writeFileSync(`${values}.json`, JSON.stringify({ sha256: sha256(VALUES), values: { fromTheCopy: true } }));
    expect(defaults()).toEqual({ fromTheCopy: true });
    // A values.yaml edited after the pull is parsed again: its copy is of another text.
    fs.writeFileSync(values, "replicaCount: 3\n");
    expect(defaults()).toEqual({ replicaCount: 3 });
  });

  it("writes no copy JSON cannot hold exactly (.inf, .nan)", () => {
    expect(valuesCopy("replicaCount: 2\n")).toBe(JSON.stringify({ sha256: sha256("replicaCount: 2\n"), values: { replicaCount: 2 } }));
    expect(valuesCopy("limit: .inf\n")).toBeUndefined();
    expect(valuesCopy("ratio: .nan\n")).toBeUndefined();
  });

  it("refuses a package whose sha256 is not the index's digest", async () => {
    const cache = fs.mkdtempSync(path.join(work, "cache-"));
    const honest = indexDigest;
    indexDigest = "0".repeat(64);
    try {
      await expect(pullCharts(lockFor(repository), cache)).rejects.toThrow(
        /demo 1\.2\.3: .*demo-1\.2\.3\.tgz has sha256 [0-9a-f]{64}, the repository index says 0{64}/,
      );
    } finally {
      indexDigest = honest;
    }
    expect(fs.existsSync(path.join(cache, "demo"))).toBe(false);
  });

  it("refuses a values file whose sha256 is not the one pinned in charts.lock.json", async () => {
    const cache = fs.mkdtempSync(path.join(work, "cache-"));
    const original = served;
    served = packageFixture(fs.mkdtempSync(path.join(work, "tampered-")), "replicaCount: 5\n");
    indexDigest = sha256(served);
    try {
      await expect(pullCharts(lockFor(repository), cache)).rejects.toThrow(/values\.yaml has sha256 [0-9a-f]{64}, charts\.lock\.json pins/);
    } finally {
      served = original;
      indexDigest = sha256(original);
    }
    expect(fs.existsSync(path.join(cache, "demo"))).toBe(false);
  });

  it("pins the values files of an entry whose files are empty (another version being adopted) and caches them", async () => {
    const cache = fs.mkdtempSync(path.join(work, "cache-"));
    const lock = { charts: [{ ...lockFor(repository).charts[0], files: {} }] };
    const pinned: Record<string, Record<string, string>> = {};
    expect(await pullCharts(lock, cache, { onPinned: (chart, files) => (pinned[chart.chart] = files) })).toEqual(["demo 1.2.3"]);
    expect(pinned).toEqual({ demo: lockFor(repository).charts[0].files });
    expect(fs.readFileSync(path.join(cache, "demo", "values.yaml"), "utf8")).toBe(VALUES);
  });

  it("names a version the repository does not publish", async () => {
    const lock = { charts: [{ ...lockFor(repository).charts[0], version: "9.9.9" }] };
    await expect(pullCharts(lock, fs.mkdtempSync(path.join(work, "cache-")))).rejects.toThrow(`demo 9.9.9: not in ${repository}/index.yaml`);
  });
});

describe("charts.lock.json", () => {
  const lock = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, "charts.lock.json"), "utf8")) as ChartsLock;

  it("pins every chart the add-ons and the delivery layer install, at their versions, each with its values.yaml", () => {
    const pinned = [...PLATFORM_ADD_ONS.map((addOn) => addOn.chart), ARGOCD_APPS_CHART].map((chart) => `${chart.chart} ${chart.version} ${chart.repository}`);
    expect(lock.charts.map((chart) => `${chart.chart} ${chart.version} ${chart.repository}`).sort()).toEqual(pinned.sort());
    for (const chart of lock.charts) expect(chart.files["values.yaml"]).toMatch(/^[0-9a-f]{64}$/);
  });

  it("reads from the mirror PLATFORM_CHARTS_MIRROR names, else ../shared/charts when it exists, else downloads", () => {
    expect(mirrorDir(REPO_ROOT, { PLATFORM_CHARTS_MIRROR: "/srv/charts" })).toBe("/srv/charts");
    const beside = path.resolve(REPO_ROOT, "..", "shared", "charts");
    expect(mirrorDir(REPO_ROOT, {})).toBe(fs.existsSync(beside) ? beside : undefined);
  });
});

describe("npm run charts:pull from a mirror", () => {
  it("takes the release copy whose files the lock pins when the chart folder already carries the version (karpenter's main after a release)", async () => {
    const mirror = fs.mkdtempSync(path.join(os.tmpdir(), "charts-mirror-test-"));
    const cache = fs.mkdtempSync(path.join(os.tmpdir(), "charts-cache-test-"));
    try {
      const write = (dir: string, values: string) => {
        fs.mkdirSync(dir, { recursive: true });
        fs.writeFileSync(path.join(dir, "Chart.yaml"), "apiVersion: v2\nname: demo\nversion: 1.2.3\n");
        fs.writeFileSync(path.join(dir, "values.yaml"), values);
      };
      write(path.join(mirror, "demo"), "newerKey: true\n");
      write(path.join(mirror, "demo", "release-v1.2.3"), VALUES);
      const lock: ChartsLock = { charts: [{ chart: "demo", version: "1.2.3", repository: "oci://example.com/charts", files: { "values.yaml": sha256(VALUES) } }] };
      expect(await pullCharts(lock, cache, { mirror })).toEqual(["demo 1.2.3"]);
      expect(fs.readFileSync(path.join(cache, "demo", "values.yaml"), "utf8")).toBe(VALUES);
    } finally {
      fs.rmSync(mirror, { recursive: true, force: true });
      fs.rmSync(cache, { recursive: true, force: true });
    }
  });
});
