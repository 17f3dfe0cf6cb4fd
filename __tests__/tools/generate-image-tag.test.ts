import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parse } from "yaml";
import { loadEnvironments } from "../../config";
import { appTreeId, generatedFiles } from "../../tools/generate";
import { REPO_ROOT, SHIPPED_CONFIG_DIR } from "../support/environments";

const environments = loadEnvironments({ dir: SHIPPED_CONFIG_DIR });
const released = environments.filter((environment) => environment.edge);
const tagOf = (content: string) => (parse(content) as { images: { name: string; newTag: string }[] }).images.find((image) => image.name === "web")!.newTag;

/** A throwaway repository with an app/ folder, committed once. */
function repository(): { root: string; commit: (file: string, content: string) => void } {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "generate-tag-"));
  const git = (...args: string[]) => execFileSync("git", args, { cwd: root, stdio: "ignore" });
  git("init", "--quiet");
  return {
    root,
    commit: (file, content) => {
      fs.mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
      fs.writeFileSync(path.join(root, file), content);
      git("add", file);
      git("-c", "user.name=test", "-c", "user.email=test@example.org", "commit", "--quiet", "-m", `change ${file}`);
    },
  };
}

describe("the overlays' image tag (break 9)", () => {
  it("is the git tree id of app/ at HEAD in every committed overlay: the tag the next release pushes", () => {
    const committed = released.map((environment) =>
      tagOf(fs.readFileSync(path.join(REPO_ROOT, `gitops/overlays/${environment.name}/kustomization.yaml`), "utf8")),
    );
    expect(committed).toEqual(released.map(() => appTreeId(REPO_ROOT)));
  });

  it("follows app/ in every overlay, whatever tag the committed overlay carries, so a lagging tag is stale for --check", () => {
    const tag = "0123456789abcdef0123456789abcdef01234567";
    const files = generatedFiles({ environments, initialImageTag: () => tag });
    expect(released.map((environment) => tagOf(files[`gitops/overlays/${environment.name}/kustomization.yaml`]))).toEqual(released.map(() => tag));
  });

  it("is derived from app/ alone: a commit outside app/ keeps it, a change inside app/ moves it", () => {
    const { root, commit } = repository();
    commit("app/src/main.ts", "export {};\n");
    const first = appTreeId(root);
    expect(first).toMatch(/^[0-9a-f]{40}$/);
    commit("gitops/overlays/dev/kustomization.yaml", "images: []\n");
    expect(appTreeId(root)).toBe(first);
    commit("app/src/main.ts", "export const changed = true;\n");
    expect(appTreeId(root)).not.toBe(first);
  });

  it("refuses, in one line, a repository whose app/ is not committed", () => {
    const { root, commit } = repository();
    commit("README.md", "no app yet\n");
    expect(() => appTreeId(root)).toThrow(/^app\/ is not committed yet: .*commit app\/ first$/);
  });
});
