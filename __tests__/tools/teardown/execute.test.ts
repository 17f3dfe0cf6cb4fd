import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { executePlan } from "../../../tools/teardown/execute";
import type { Step } from "../../../tools/teardown/plan";

describe("--execute", () => {
  let bin: string;
  let calls: string;
  const savedPath = process.env.PATH;

  /** Fake `aws` and `kubectl` on PATH: they record their arguments; some print what a real account would. */
  beforeEach(() => {
    bin = fs.mkdtempSync(path.join(os.tmpdir(), "teardown-bin-"));
    calls = path.join(bin, "calls.log");
    const fake = (name: string, body: string) =>
      fs.writeFileSync(path.join(bin, name), `#!/bin/sh\necho "${name} $*" >> "${calls}"\n${body}\n`, { mode: 0o755 });
    fake("aws", 'case "$*" in *describe-db-clusters*) echo "application-autoscaling-a\tapplication-autoscaling-b" ;; *fail*) exit 3 ;; esac');
    // `get persistentvolumes` lists a volume twice, then nothing: the wait must poll until it is gone.
    fake(
      "kubectl",
      `case "$*" in *persistentvolumes*) n=$(grep -c persistentvolumes "${calls}"); if [ "$n" -le 2 ]; then echo persistentvolume/pv-1; fi ;; esac`,
    );
    process.env.PATH = `${bin}:${savedPath}`;
  });

  afterEach(() => {
    process.env.PATH = savedPath;
    fs.rmSync(bin, { recursive: true, force: true });
  });

  const recorded = () => fs.readFileSync(calls, "utf8").trim().split("\n");

  it("runs each step in order, one command per listed item, and polls a wait until nothing is left", async () => {
    await executePlan(
      [
        {
          title: "test",
          steps: [
            { kind: "run", why: "first", argv: ["aws", "first"] },
            {
              kind: "for-each",
              why: "each reader",
              list: ["aws", "rds", "describe-db-clusters"],
              split: "words",
              placeholder: "<id>",
              each: (id) => [["aws", "rds", "delete-db-instance", id]],
            },
            { kind: "wait-until-empty", why: "volumes", argv: ["kubectl", "get", "persistentvolumes"], intervalSeconds: 0, timeoutSeconds: 30 },
            { kind: "run", why: "last", argv: ["aws", "last"] },
          ],
        },
      ],
      () => undefined,
    );
    expect(recorded()).toEqual([
      "aws first",
      "aws rds describe-db-clusters",
      "aws rds delete-db-instance application-autoscaling-a",
      "aws rds delete-db-instance application-autoscaling-b",
      "kubectl get persistentvolumes",
      "kubectl get persistentvolumes",
      "kubectl get persistentvolumes",
      "aws last",
    ]);
  });

  it("stops at the first failing command and names it", async () => {
    const steps: Step[] = [
      { kind: "run", why: "fails", argv: ["aws", "fail"] },
      { kind: "run", why: "never runs", argv: ["aws", "after"] },
    ];
    await expect(executePlan([{ title: "test", steps }], () => undefined)).rejects.toThrow("`aws fail` exited with 3");
    expect(recorded()).toEqual(["aws fail"]);
  });
});
