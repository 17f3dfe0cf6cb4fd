import * as fs from "fs";
import * as path from "path";
import { isObject, list, scalarText, strings } from "../../../constructs/core/json";
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
