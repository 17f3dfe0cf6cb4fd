import { staleReasons, stateVersion } from "../../tools/saved-plan";

describe("saved plan check", () => {
  const saved = { stack: "prod-data", commit: "a".repeat(40), ...stateVersion(JSON.stringify({ serial: 7, lineage: "l-1" })) };

  it("accepts the plan of this commit against the state it was made from", () => {
    expect(staleReasons(saved, { ...saved })).toEqual([]);
  });

  it("refuses a plan of another commit, of a changed state or of a replaced state", () => {
    expect(staleReasons(saved, { ...saved, commit: "b".repeat(40) })).toEqual([
      `the plan was made for commit ${"a".repeat(40)}, this run deploys ${"b".repeat(40)}`,
    ]);
    expect(staleReasons(saved, { ...saved, serial: 8 })).toEqual(["the state changed since the plan (serial 7 → 8)"]);
    expect(staleReasons(saved, { ...saved, lineage: "l-2" })).toEqual(["the state was replaced since the plan (lineage l-1 → l-2)"]);
  });

  it("reads a stack without state as serial 0", () => {
    expect(stateVersion("")).toEqual({ serial: 0, lineage: "" });
  });
});
