import { stepsFor } from "../../tools/cdktf";

describe("tools/cdktf.ts", () => {
  it("runs the app once before a command that synthesizes, then cdktf without synthesizing again", () => {
    expect(stepsFor(["deploy", "dev-network", "dev-cluster"])).toEqual([
      { run: "app", args: [] },
      { run: "cdktf", args: ["deploy", "--skip-synth", "dev-network", "dev-cluster"] },
    ]);
    expect(stepsFor(["diff", "prod-data"])).toEqual([
      { run: "app", args: [] },
      { run: "cdktf", args: ["diff", "--skip-synth", "prod-data"] },
    ]);
  });

  it("synthesizes with the app alone, passing --verbose on", () => {
    expect(stepsFor(["synth", "--verbose"])).toEqual([{ run: "app", args: ["--verbose"] }]);
  });

  it("leaves commands that do not synthesize, and an explicit --skip-synth, to cdktf", () => {
    expect(stepsFor(["list"])).toEqual([{ run: "cdktf", args: ["list"] }]);
    expect(stepsFor(["destroy", "dev-edge", "--skip-synth"])).toEqual([{ run: "cdktf", args: ["destroy", "dev-edge", "--skip-synth"] }]);
  });
});
