// The record kept next to a saved plan, and the check before applying it: the deploy applies only the plan made for
// this commit against the state it was made from. (Terraform itself also refuses a saved plan whose state lineage or
// serial changed; this check names the reason and catches a plan of another commit, which Terraform cannot know.)
// usage: saved-plan.ts record <stack> <commit> <state.json|-> > plan-meta.json
//        saved-plan.ts check <plan-meta.json> <stack> <commit> <state.json|->   (exit 1 when stale)
import * as fs from "fs";

export interface SavedPlanRecord {
  readonly stack: string;
  readonly commit: string;
  /** Serial and lineage of the state the plan was made from; 0 and "" for a stack without state yet. */
  readonly serial: number;
  readonly lineage: string;
}

/** Serial and lineage of `terraform state pull` output (empty for a stack that has no state yet). */
export function stateVersion(statePull: string): { serial: number; lineage: string } {
  if (statePull.trim() === "") return { serial: 0, lineage: "" };
  const state = JSON.parse(statePull) as { serial?: number; lineage?: string };
  return { serial: state.serial ?? 0, lineage: state.lineage ?? "" };
}

/** Why a saved plan must not be applied now; empty when it may. */
export function staleReasons(saved: SavedPlanRecord, current: SavedPlanRecord): string[] {
  const reasons: string[] = [];
  if (saved.stack !== current.stack) reasons.push(`the plan is of stack ${saved.stack}, not ${current.stack}`);
  if (saved.commit !== current.commit) reasons.push(`the plan was made for commit ${saved.commit}, this run deploys ${current.commit}`);
  if (saved.lineage !== current.lineage)
    reasons.push(`the state was replaced since the plan (lineage ${saved.lineage || "none"} → ${current.lineage || "none"})`);
  else if (saved.serial !== current.serial) reasons.push(`the state changed since the plan (serial ${saved.serial} → ${current.serial})`);
  return reasons;
}

function readState(file: string): string {
  return file === "-" ? fs.readFileSync(0, "utf8") : fs.readFileSync(file, "utf8");
}

if (process.argv[1] === __filename) {
  const [command, ...args] = process.argv.slice(2);
  if (command === "record" && args.length === 3) {
    const [stack = "", commit = "", state = ""] = args;
    process.stdout.write(`${JSON.stringify({ stack, commit, ...stateVersion(readState(state)) })}\n`);
  } else if (command === "check" && args.length === 4) {
    const [metaFile = "", stack = "", commit = "", state = ""] = args;
    const saved = JSON.parse(fs.readFileSync(metaFile, "utf8")) as SavedPlanRecord;
    const reasons = staleReasons(saved, { stack, commit, ...stateVersion(readState(state)) });
    if (reasons.length > 0) {
      process.stderr.write(`${metaFile}: stale plan, refusing to apply: ${reasons.join("; ")}; re-run the workflow to plan again\n`);
      process.exit(1);
    }
    process.stdout.write(`${stack}: the saved plan is for ${commit} and the current state\n`);
  } else {
    process.stderr.write("usage: saved-plan.ts record <stack> <commit> <state.json|-> | check <plan-meta.json> <stack> <commit> <state.json|->\n");
    process.exit(1);
  }
}
