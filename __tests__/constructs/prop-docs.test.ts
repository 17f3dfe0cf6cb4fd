import * as fs from "fs";
import * as path from "path";
import * as ts from "typescript";
import { REPO_ROOT } from "../support/environments";
import { filesUnder } from "../support/files";

/**
 * Every property of an exported `*Props` interface in constructs/ says what it is (a doc comment), and every optional
 * one says what happens without it (`@default`): a construct's props are its API, read in the editor's hover.
 */
const CONSTRUCTS = path.join(REPO_ROOT, "constructs");

function sourceFiles(dir: string): string[] {
  return filesUnder(dir).filter((file) => file.endsWith(".ts") && !file.endsWith(".d.ts"));
}

interface PropDoc {
  /** `constructs/<file>: <Interface>.<property>`. */
  readonly where: string;
  readonly documented: boolean;
  readonly optional: boolean;
  readonly hasDefault: boolean;
}

/** The properties of every exported interface whose name ends in `Props`, with what their doc comments say. */
function propDocs(): PropDoc[] {
  const docs: PropDoc[] = [];
  for (const file of sourceFiles(CONSTRUCTS)) {
    const source = ts.createSourceFile(file, fs.readFileSync(file, "utf8"), ts.ScriptTarget.Latest, true);
    for (const statement of source.statements) {
      if (!ts.isInterfaceDeclaration(statement) || !statement.name.text.endsWith("Props")) continue;
      if (!statement.modifiers?.some((modifier) => modifier.kind === ts.SyntaxKind.ExportKeyword)) continue;
      for (const member of statement.members) {
        if (!ts.isPropertySignature(member)) continue;
        const jsDocs = ts.getJSDocCommentsAndTags(member).filter(ts.isJSDoc);
        const text = jsDocs
          .map((doc) => ts.getTextOfJSDocComment(doc.comment) ?? "")
          .join(" ")
          .trim();
        const tags = jsDocs.flatMap((doc) => doc.tags ?? []);
        docs.push({
          where: `${path.relative(REPO_ROOT, file)}: ${statement.name.text}.${member.name.getText(source)}`,
          documented: text.length > 0,
          optional: member.questionToken !== undefined,
          hasDefault: tags.some((tag) => tag.tagName.text === "default"),
        });
      }
    }
  }
  return docs;
}

describe("construct props are documented", () => {
  const docs = propDocs();

  it("finds the props interfaces (the check reads what it should)", () => {
    expect(docs.length).toBeGreaterThan(50);
    expect(docs.some((doc) => doc.optional)).toBe(true);
  });

  it("every property has a doc comment", () => {
    expect(docs.filter((doc) => !doc.documented).map((doc) => doc.where)).toEqual([]);
  });

  it("every optional property says its default (@default)", () => {
    expect(docs.filter((doc) => doc.optional && !doc.hasDefault).map((doc) => doc.where)).toEqual([]);
  });
});
