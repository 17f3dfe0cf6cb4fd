import type * as ValuesYaml from "../../../constructs/core/values-yaml";
import type * as Yaml from "yaml";
import { Release } from "@cdktf/provider-helm/lib/release";

/** yaml.stringify as written by yaml, for the expectations; the modules under test get a counted one. */
const { stringify: yamlStringify } = jest.requireActual<typeof Yaml>("yaml");
const yamlOf = (value: unknown) => yamlStringify(value, { lineWidth: 0 });

/** Every values object the app writes, with its text and yaml.stringify's at the time it was written. */
const written: { values: unknown; text: string; expected: string }[] = [];

// yaml.stringify counted and valuesToYaml recorded: registered before the modules under test are loaded (the transform
// does not hoist jest.mock above imports), so they are required below, after it.
jest.doMock("yaml", () => {
  const actual = jest.requireActual<typeof Yaml>("yaml");
  return { ...actual, stringify: jest.fn(actual.stringify) };
});
jest.doMock("../../../constructs/core/values-yaml", () => {
  const actual = jest.requireActual<typeof ValuesYaml>("../../../constructs/core/values-yaml");
  return {
    ...actual,
    valuesToYaml: (values: unknown): string => {
      const text = actual.valuesToYaml(values);
      written.push({ values, text, expected: yamlOf(values) });
      return text;
    },
  };
});
/* eslint-disable @typescript-eslint/no-require-imports -- loaded after the mocks above */
const { stringify } = require("yaml") as typeof Yaml;
const { valuesToYaml } = jest.requireActual<typeof ValuesYaml>("../../../constructs/core/values-yaml");
const { buildApp } = require("../../../main") as typeof import("../../../main");
const { shippedEnvironments, testApp } = require("../../support/environments") as typeof import("../../support/environments");
/* eslint-enable @typescript-eslint/no-require-imports */

/** Strings YAML treats specially somewhere: indicators, types, quotes, lines, whitespace, unicode, control characters. */
const AWKWARD_STRINGS: readonly string[] = [
  ...["", " ", "   ", "a", "a b", " a", "a ", "\ta", "a\t", "a\tb", "ü", "naïve café", "1.5 × 2", "emoji 🚀", "\u2028", "a\u0085b", "bell\x07"],
  ...["yes", "no", "on", "off", "y", "n", "Yes", "NO", "true", "True", "TRUE", "false", "False", "null", "Null", "NULL", "~", "tRUE"],
  ...["0", "1", "-1", "+1", "012", "1.5", ".5", "1.", "-1.5e3", "1e3", "1E-3", "0x1F", "0o17", "0b101", "1_000", ".inf", "-.inf", ".NaN", "1:30"],
  ...["a: b", "a:b", "a:", ":a", "a :b", "key: value: more", "http://example.com:8080/path?q=1&r=2#frag", "hashicorp/vault:2.0.4"],
  ...["#a", "a #b", "a#b", "a # b", "-", "- a", "-a", "--", "---", "--- a", "...", "... a", "?", "? a", "?a", "a?", "*a", "a*", "&a", "!a", "!!str"],
  ...["|", "|-", ">", "%a", "%YAML 1.2", "@a", "`a", "a`", "[a]", "a[0]", "{a}", "{{ .Values.x }}", "a,b", ",a", "a,", "=(initContainers)", "<<"],
  ...["'", '"', "'a'", '"a"', "it's", 'say "hi"', `both ' and "`, "a\\b", "C:\\path\\to", "${TfToken[TOKEN.616]}", "x ${TfToken[TOKEN.1]}: y"],
  ...["a\nb", "a\n", "a\n\n", "\na", "\n", "\n\n", " \na", "a \nb", "a\n b", "a\n\n\nb\n", "  indented\nnext", "a\r\nb", "a\n---\nb", "a\n...\n"],
  ...["#!/bin/sh\nset -e\necho 'hi' # comment\n", "key: value\nother: [1, 2]\n", `${"long ".repeat(300)}end`, `${"line\n".repeat(30)}tail`, "a\n\tb"],
  ...["__proto__", "constructor", "toString"],
  ...["short\nquoted ' and \"", "trailing spaces  \nnext  ", `${"x".repeat(1100)}`, "ends with a colon:", "tab\tinside: yes", "a\u00a0b"],
];

const AWKWARD_SCALARS: readonly unknown[] = [
  ...AWKWARD_STRINGS,
  ...[0, 1, -1, 42, 1.5, -0.25, 0.1 + 0.2, 1e21, 1e-7, 2 ** 53 + 2, Number.MAX_VALUE, Number.MIN_VALUE, NaN, Infinity, -Infinity, -0],
  ...[-1.8881545897087626e289, true, false, null],
];

/** The value at each place a scalar stands: a map's value and a list's item, at the top and deeper. */
function placements(value: unknown): unknown[] {
  return [
    { key: value },
    { a: { b: { c: value } } },
    { list: [value] },
    { list: [value, "after"] },
    { a: [{ b: value, c: [value, [value]] }] },
    { a: [[value]], b: { c: { d: { e: { f: value } } } } },
  ];
}

describe("valuesToYaml", () => {
  it("writes the values of every Helm release of every environment as yaml.stringify does", () => {
    written.length = 0;
    const app = buildApp(testApp(), shippedEnvironments());
    const releases = app.node.findAll().filter((node) => node instanceof Release);
    expect(written.length).toBeGreaterThan(0);
    // What was written is what the releases carry.
    const carried = new Set(releases.flatMap((release) => release.valuesInput ?? []));
    for (const { text } of written) expect(carried.has(text)).toBe(true);
    for (const [index, { text, expected }] of written.entries()) expect({ index, text }).toEqual({ index, text: expected });
  });

  it("writes every awkward scalar as yaml.stringify does, as a value and a list item at every depth", () => {
    for (const scalar of AWKWARD_SCALARS) {
      for (const values of placements(scalar)) expect({ values, text: valuesToYaml(values) }).toEqual({ values, text: yamlOf(values) });
    }
  });

  it("writes every awkward string as a key as yaml.stringify does, at the top and deeper", () => {
    for (const key of AWKWARD_STRINGS) {
      for (const values of [{ [key]: 1 }, { a: { [key]: "b" } }, { a: [{ [key]: { c: 1 } }] }, { [key]: [1], other: 2 }]) {
        expect({ key, text: valuesToYaml(values) }).toEqual({ key, text: yamlOf(values) });
      }
    }
  });

  it("writes empty, nested and shared collections as yaml.stringify does, anchors and aliases included", () => {
    const shared = { nodeSelector: { role: "system" } };
    const tolerations = [{ key: "dedicated", operator: "Equal", value: "system", effect: "NoSchedule" }];
    const empty = {};
    const emptyList: unknown[] = [];
    const cases: unknown[] = [
      { a: {}, b: [], c: [[], {}], d: [[1, 2], [{ e: 1, f: [3] }]], g: [[[]]], h: { i: { j: [] } } },
      { a: shared, b: shared, c: [shared, { d: shared }] },
      { a: { tolerations, nodeSelector: shared.nodeSelector }, b: { tolerations, nodeSelector: shared.nodeSelector } },
      { a: [tolerations, tolerations], b: { c: tolerations } },
      { a: empty, b: empty, c: [empty, emptyList, emptyList], d: emptyList },
      { outer: { inner: shared }, again: { inner: shared }, whole: [{ outer: shared }] },
      { a: { b: undefined, c: 1 }, d: undefined, e: { f: undefined } },
      { list: [{ a: 1, b: [1, 2], c: { d: [{}] } }, "s", 1, null, true, [{ x: "y" }, []]] },
      { [`${"k".repeat(1100)}`]: 1 },
      { "---": 1, nested: { "---": 1, "...": 2, "%x": 3 } },
      Object.assign(Object.create(null) as object, { nullPrototype: { a: 1 } }),
    ];
    for (const values of cases) expect({ values, text: valuesToYaml(values) }).toEqual({ values, text: yamlOf(values) });
  });

  it("leaves what it does not write itself to yaml.stringify: the same text", () => {
    const circular: Record<string, unknown> = { a: 1 };
    circular.self = circular;
    const inner: Record<string, unknown> = { b: 1 };
    inner.loop = inner;
    class Settings {
      readonly replicas = 2;
    }
    const cases: unknown[] = [
      {},
      { list: [1, undefined, 2] },
      // eslint-disable-next-line no-sparse-arrays -- a hole, as a list item
      { list: [1, , 2] },
      { when: new Date(0) },
      { map: new Map([["a", 1]]) },
      { set: new Set([1, 2]) },
      { settings: new Settings() },
      { negativeZero: -0, list: [-0] },
      { big: BigInt(12) },
      circular,
      { nested: inner },
      ["top", "level", "list"],
      "top-level string",
      42,
    ];
    for (const values of cases) {
      let expected: string;
      try {
        expected = yamlOf(values);
      } catch (error) {
        expect(() => valuesToYaml(values)).toThrow((error as Error).message);
        continue;
      }
      expect(valuesToYaml(values)).toBe(expected);
    }
  });

  it("asks yaml only for the scalars and keys it cannot prove plain, and for each of them once", () => {
    const counted = jest.mocked(stringify);
    {
      // Plain text, integers, and keys of plain text: none.
      const plain = { image: { repository: "public.ecr.aws/x/y", tag: "v1.2.3" }, replicas: 3, url: "https://a.example:8443/p?x=1" };
      counted.mockClear();
      const text = valuesToYaml(plain);
      expect(counted).not.toHaveBeenCalled();
      expect(text).toBe(yamlOf(plain));
      const awkward = { a: "13.57", b: "x: once", c: { d: "13.57", e: ["x: once", "13.57"] }, f: "one\nonce", g: { h: "one\nonce" } };
      const expected = yamlOf(awkward);
      counted.mockClear();
      expect(valuesToYaml(awkward)).toBe(expected);
      // "13.57" and "x: once" once each (one line: at any depth); the two-line text once per depth.
      expect(counted).toHaveBeenCalledTimes(4);
      counted.mockClear();
      valuesToYaml(awkward);
      expect(counted).not.toHaveBeenCalled();
    }
  });
});
