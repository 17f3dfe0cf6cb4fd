import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { ConfigError, formatProblem, loadEnvironments } from "../../config";
import { environmentInput } from "../support/environments";
import { stringify } from "yaml";

/** Loads one environment file with the given `state:` block; the error lines without the folder, or the loaded state. */
function load(state: Record<string, unknown>): { errors: string[]; state?: unknown } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "tfc-state-"));
  fs.writeFileSync(path.join(dir, "qa.yaml"), stringify({ ...environmentInput(), state }));
  try {
    const [environment] = loadEnvironments({ dir });
    return { errors: [], state: environment.state };
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    const shownDir = `${path.relative(process.cwd(), dir)}${path.sep}`;
    return { errors: error.problems.map((problem) => formatProblem(problem).split(shownDir).join("")) };
  }
}

describe("state.backend cloud", () => {
  it("defaults to one agent of 1 vCPU and 4 GiB and creates the host's OIDC provider", () => {
    expect(load({ backend: "cloud", organization: "acme" }).state).toEqual({
      backend: "cloud",
      organization: "acme",
      hostname: "app.terraform.io",
      workspacePrefix: "",
      oidcProvider: "create",
      agents: { count: 1, cpu: 1024, memoryMiB: 4096 },
    });
  });

  it("names the field and what Fargate allows when the agents' memory does not fit their CPU", () => {
    expect(load({ backend: "cloud", organization: "acme", agents: { cpu: 512, memoryMiB: 8192 } }).errors).toEqual([
      "qa.yaml: state.agents.memoryMiB: must be a multiple of 1024 from 1024 to 4096 for cpu 512 (what Fargate allows)",
    ]);
  });

  it("refuses a project name Terraform Cloud would not take", () => {
    expect(load({ backend: "cloud", organization: "acme", project: "x" }).errors).toEqual([
      "qa.yaml: state.project: must be 3-40 letters, digits, spaces, '-' or '_' (a Terraform Cloud project name); got \"x\"",
    ]);
  });
});
