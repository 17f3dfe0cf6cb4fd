import { createHash } from "crypto";
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parse, parseDocument } from "yaml";
import { scalarText } from "../../constructs/core/json";
import { valuesCopy } from "../../config/chart-values";
import { LOCK_FILE } from "../../config/charts";

/**
 * `npm run charts:pull`: the chart data the values checks read (Chart.yaml, values.yaml, values.schema.json of each
 * pinned chart and its subcharts), in `.cache/charts/<chart>/`. Each file's sha256 is pinned in `charts.lock.json`.
 * From a local mirror when there is one (PLATFORM_CHARTS_MIRROR, or ../shared/charts beside the repository), else
 * from the chart's published package: the repository's index.yaml names the .tgz and its sha256 digest.
 * To move a chart to another version: set the entry's `version` and empty its `files` (`{}`); the pull then pins the
 * sha256 of every values file of that version and writes them into charts.lock.json.
 */

export interface LockedChart {
  readonly chart: string;
  readonly version: string;
  /** The Helm repository (the folder of its index.yaml). */
  readonly repository: string;
  /** sha256 of each values file the checks read, by its path in the cache (`values.yaml`, `subcharts/grafana/values.yaml`). */
  readonly files: Readonly<Record<string, string>>;
}

export interface ChartsLock {
  readonly charts: readonly LockedChart[];
}

export { LOCK_FILE };
export const CACHE_DIR = path.join(".cache", "charts");
const READ_FILES = ["Chart.yaml", "values.yaml", "values.schema.json"];

/** The mirror to copy from: $PLATFORM_CHARTS_MIRROR, else ../shared/charts when it exists, else none (download). */
export function mirrorDir(repoRoot: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (env.PLATFORM_CHARTS_MIRROR) return path.resolve(env.PLATFORM_CHARTS_MIRROR);
  const beside = path.resolve(repoRoot, "..", "shared", "charts");
  return fs.existsSync(beside) ? beside : undefined;
}

export function sha256(data: Buffer | string): string {
  return createHash("sha256").update(data).digest("hex");
}

export class PullError extends Error {}

/** The version's files in a mirror folder: the chart folder, or a `release-*` copy whose Chart.yaml carries the version. */
function mirroredChart(mirror: string, chart: LockedChart): string {
  const dir = path.join(mirror, chart.chart);
  const candidates = fs.existsSync(dir) ? [dir, ...fs.readdirSync(dir).filter((entry) => entry.startsWith("release-")).map((entry) => path.join(dir, entry))] : [];
  const versions = candidates.filter((candidate) => {
    const meta = path.join(candidate, "Chart.yaml");
    return fs.existsSync(meta) && (String((parse(fs.readFileSync(meta, "utf8")) as { version?: unknown }).version) === chart.version || candidate.endsWith(chart.version));
  });
  // The chart folder may hold a newer commit that already carries the version (karpenter's main after its release)
  // beside the `release-<tag>` copy of the published files: the copy whose files the lock pins wins.
  const pinned = (candidate: string) =>
    Object.entries(chart.files).every(([file, digest]) => fs.existsSync(path.join(candidate, file)) && sha256(fs.readFileSync(path.join(candidate, file))) === digest);
  const found = versions.find(pinned) ?? versions[0];
  if (!found) throw new PullError(`${chart.chart} ${chart.version}: not in the mirror ${mirror}`);
  return found;
}

/** Files of an unpacked chart package (`<chart>/...`, subcharts under `charts/<name>/` or as nested .tgz) by cache path. */
function packagedFiles(root: string): Map<string, string> {
  const files = new Map<string, string>();
  for (const name of READ_FILES) if (fs.existsSync(path.join(root, name))) files.set(name, path.join(root, name));
  const charts = path.join(root, "charts");
  if (!fs.existsSync(charts)) return files;
  for (const entry of fs.readdirSync(charts).sort()) {
    let dir = path.join(charts, entry);
    if (entry.endsWith(".tgz")) {
      const unpacked = fs.mkdtempSync(path.join(root, ".sub-"));
      execFileSync("tar", ["-xzf", dir, "-C", unpacked]);
      const [top] = fs.readdirSync(unpacked);
      if (top === undefined) throw new PullError(`${entry}: an empty chart archive`);
      dir = path.join(unpacked, top);
    }
    if (!fs.statSync(dir).isDirectory()) continue;
    const sub = scalarText((parse(fs.readFileSync(path.join(dir, "Chart.yaml"), "utf8")) as { name?: unknown }).name) ?? entry;
    for (const name of READ_FILES) if (fs.existsSync(path.join(dir, name))) files.set(`subcharts/${sub}/${name}`, path.join(dir, name));
  }
  return files;
}

async function download(url: string): Promise<Buffer> {
  const response = await fetch(url);
  if (!response.ok) throw new PullError(`GET ${url}: HTTP ${response.status}`);
  return Buffer.from(await response.arrayBuffer());
}

/** Downloads the published package named by the repository's index.yaml, checks its digest and unpacks it. */
async function fetchPackage(chart: LockedChart, workDir: string): Promise<Map<string, string>> {
  const indexUrl = `${chart.repository.replace(/\/$/, "")}/index.yaml`;
  const index = parse((await download(indexUrl)).toString("utf8")) as { entries?: Record<string, { version: string; urls: string[]; digest?: string }[]> };
  const entry = index.entries?.[chart.chart]?.find((candidate) => candidate.version === chart.version);
  if (!entry) throw new PullError(`${chart.chart} ${chart.version}: not in ${indexUrl}`);
  const [first] = entry.urls;
  if (first === undefined) throw new PullError(`${chart.chart} ${chart.version}: ${indexUrl} lists no download URL`);
  const url = new URL(first, indexUrl).toString();
  const data = await download(url);
  if (!entry.digest || sha256(data) !== String(entry.digest)) {
    throw new PullError(`${chart.chart} ${chart.version}: ${url} has sha256 ${sha256(data)}, the repository index says ${entry.digest ?? "nothing"}`);
  }
  const archive = path.join(workDir, `${chart.chart}-${chart.version}.tgz`);
  fs.writeFileSync(archive, data);
  execFileSync("tar", ["-xzf", archive, "-C", workDir]);
  return packagedFiles(path.join(workDir, chart.chart));
}

function mirroredFiles(mirror: string, chart: LockedChart): Map<string, string> {
  const dir = mirroredChart(mirror, chart);
  const files = new Map<string, string>();
  for (const name of READ_FILES) if (fs.existsSync(path.join(dir, name))) files.set(name, path.join(dir, name));
  const subcharts = path.join(mirror, chart.chart, "subcharts");
  if (fs.existsSync(subcharts)) {
    for (const sub of fs.readdirSync(subcharts).sort()) {
      for (const name of READ_FILES) if (fs.existsSync(path.join(subcharts, sub, name))) files.set(`subcharts/${sub}/${name}`, path.join(subcharts, sub, name));
    }
  }
  return files;
}

export interface PullOptions {
  readonly mirror?: string;
  /** Called for an entry whose `files` is empty with the sha256 the pull pinned for each of its values files. */
  readonly onPinned?: (chart: LockedChart, files: Record<string, string>) => void;
}

/**
 * Pulls every locked chart into `cacheDir`; a file whose sha256 differs from the lock fails the pull and is not written.
 * An entry without files (`"files": {}`) is being pinned: its values files are taken as they are and reported to `onPinned`.
 */
export async function pullCharts(lock: ChartsLock, cacheDir: string, options: PullOptions = {}): Promise<string[]> {
  const pulled: string[] = [];
  const workDir = fs.mkdtempSync(path.join(os.tmpdir(), "charts-pull-"));
  try {
    for (const chart of lock.charts) {
      const files = options.mirror ? mirroredFiles(options.mirror, chart) : await fetchPackage(chart, fs.mkdtempSync(path.join(workDir, `${chart.chart}-`)));
      const contents = new Map<string, Buffer>();
      const pinning = Object.keys(chart.files).length === 0;
      const pinned = pinning
        ? Object.fromEntries([...files].filter(([file]) => !file.endsWith("Chart.yaml")).map(([file, source]) => [file, sha256(fs.readFileSync(source))]))
        : chart.files;
      if (pinning) options.onPinned?.(chart, pinned);
      for (const [file, expected] of Object.entries(pinned)) {
        const source = files.get(file);
        if (!source) throw new PullError(`${chart.chart} ${chart.version}: ${file} is pinned in ${LOCK_FILE} but not in the ${options.mirror ? "mirror" : "package"}`);
        const data = fs.readFileSync(source);
        if (sha256(data) !== expected) throw new PullError(`${chart.chart} ${chart.version}: ${file} has sha256 ${sha256(data)}, ${LOCK_FILE} pins ${expected}`);
        contents.set(file, data);
      }
      // Chart.yaml files are copied, not pinned: packaging may rewrite them; the chart's name and version must match.
      for (const [file, source] of files) if (file.endsWith("Chart.yaml")) contents.set(file, fs.readFileSync(source));
      if (options.mirror) {
        // A mirror holds the chart's sources at its tag, where some release tools leave `version: v0.0.0`
        // (cert-manager); the published package carries the released version, so the cache does too.
        const document = parseDocument(contents.get("Chart.yaml")?.toString("utf8") ?? "{}");
        document.set("version", chart.version);
        contents.set("Chart.yaml", Buffer.from(document.toString()));
      }
      const meta = parse(contents.get("Chart.yaml")?.toString("utf8") ?? "{}") as { name?: unknown; version?: unknown };
      if (String(meta.name) !== chart.chart || (!options.mirror && String(meta.version) !== chart.version)) {
        throw new PullError(`${chart.chart} ${chart.version}: its Chart.yaml says ${String(meta.name)} ${String(meta.version)}`);
      }
      const target = path.join(cacheDir, chart.chart);
      fs.rmSync(target, { recursive: true, force: true });
      for (const [file, data] of contents) {
        fs.mkdirSync(path.dirname(path.join(target, file)), { recursive: true });
        fs.writeFileSync(path.join(target, file), data);
        // The values parsed once, here, for the checks to read (config/chart-values.ts, valuesCopy).
        const copy = path.basename(file) === "values.yaml" ? valuesCopy(data.toString("utf8")) : undefined;
        if (copy !== undefined) fs.writeFileSync(path.join(target, `${file}.json`), copy);
      }
      pulled.push(`${chart.chart} ${chart.version}`);
    }
  } finally {
    fs.rmSync(workDir, { recursive: true, force: true });
  }
  return pulled;
}

async function main(): Promise<void> {
  const root = path.resolve(__dirname, "..", "..");
  const lock = JSON.parse(fs.readFileSync(path.join(root, LOCK_FILE), "utf8")) as ChartsLock;
  const mirror = mirrorDir(root);
  const pins = new Map<string, Record<string, string>>();
  const pulled = await pullCharts(lock, path.join(root, CACHE_DIR), { mirror, onPinned: (chart, files) => pins.set(chart.chart, files) });
  if (pins.size > 0) {
    const updated: ChartsLock = { charts: lock.charts.map((chart) => ({ ...chart, files: pins.get(chart.chart) ?? chart.files })) };
    fs.writeFileSync(path.join(root, LOCK_FILE), `${JSON.stringify(updated, null, 2)}\n`);
    console.log(`charts:pull: pinned the files of ${[...pins.keys()].join(", ")} in ${LOCK_FILE}`);
  }
  console.log(`charts:pull: ${pulled.length} charts into ${CACHE_DIR} from ${mirror ? `the mirror ${mirror}` : "their published packages"}, sha256 checked against ${LOCK_FILE}`);
}

if (process.argv[1] === __filename) {
  main().catch((error: Error) => {
    process.stderr.write(`charts:pull: ${error.message}\n`);
    process.exit(1);
  });
}
