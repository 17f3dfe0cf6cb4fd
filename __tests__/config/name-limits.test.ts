import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { TerraformStack, Testing } from "cdktf";
import { parse, stringify } from "yaml";
import { buildApp } from "../../main";
import { ConfigError, loadEnvironments } from "../../config";
import { nameLimit } from "../../config/name-limits";
import { SHIPPED_CONFIG_DIR, shippedEnvironments } from "../support/environments";

/** Every environment file of the shipped folder that has an edge (the ALB name binds first there) or, failing that, any. */
function sourceEnvironmentFile(): string {
  const environments = shippedEnvironments();
  const chosen = environments.find((environment) => environment.edge) ?? environments[0];
  return path.join(SHIPPED_CONFIG_DIR, `${chosen.name}.yaml`);
}

/** A folder holding one environment `<name>.yaml` copied from a shipped one, with another project name. */
function renamedEnvironment(name: string, project: string, withEdge = true, withArgoCdBackup = true): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "name-limits-"));
  const data = parse(fs.readFileSync(sourceEnvironmentFile(), "utf8")) as Record<string, unknown>;
  data.project = project;
  if (!withEdge) delete data.edge;
  if (!withArgoCdBackup) {
    const platform = (data.platform ?? {}) as Record<string, Record<string, unknown>>;
    platform.argoCd = { ...(platform.argoCd ?? {}), backup: { enabled: false } };
    data.platform = platform;
  }
  fs.writeFileSync(path.join(dir, `${name}.yaml`), stringify(data));
  return dir;
}

function problemsOf(dir: string): string[] {
  try {
    loadEnvironments({ dir });
    return [];
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    return error.message.split("\n");
  }
}

/** Every name-like attribute of every synthesized resource that AWS limits, with its value and limit. */
function limitedNames(stacks: readonly TerraformStack[]): { address: string; value: string; limit: number }[] {
  const found: { address: string; value: string; limit: number }[] = [];
  for (const stack of stacks) {
    const synthesized = JSON.parse(Testing.synth(stack)) as { resource?: Record<string, Record<string, Record<string, unknown>>> };
    for (const [type, resources] of Object.entries(synthesized.resource ?? {})) {
      for (const [id, body] of Object.entries(resources)) {
        for (const [attribute, value] of Object.entries(body)) {
          const limit = nameLimit(type, attribute);
          // Names that embed a reference are resolved at apply; every name the stacks derive from the config is plain.
          if (limit === undefined || typeof value !== "string" || value.includes("${")) continue;
          found.push({ address: `${stack.node.id}: ${type}.${id}.${attribute}`, value, limit });
        }
      }
    }
  }
  return found;
}

describe("derived names against AWS's limits", () => {
  const longName = "production-europe";

  it("refuses a project and environment whose ALB name passes 32 characters, in one line naming the field, the name and the limit", () => {
    // Without the Argo CD backup's longer bucket names, the ALB's is the name furthest past its limit.
    const problems = problemsOf(renamedEnvironment(longName, "acmewebshopplatform", true, false));
    expect(problems.filter((line) => line.includes(": project: "))).toHaveLength(1);
    const alb = problems.filter((line) => line.includes("the ALB name"));
    expect(alb).toHaveLength(1);
    expect(alb[0]).toMatch(
      /production-europe\.yaml: project: with environment "production-europe" gives the ALB name "acmewebshopplatform-production-europe-web" \(41 characters\), past the 32 AWS allows/,
    );
  });

  it.each([
    ["with", true],
    ["without", false],
  ])("admits the longest prefix it can %s an edge, and that environment synthesizes with every name within its limit", (_, withEdge) => {
    // The longest project the check admits for this environment name: grow it until the loader refuses (or 20, the most a project may have).
    let project = "a";
    while (project.length < 20 && problemsOf(renamedEnvironment(longName, `${project}b`, withEdge)).length === 0) project = `${project}b`;
    const [environment] = loadEnvironments({ dir: renamedEnvironment(longName, project, withEdge) });
    const app = buildApp(Testing.app(), [environment]);
    const stacks = app.node.children.filter((child): child is TerraformStack => child instanceof TerraformStack);
    const names = limitedNames(stacks);
    expect(names.length).toBeGreaterThan(20);
    expect(names.filter(({ value, limit }) => value.length > limit)).toEqual([]);
    // The check is tight: one more character is refused (unless the project is already as long as the schema allows).
    if (project.length < 20) expect(problemsOf(renamedEnvironment(longName, `${project}b`, withEdge)).length).toBeGreaterThan(0);
  });

  it("keeps every shipped environment's names within their limits", () => {
    const app = buildApp(Testing.app(), shippedEnvironments());
    const stacks = app.node.children.filter((child): child is TerraformStack => child instanceof TerraformStack);
    expect(limitedNames(stacks).filter(({ value, limit }) => value.length > limit)).toEqual([]);
  });

  it("counts the provider's generated suffix against a *_prefix attribute", () => {
    expect(nameLimit("aws_eks_node_group", "node_group_name")).toBe(63);
    expect(nameLimit("aws_eks_node_group", "node_group_name_prefix")).toBe(37);
    expect(nameLimit("aws_iam_role", "name_prefix")).toBe(38);
    expect(nameLimit("aws_lb", "name_prefix")).toBe(6);
    expect(nameLimit("aws_vpc", "name")).toBeUndefined();
  });
});
