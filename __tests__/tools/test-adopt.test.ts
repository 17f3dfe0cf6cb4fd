import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { configDependentSuites } from "../../tools/test-adopt";
import { REPO_ROOT } from "../support/environments";

/** A repository of the given files (path → content) in a temporary folder. */
function repository(files: Record<string, string>): string {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "adopt-suites-"));
  for (const [file, content] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
    fs.writeFileSync(path.join(root, file), content);
  }
  return root;
}

describe("test:adopt's config-dependent suites", () => {
  const root = repository({
    "__tests__/support/environments.ts": "export function shippedEnvironments() {}\nexport function testEnvironment() {}\n",
    "__tests__/tools/support.ts":
      'import { shippedEnvironments } from "../support/environments";\nexport const synthesizeShipped = () => shippedEnvironments();\nexport const fixtureStack = () => 1;\n',
    "__tests__/direct.test.ts": 'import { shippedEnvironments } from "./support/environments";\nshippedEnvironments();\n',
    "__tests__/attacks/layouts.ts": 'import { SHIPPED_CONFIG_DIR } from "../support/environments";\nexport const layout = () => SHIPPED_CONFIG_DIR;\n',
    "__tests__/attacks/paths.ts": 'export { layout } from "./layouts";\n',
    "__tests__/attacks/through-helpers.test.ts": 'import { layout } from "./paths";\nlayout();\n',
    "__tests__/fixture.test.ts": [
      'import { testEnvironment } from "./support/environments";',
      'import { fixtureStack } from "./tools/support";',
      'const message = "give a newer version (docs/cluster.md, \\"Upgrading Kubernetes\\")";',
      'const issuer = "https://token.actions.githubusercontent.com";',
      "testEnvironment(); fixtureStack();",
      "",
    ].join("\n"),
    "__tests__/cycle-a.ts": 'import { b } from "./cycle-b";\nexport const a = () => b;\n',
    "__tests__/cycle-b.ts": 'import { a } from "./cycle-a";\nexport const b = () => a;\n',
    "__tests__/cycle.test.ts": 'import { a } from "./cycle-a";\na();\n',
    "__tests__/workflows.test.ts": 'const dir = path.join(REPO_ROOT, ".github", "workflows");\n',
    "__tests__/readme.test.ts": 'fs.readFileSync(path.join(REPO_ROOT, "README.md"), "utf8");\n',
    "__tests__/integration/plans.test.ts": 'import { shippedEnvironments } from "../support/environments";\n',
  });
  afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

  it("takes a suite that reads the config itself, or through a test helper it imports (transitively)", () => {
    expect(configDependentSuites(root)).toEqual(
      ["__tests__/attacks/through-helpers.test.ts", "__tests__/direct.test.ts", "__tests__/readme.test.ts", "__tests__/workflows.test.ts"].map((file) =>
        path.normalize(file),
      ),
    );
  });

  it("leaves out fixtures-only suites: importing the module that defines the helpers, or prose naming docs/ or GitHub, reads no config", () => {
    const suites = configDependentSuites(root);
    expect(suites).not.toContain(path.normalize("__tests__/fixture.test.ts"));
    expect(suites).not.toContain(path.normalize("__tests__/cycle.test.ts"));
    expect(suites).not.toContain(path.normalize("__tests__/integration/plans.test.ts"));
  });

  it("on this repository: the attacks on the shipped environments are in, the bad-input fixtures are out", () => {
    const suites = configDependentSuites(REPO_ROOT);
    expect(suites).toEqual(
      expect.arrayContaining(["__tests__/attacks/pod-identity.test.ts", "__tests__/attacks/karpenter.test.ts", "__tests__/stacks/platform-stack.test.ts"]),
    );
    expect(suites).not.toContain("__tests__/config/bad-input.test.ts");
  });
});
