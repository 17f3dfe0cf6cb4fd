import { Document, stringify } from "yaml";

/**
 * `yaml.stringify(value, { lineWidth: 0 })`, byte for byte, for the values of every Helm release of a synth (thousands
 * of scalars per environment, most of them repeated): the layout of plain data (maps, lists, scalars, and the anchors
 * and aliases `yaml` writes for an object met more than once) is written here, and each distinct scalar and key is
 * written by `yaml` itself, once. Anything else goes to `yaml.stringify` whole.
 *
 * Why a scalar's text can be reused: with `lineWidth: 0` nothing is folded, so how `yaml` writes a scalar as a map value
 * or a list item depends only on the scalar and on the indentation of its block, and on the indentation only when the
 * text spans lines (a block literal `|-`, a quoted string broken over lines). A one-line text is therefore written
 * once, as the value of a one-key map, and reused everywhere; a text that spans lines is written at its own depth.
 * Keys are written as `yaml` writes them (quoted when they read as a number, a boolean or null, ...). A key that reads
 * as a document marker (quoted at the top level only) or that `yaml` writes as an explicit `? key`, anything but a
 * plain object, a list or a scalar, an undefined list item, a hole, -0, a top-level value met again inside itself: the
 * whole value goes to `yaml.stringify`.
 */
export function valuesToYaml(value: unknown): string {
  if (!isPlainObject(value) || definedKeys(value).length === 0) return stringify(value, OPTIONS);
  try {
    const writing: Writing = { anchors: anchorsOf(value), written: new Set([value]) };
    if (writing.anchors.has(value)) throw UNHANDLED;
    return `${mapBody(value, "", writing)}\n`;
  } catch (error) {
    if (error !== UNHANDLED) throw error;
    return stringify(value, OPTIONS);
  }
}

/** The options every Helm values text is written with: no line folding (which could split a cdktf token). */
const OPTIONS = { lineWidth: 0 } as const;

/** What `valuesToYaml` leaves to `yaml.stringify`, found while writing. */
const UNHANDLED = new Error("left to yaml.stringify");

/** `yaml` writes a key longer than this as an explicit key (`? key`). */
const LONGEST_IMPLICIT_KEY = 1024;

/** Text `yaml` reads as a document marker on a line of its own: such a key is quoted at the top level only. */
const DOCUMENT_MARKER = /^(%|---|\.\.\.)/m;

type PlainObject = Record<string, unknown>;

interface Writing {
  /** The anchor of each object met more than once. */
  readonly anchors: ReadonlyMap<object, string>;
  /** The objects written so far: met again, each is an alias. */
  readonly written: Set<object>;
}

function isPlainObject(value: unknown): value is PlainObject {
  if (typeof value !== "object" || value === null) return false;
  const prototype = Object.getPrototypeOf(value) as unknown;
  return prototype === Object.prototype || prototype === null;
}

/** The keys `yaml` writes: an undefined value is left out. */
function definedKeys(value: PlainObject): string[] {
  return Object.keys(value).filter((key) => value[key] !== undefined);
}

/**
 * The anchor `yaml` gives each object met more than once (`aliasDuplicateObjects`): `a1`, `a2`, ... in the order the
 * objects are met a second time, walking the value depth first as `yaml` builds its document (keys in order, an
 * object met again not walked into).
 */
function anchorsOf(root: PlainObject): Map<object, string> {
  const met = new Set<object>();
  const anchors = new Map<object, string>();
  const walk = (value: unknown): void => {
    if (typeof value !== "object" || value === null) return;
    if (met.has(value)) {
      if (!anchors.has(value)) anchors.set(value, `a${anchors.size + 1}`);
      return;
    }
    met.add(value);
    if (Array.isArray(value)) for (const item of value as unknown[]) walk(item);
    else if (isPlainObject(value)) for (const key of Object.keys(value)) walk(value[key]);
  };
  walk(root);
  return anchors;
}

/** The pairs of a non-empty map whose block is indented by `indent`, joined as `yaml` joins them. */
function mapBody(map: PlainObject, indent: string, writing: Writing): string {
  const valueIndent = `${indent}  `;
  let text = "";
  for (const key of definedKeys(map)) {
    if (text) text += `\n${indent}`;
    text += `${keyText(key)}:${afterKey(map[key], valueIndent, writing)}`;
  }
  return text;
}

/** The items of a non-empty list whose block is indented by `indent`, each `- item`. */
function listBody(list: readonly unknown[], indent: string, writing: Writing): string {
  const itemIndent = `${indent}  `;
  let text = "";
  for (let index = 0; index < list.length; index++) {
    if (!(index in list) || list[index] === undefined) throw UNHANDLED;
    if (index > 0) text += `\n${indent}`;
    text += `- ${item(list[index], itemIndent, writing)}`;
  }
  return text;
}

/**
 * A map or list whose node is indented by `indent`: an alias when written before; else its block (or `{}` / `[]`),
 * after its anchor when it has one (the anchor on its own line before a block). `inline` is what goes between the
 * line's text and a scalar, an alias or an empty collection; `block` between the line's text and a block.
 */
function collection(value: unknown, indent: string, writing: Writing, inline: string, block: string): string | undefined {
  const isList = Array.isArray(value);
  if (!isList && !isPlainObject(value)) return undefined;
  if (writing.written.has(value)) return `${inline}*${writing.anchors.get(value)!}`;
  writing.written.add(value);
  const anchor = writing.anchors.get(value);
  const empty = isList ? value.length === 0 : definedKeys(value).length === 0;
  if (empty) return `${inline}${anchor ? `&${anchor} ` : ""}${isList ? "[]" : "{}"}`;
  const body = isList ? listBody(value, indent, writing) : mapBody(value, indent, writing);
  return anchor ? `${inline}&${anchor}\n${indent}${body}` : `${block}${body}`;
}

/** What follows `key:` (the value's node indented by `indent`): ` scalar`, ` []`, or the block on the next lines. */
function afterKey(value: unknown, indent: string, writing: Writing): string {
  return collection(value, indent, writing, " ", `\n${indent}`) ?? ` ${scalarText(value, indent)}`;
}

/** A list item (its node indented by `indent`): the scalar, or the collection starting on the item's line. */
function item(value: unknown, indent: string, writing: Writing): string {
  return collection(value, indent, writing, "", "") ?? scalarText(value, indent);
}

/**
 * Text that `yaml` writes as it is, as a key or a value: one line of letters, digits and punctuation that holds none
 * of YAML's indicators where they would count (none first, no `: `, no `#`, no space or colon last), and that no tag
 * of `yaml`'s default schema reads as anything but a string (`true`, `null`, `1.35`, `0x1f`, `.inf`, ... are quoted).
 */
function isPlainText(text: string): boolean {
  return PLAIN_TEXT.test(text) && !TYPED_TEXT.some((test) => test.test(text));
}

/**
 * Starts with a letter, a digit or one of `_$/.(`; then letters, digits, spaces and punctuation but `#`, with a colon
 * only before a character that is not a space; ends in neither a space nor a colon. One line, no tab, ASCII only.
 */
const PLAIN_TEXT = /^[A-Za-z0-9_$/.(](?:(?:[A-Za-z0-9_$/.()=+{}[\]@,;*!%&<>~^|?`'" -]|:(?! ))*[A-Za-z0-9_$/.()=+{}[\]@,;*!%&<>~^|?`'"-])?$/;

/** The patterns of the default schema's tags other than strings, as `yaml` tests a plain string before writing it. */
const TYPED_TEXT: readonly RegExp[] = new Document().schema.tags.flatMap((tag) =>
  tag.default && tag.tag !== "tag:yaml.org,2002:str" && "test" in tag && tag.test instanceof RegExp ? [tag.test] : [],
);

/** Each key as `yaml` writes it as a key. */
const keyTexts = new Map<string, string>();

function keyText(key: string): string {
  if (isPlainText(key) && !DOCUMENT_MARKER.test(key) && key.length <= LONGEST_IMPLICIT_KEY) return key;
  let text = keyTexts.get(key);
  if (text === undefined) {
    if (DOCUMENT_MARKER.test(key)) throw UNHANDLED;
    const written = stringify({ [key]: null }, OPTIONS);
    if (!written.endsWith(": null\n")) throw UNHANDLED;
    text = written.slice(0, -": null\n".length);
    if (text.length > LONGEST_IMPLICIT_KEY || text.includes("\n")) throw UNHANDLED;
    keyTexts.set(key, text);
  }
  return text;
}

/** Each scalar whose text is one line, as `yaml` writes it as a value (at any depth). */
const lineTexts = new Map<unknown, string>();
/** Each scalar whose text spans lines, by the indentation of its block. */
const blockTexts = new Map<string, string>();

function scalarText(value: unknown, indent: string): string {
  const type = typeof value;
  if (!(value === null || type === "string" || type === "boolean" || (type === "number" && !Object.is(value, -0)))) throw UNHANDLED;
  if ((type === "string" && isPlainText(value as string)) || (type === "number" && Number.isSafeInteger(value))) return String(value);
  const line = lineTexts.get(value);
  if (line !== undefined) return line;
  const block = blockTexts.get(`${indent.length}\0${value as string}`);
  if (block !== undefined) return block;
  return writeScalar(value, indent);
}

/**
 * The scalar's text as `yaml` writes it as the value of a map nested so that its block is indented by `indent`
 * (a map at the top level indents its values' blocks by two spaces, each level below by two more).
 */
function writeScalar(value: unknown, indent: string): string {
  const depth = indent.length / 2 - 1;
  if (!Number.isInteger(depth) || depth < 0) throw UNHANDLED;
  let wrapped: unknown = { k: value };
  for (let level = 0; level < depth; level++) wrapped = { a: wrapped };
  let prefix = "";
  for (let level = 0; level < depth; level++) prefix += `${"  ".repeat(level)}a:\n`;
  prefix += `${"  ".repeat(depth)}k: `;
  const written = stringify(wrapped, OPTIONS);
  if (!written.startsWith(prefix) || !written.endsWith("\n")) throw UNHANDLED;
  const text = written.slice(prefix.length, -1);
  if (text.includes("\n")) blockTexts.set(`${indent.length}\0${value as string}`, text);
  else lineTexts.set(value, text);
  return text;
}
