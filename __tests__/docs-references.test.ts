import * as fs from "fs";
import * as path from "path";
import { REPO_ROOT } from "./support/environments";
import { filesUnder } from "./support/files";

/** The Markdown files a user reads: README, CONTRIBUTING and everything under docs/. */
function documents(): string[] {
  const docs = filesUnder(path.join(REPO_ROOT, "docs"))
    .filter((file) => file.endsWith(".md"))
    .map((file) => path.relative(REPO_ROOT, file));
  return ["README.md", "CONTRIBUTING.md", ...docs];
}

const scripts = (JSON.parse(fs.readFileSync(path.join(REPO_ROOT, "package.json"), "utf8")) as { scripts: Record<string, string> }).scripts;

describe("what the docs tell people to run or open exists", () => {
  it.each(documents())("%s names only npm scripts of package.json", (file) => {
    const text = fs.readFileSync(path.join(REPO_ROOT, file), "utf8");
    const named = [...text.matchAll(/npm run ([a-z][a-z0-9:-]*)/g)].map((match) => match[1]);
    expect(named.filter((name) => !(name in scripts))).toEqual([]);
  });

  it.each(documents())("%s names only files and folders of the repository in backticks", (file) => {
    const text = fs.readFileSync(path.join(REPO_ROOT, file), "utf8");
    const paths = [...text.matchAll(/`((?:tools|constructs|stacks|config|cli|app|gitops|charts|docs|__tests__|\.github|\.ci)\/[A-Za-z0-9_./-]*)`/g)]
      .map((match) => match[1].replace(/\/$/, ""))
      // Placeholders (<env>), globs and generated output are not files to open.
      .filter((candidate) => !/[<*]|cdktf\.out|dist\//.test(candidate));
    // A module may be named without its extension, as an import names it.
    const exists = (candidate: string) => [candidate, `${candidate}.ts`].some((name) => fs.existsSync(path.join(REPO_ROOT, name)));
    expect(paths.filter((candidate) => !exists(candidate))).toEqual([]);
  });
});
