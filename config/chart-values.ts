import { createHash } from "crypto";
import * as fs from "fs";
import * as path from "path";
import { isDeepStrictEqual } from "util";
import Ajv, { AnySchema, ErrorObject } from "ajv";
import Ajv2020 from "ajv/dist/2020";
import { parse } from "yaml";
import { scalarText } from "../constructs/core/json";
import { closest } from "./suggest";

/**
 * The offline values check: every key a Helm release passes must exist in the chart's own values.yaml at the pinned
 * version (keys under a subchart's name in the subchart's values.yaml), and the values must satisfy the chart's
 * values.schema.json where it ships one. Keys whose default is an empty map, an empty list or null are open.
 */

/**
 * Where the charts' files are: $PLATFORM_CHARTS_DIR, else the cache `npm run charts:pull` fills (`.cache/charts`, each
 * file checked against charts.lock.json).
 */
export function chartsDir(repoRoot: string, env: NodeJS.ProcessEnv = process.env): string {
  return env.PLATFORM_CHARTS_DIR || path.join(repoRoot, ".cache", "charts");
}

export interface ChartData {
  readonly name: string;
  readonly version: string;
  readonly dir: string;
  readonly defaults: Record<string, unknown>;
  readonly schema?: Record<string, unknown>;
  readonly subcharts: ReadonlyMap<string, ChartData>;
}

export type ChartLookup = { readonly chart: ChartData } | { readonly missing: string };

/** A chart file's YAML text parsed; an empty document is an empty map. */
function parseChartYaml(text: string): Record<string, unknown> {
  return (parse(text) as Record<string, unknown> | null) ?? {};
}

/** The sha256 of a values file's text, which its parsed copy (valuesCopy) names. */
export function valuesDigest(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}

/**
 * What `npm run charts:pull` writes beside a chart's values.yaml (`values.yaml.json`): the file parsed, for the checks
 * to read without parsing it again in every process (the charts' values files are 1.6 MB of YAML, a second of CPU).
 * Written only when JSON holds the parsed values exactly; undefined when not.
 */
export function valuesCopy(text: string): string | undefined {
  const values = parseChartYaml(text);
  const copy = JSON.stringify({ sha256: valuesDigest(text), values });
  return isDeepStrictEqual((JSON.parse(copy) as { values: unknown }).values, values) ? copy : undefined;
}

/** A chart's values.yaml, parsed: from its copy when that copy is of this very text, else parsed here. */
function readValues(file: string): Record<string, unknown> {
  const text = fs.readFileSync(file, "utf8");
  const copy = `${file}.json`;
  if (fs.existsSync(copy)) {
    const parsed = JSON.parse(fs.readFileSync(copy, "utf8")) as { sha256?: unknown; values?: Record<string, unknown> };
    if (parsed.sha256 === valuesDigest(text) && parsed.values) return parsed.values;
  }
  return parseChartYaml(text);
}

function loadChartDir(dir: string): ChartData {
  const meta = parseChartYaml(fs.readFileSync(path.join(dir, "Chart.yaml"), "utf8"));
  const schemaFile = path.join(dir, "values.schema.json");
  const subchartsDir = path.join(dir, "subcharts");
  const subcharts = new Map<string, ChartData>();
  if (fs.existsSync(subchartsDir)) {
    for (const entry of fs.readdirSync(subchartsDir).sort()) {
      if (fs.existsSync(path.join(subchartsDir, entry, "values.yaml"))) subcharts.set(entry, loadChartDir(path.join(subchartsDir, entry)));
    }
  }
  return {
    name: String(meta.name),
    version: String(meta.version),
    dir,
    defaults: readValues(path.join(dir, "values.yaml")),
    schema: fs.existsSync(schemaFile) ? (JSON.parse(fs.readFileSync(schemaFile, "utf8")) as Record<string, unknown>) : undefined,
    subcharts,
  };
}

/**
 * The chart's files at exactly `version`: the chart folder when its Chart.yaml has that version, else a published
 * copy in `release-*` whose Chart.yaml or folder name carries it (cert-manager's sources say v0.0.0 until release).
 */
export function findChart(root: string, chart: string, version: string): ChartLookup {
  const dir = path.join(root, chart);
  if (!fs.existsSync(path.join(dir, "Chart.yaml"))) {
    return { missing: `chart ${chart} has no data in ${root}${root.endsWith(path.join(".cache", "charts")) ? " (run `npm run charts:pull`)" : ""}` };
  }
  const candidates = [
    dir,
    ...fs
      .readdirSync(dir)
      .filter((entry) => entry.startsWith("release-"))
      .map((entry) => path.join(dir, entry)),
  ];
  const loaded = candidates.filter((candidate) => fs.existsSync(path.join(candidate, "Chart.yaml"))).map(loadChartDir);
  const found =
    loaded.find((data) => data.version === version) ??
    loaded.find((data) => path.basename(data.dir).startsWith("release-") && path.basename(data.dir).endsWith(version));
  if (!found) {
    const known = loaded.map((data) => `${path.relative(root, data.dir)} (${data.version})`).join(", ");
    return { missing: `chart ${chart} ${version} has no data in ${root}; available: ${known}` };
  }
  return { chart: found };
}

/** One thing wrong with a release's values: where (a dotted path into the values) and what. */
export interface ValuesFinding {
  /** Dotted path into the values (`server.dev.enabled`); "" for the root. */
  readonly path: string;
  /** `unknown-key`: neither values.yaml nor the schema has it; `not-a-map`: a map where the chart has a scalar; `schema`: values.schema.json refuses it. */
  readonly kind: "unknown-key" | "not-a-map" | "schema";
  readonly message: string;
  /** For an unknown key: the chart's key at that level closest to it, when one is close enough to be the intended one. */
  readonly suggestion?: string;
}

export interface ValuesReport {
  /** Number of key paths looked up in the chart's defaults. */
  readonly keysChecked: number;
  /** Each finding as one line, `<path>: <message>`. */
  readonly problems: string[];
  readonly findings: ValuesFinding[];
}

function isMap(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function isOpen(value: unknown): boolean {
  return value === null || (Array.isArray(value) && value.length === 0) || (isMap(value) && Object.keys(value).length === 0);
}

type Schema = Record<string, unknown>;

/** A schema node with local `$ref`s (`#/$defs/...`, `#/definitions/...`) followed. */
function resolveRef(root: Schema, node: unknown): Schema | undefined {
  let current = node;
  for (let hops = 0; isMap(current) && typeof current.$ref === "string" && hops < 20; hops += 1) {
    const ref: string = current.$ref;
    if (!ref.startsWith("#/")) return undefined;
    current = ref
      .slice(2)
      .split("/")
      .reduce<unknown>((at, part) => (isMap(at) ? at[part.replace(/~1/g, "/").replace(/~0/g, "~")] : undefined), root);
  }
  return isMap(current) ? current : undefined;
}

/**
 * One place a key can be declared: the chart's defaults (values.yaml) or, for options the chart documents only as
 * comments there, its schema's `properties`.
 */
type Declaration = { readonly defaults: unknown } | { readonly schema: Schema; readonly root: Schema };

/** The keys a declaration names at its level: the default map's keys and the schema's properties. */
function keysOf(declaration: Declaration): string[] {
  if ("defaults" in declaration) return isMap(declaration.defaults) ? Object.keys(declaration.defaults) : [];
  const properties = declaration.schema.properties;
  return isMap(properties) ? Object.keys(properties) : [];
}

function childOf(declaration: Declaration, key: string): Declaration | undefined {
  if ("defaults" in declaration) {
    return isMap(declaration.defaults) && key in declaration.defaults ? { defaults: declaration.defaults[key] } : undefined;
  }
  const properties = declaration.schema.properties;
  const child = isMap(properties) ? resolveRef(declaration.root, properties[key]) : undefined;
  return child ? { schema: child, root: declaration.root } : undefined;
}

/**
 * Open: anything below is allowed. A default of {} / [] / null opens a key; a schema object without declared
 * properties opens it only where values.yaml is silent (most schemas are generated loosely from values.yaml).
 */
function isOpenKey(known: Declaration[]): boolean {
  const defaults = known.filter((declaration) => "defaults" in declaration);
  if (defaults.length > 0) return defaults.some((declaration) => isOpen((declaration as { defaults: unknown }).defaults));
  return known.some((declaration) => "schema" in declaration && !isMap(declaration.schema.properties));
}

/**
 * Walks `values` against every declaration of the same map at once (the parent's defaults for a subchart, the
 * subchart's own, the schema): a key is known when any declares it, open when any declares it open.
 */
function walk(values: Record<string, unknown>, declarations: Declaration[], at: string, report: WalkState): void {
  for (const [key, value] of Object.entries(values)) {
    const where = at ? `${at}.${key}` : key;
    report.keysChecked += 1;
    if (report.openPaths.has(where)) continue;
    const known = declarations.map((declaration) => childOf(declaration, key)).filter((child): child is Declaration => child !== undefined);
    if (known.length === 0) {
      const suggestion = closest(key, [...new Set(declarations.flatMap(keysOf))]);
      report.findings.push({ path: where, kind: "unknown-key", message: "not a key of the chart's values.yaml", ...(suggestion ? { suggestion } : {}) });
      continue;
    }
    if (isOpenKey(known) || !isMap(value)) continue;
    const maps = known.filter((declaration) => !("defaults" in declaration) || isMap(declaration.defaults));
    if (maps.length === 0) {
      report.findings.push({
        path: where,
        kind: "not-a-map",
        message: `is a map, but the chart's default is ${JSON.stringify((known[0] as { defaults: unknown }).defaults)}`,
      });
      continue;
    }
    walk(value, maps, where, report);
  }
}

function declarationsOf(chart: ChartData): Declaration[] {
  const schema = chart.schema ? resolveRef(chart.schema, chart.schema) : undefined;
  return [{ defaults: chart.defaults }, ...(schema && chart.schema ? [{ schema, root: chart.schema }] : [])];
}

function deepMerge(base: unknown, over: unknown): unknown {
  if (!isMap(base) || !isMap(over)) return over === undefined ? base : over;
  const result: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(over)) result[key] = deepMerge(base[key], value);
  return result;
}

/** Compiled validators by schema object: a synth checks several environments' values against the same chart. */
const validators = new WeakMap<Record<string, unknown>, (data: unknown) => ErrorObject[]>();

function schemaValidator(schema: Record<string, unknown>): (data: unknown) => ErrorObject[] {
  const cached = validators.get(schema);
  if (cached) return cached;
  const validator = compileSchema(schema);
  validators.set(schema, validator);
  return validator;
}

function compileSchema(schema: Record<string, unknown>): (data: unknown) => ErrorObject[] {
  const dialect = scalarText(schema.$schema) ?? "";
  const body = Object.fromEntries(Object.entries(schema).filter(([key]) => key !== "$schema"));
  // vault names draft-07 by an https URI that ajv does not know: validate the body as draft-07, as the chart means.
  const ajv = dialect.includes("2020-12") ? new Ajv2020({ strict: false, allErrors: true }) : new Ajv({ strict: false, allErrors: true });
  const validate = ajv.compile(dialect.includes("2020-12") ? (schema as AnySchema) : (body as AnySchema));
  return (data) => (validate(data) ? [] : (validate.errors ?? []));
}

/** ajv's message, with what an enum allows (`must be equal to one of the allowed values: debug, info`). */
function schemaMessage(error: ErrorObject): string {
  const message = error.message ?? "fails the chart's values.schema.json";
  const allowed = (error.params as { allowedValues?: unknown }).allowedValues;
  return error.keyword === "enum" && Array.isArray(allowed) ? `${message}: ${allowed.map((value) => JSON.stringify(value)).join(", ")}` : message;
}

interface WalkState {
  keysChecked: number;
  readonly findings: ValuesFinding[];
  readonly openPaths: ReadonlySet<string>;
}

/**
 * Checks one release's values against its chart: key existence (parent and subcharts) and the JSON schema.
 * `openPaths` names maps the chart documents as free-form although their default has entries (argo-cd's
 * `configs.cm` is the argocd-cm ConfigMap: any Argo CD setting is a key there).
 */
export function checkValues(chart: ChartData, values: Record<string, unknown>, openPaths: readonly string[] = []): ValuesReport {
  const report: WalkState = { keysChecked: 0, findings: [], openPaths: new Set(openPaths) };
  const own = declarationsOf(chart);
  for (const [key, value] of Object.entries(values)) {
    const subchart = chart.subcharts.get(key);
    const inherited = key === "global" ? [...chart.subcharts.values()] : subchart ? [subchart] : [];
    if (inherited.length > 0 && isMap(value)) {
      report.keysChecked += 1;
      const parent = own.map((declaration) => childOf(declaration, key)).filter((child): child is Declaration => child !== undefined);
      const fromSubcharts = inherited.flatMap((sub) =>
        key === "global"
          ? declarationsOf(sub)
              .map((declaration) => childOf(declaration, "global"))
              .filter((child): child is Declaration => child !== undefined)
          : declarationsOf(sub),
      );
      walk(value, [...parent, ...fromSubcharts], key, report);
    } else {
      walk({ [key]: value }, own, "", report);
    }
  }
  const coalesced = deepMerge(chart.defaults, values);
  const schemas: [string, Record<string, unknown> | undefined, unknown][] = [
    ["", chart.schema, coalesced],
    ...[...chart.subcharts.entries()].map(([name, sub]): [string, Record<string, unknown> | undefined, unknown] => [
      `${name}.`,
      sub.schema,
      deepMerge(sub.defaults, (coalesced as Record<string, unknown>)[name]),
    ]),
  ];
  for (const [prefix, schema, data] of schemas) {
    if (!schema) continue;
    for (const error of schemaValidator(schema)(data)) {
      report.findings.push({
        path: `${prefix}${error.instancePath.replace(/^\//, "").replace(/\//g, ".")}`.replace(/\.$/, ""),
        kind: "schema",
        message: schemaMessage(error),
      });
    }
  }
  return {
    keysChecked: report.keysChecked,
    problems: report.findings.map((finding) => `${finding.path || "(root)"}: ${finding.message}`),
    findings: report.findings,
  };
}
