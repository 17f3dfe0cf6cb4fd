import * as fs from "fs";
import * as path from "path";
import { isObject, list, parseYamlDocument, scalarText, strings } from "../../../constructs/core/json";
import { parse } from "yaml";
import { REPO_ROOT } from "../../support/environments";
import { filesUnder } from "../../support/files";

describe("the JSON readers the policy engine and the tools share", () => {
  it("read objects, lists, strings and scalars of parsed JSON", () => {
    expect([{}, { a: 1 }, [], null, "x", 1].map(isObject)).toEqual([true, true, false, false, false, false]);
    expect([list(undefined), list(null), list("a"), list(["a", 1])]).toEqual([[], [], ["a"], ["a", 1]]);
    expect(strings(["a", 1, "b", null])).toEqual(["a", "b"]);
    expect([scalarText("a"), scalarText(2), scalarText(false), scalarText(null), scalarText({})]).toEqual(["a", "2", "false", undefined, undefined]);
  });

  it("are where the tools read them: no tool imports the policy engine's attribute readers", () => {
    const importers = filesUnder(path.join(REPO_ROOT, "tools"))
      .filter((file) => file.endsWith(".ts") && /from "[./]*\/?constructs\/policy\/attributes"/.test(fs.readFileSync(file, "utf8")))
      .map((file) => path.relative(REPO_ROOT, file));
    expect(importers).toEqual([]);
  });
});

describe("parseYamlDocument", () => {
  const text = "replicaCount: 2\nresources:\n  limits: { memory: 256Mi }\nargs: [--a, '--b=1']\n";

  it("parses as the YAML parser does; an empty document is null", () => {
    expect(parseYamlDocument(text)).toEqual(parse(text));
    expect(parseYamlDocument("")).toBeNull();
    expect(parseYamlDocument("# only a comment\n")).toBeNull();
  });

  it("gives every call its own copy: a caller that changes what it got changes nothing the next one reads", () => {
    const first = parseYamlDocument(text) as { resources: { limits: Record<string, string> }; args: string[] };
    first.resources.limits.memory = "1Gi";
    first.args.push("--c");
    expect(parseYamlDocument(text)).toEqual(parse(text));
    expect(parseYamlDocument(text)).not.toBe(parseYamlDocument(text));
  });
});
