import * as fs from "fs";
import * as path from "path";
import { AGENT_IMAGE_TAG } from "../constructs/tfc/agents";
import { REPO_ROOT } from "./support/environments";

/** The agent image is built where Docker runs (not here): its Dockerfile is checked as text. */
const dockerfile = fs.readFileSync(path.join(REPO_ROOT, "tfc-agent", "Dockerfile"), "utf8");
const instructions = dockerfile
  .replace(/\\\n/g, " ")
  .split("\n")
  .filter((line) => line.trim() && !line.startsWith("#"));
const arg = (name: string) => new RegExp(`^ARG ${name}=(\\S+)$`, "m").exec(dockerfile)?.[1];

describe("tfc-agent/Dockerfile", () => {
  it("builds from a pinned hashicorp/tfc-agent release and is tagged as the agents stack runs it", () => {
    expect(arg("TFC_AGENT_VERSION")).toMatch(/^\d+\.\d+\.\d+$/);
    expect(instructions.filter((line) => line.startsWith("FROM "))).toEqual(["FROM hashicorp/tfc-agent:${TFC_AGENT_VERSION}"]);
    expect(AGENT_IMAGE_TAG).toBe(`${arg("TFC_AGENT_VERSION")}-awscli${arg("AWS_CLI_VERSION")}`);
  });

  it("installs a pinned AWS CLI only after its sha256 and its signature by the pinned key check out", () => {
    const [install] = instructions.filter((line) => line.startsWith("RUN "));
    expect(arg("AWS_CLI_VERSION")).toMatch(/^2\.\d+\.\d+$/);
    expect(arg("AWS_CLI_SHA256")).toMatch(/^[0-9a-f]{64}$/);
    expect(arg("AWS_CLI_KEY_FINGERPRINT")).toMatch(/^[0-9A-F]{40}$/);
    const step = (pattern: RegExp) => install.search(pattern);
    expect(step(/set -eux/)).toBe(step(/RUN /) + 4);
    expect(step(/awscli-exe-linux-x86_64-\$\{AWS_CLI_VERSION\}\.zip/)).toBeGreaterThan(0);
    expect(step(/sha256sum --check --strict/)).toBeGreaterThan(step(/curl .* -o awscli\.zip /));
    expect(step(/VALIDSIG \.\*\$\{AWS_CLI_KEY_FINGERPRINT\}/)).toBeGreaterThan(step(/--recv-keys "\$\{AWS_CLI_KEY_FINGERPRINT\}"/));
    expect(step(/\.\/aws\/install/)).toBeGreaterThan(step(/sha256sum --check/));
    expect(step(/\.\/aws\/install/)).toBeGreaterThan(step(/VALIDSIG/));
    expect(install).toMatch(/aws --version \| grep -q "\^aws-cli\/\$\{AWS_CLI_VERSION\} "/);
  });

  it("hands the image back to the agent's unprivileged user", () => {
    expect(instructions.filter((line) => line.startsWith("USER ")).at(-1)).toBe("USER tfc-agent");
  });
});
