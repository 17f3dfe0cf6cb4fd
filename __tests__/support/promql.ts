/**
 * A small recursive-descent parser for the PromQL the project's alert rules use: vector selectors with matchers and
 * ranges, function calls, aggregations with by/without, binary operators with bool, on/ignoring and group_left/right,
 * numbers and parentheses. It throws on anything else, so a rule that is not well formed fails its test.
 */
export interface Matcher {
  readonly label: string;
  readonly op: "=" | "!=" | "=~" | "!~";
  readonly value: string;
}
export type Expr =
  | { readonly type: "selector"; readonly metric?: string; readonly matchers: readonly Matcher[]; readonly range?: string }
  | {
      readonly type: "call";
      readonly name: string;
      readonly args: readonly Expr[];
      readonly grouping?: { readonly kind: "by" | "without"; readonly labels: readonly string[] };
    }
  | {
      readonly type: "binary";
      readonly op: string;
      readonly lhs: Expr;
      readonly rhs: Expr;
      readonly on?: readonly string[];
      readonly ignoring?: readonly string[];
    }
  | { readonly type: "number"; readonly value: number }
  | { readonly type: "string"; readonly value: string };

const AGGREGATIONS = new Set(["sum", "avg", "min", "max", "count", "stddev", "stdvar", "topk", "bottomk", "quantile", "count_values", "group"]);
const FUNCTIONS = new Set([
  "rate",
  "irate",
  "increase",
  "delta",
  "idelta",
  "deriv",
  "histogram_quantile",
  "abs",
  "absent",
  "absent_over_time",
  "clamp_min",
  "clamp_max",
  "avg_over_time",
  "max_over_time",
  "min_over_time",
  "sum_over_time",
  "count_over_time",
  "predict_linear",
  "time",
  "vector",
  "label_replace",
  "changes",
]);
// Lowest precedence first.
const PRECEDENCE: readonly (readonly string[])[] = [["or"], ["and", "unless"], ["==", "!=", ">", "<", ">=", "<="], ["+", "-"], ["*", "/", "%"], ["^"]];

type Token = { kind: "ident" | "string" | "number" | "duration" | "op" | "punct"; text: string };

function tokenize(source: string): Token[] {
  const tokens: Token[] = [];
  const patterns: [Token["kind"], RegExp][] = [
    ["duration", /^\[\d+[smhdwy]\]/],
    ["number", /^\d+(\.\d+)?(e[+-]?\d+)?/i],
    ["string", /^"(?:[^"\\]|\\.)*"/],
    ["ident", /^[A-Za-z_:][A-Za-z0-9_:]*/],
    ["op", /^(==|!=|>=|<=|=~|!~|[-+*/%^<>=])/],
    ["punct", /^[(){},]/],
  ];
  let rest = source;
  while ((rest = rest.replace(/^\s+/, "")).length > 0) {
    const match = patterns.map(([kind, pattern]) => [kind, pattern.exec(rest)] as const).find(([, found]) => found);
    if (!match) throw new Error(`PromQL: unexpected "${rest.slice(0, 20)}"`);
    const [kind, found] = match;
    tokens.push({ kind, text: found![0] });
    rest = rest.slice(found![0].length);
  }
  return tokens;
}

export function parsePromql(source: string): Expr {
  const tokens = tokenize(source);
  let position = 0;
  const peek = () => tokens[position];
  const next = () => {
    const token = tokens[position++];
    if (!token) throw new Error("PromQL: unexpected end of expression");
    return token;
  };
  const expect = (text: string) => {
    const token = next();
    if (token.text !== text) throw new Error(`PromQL: expected "${text}", got "${token.text}"`);
  };
  const labelList = (): string[] => {
    expect("(");
    const labels: string[] = [];
    while (peek()?.text !== ")") {
      const token = next();
      if (token.kind !== "ident") throw new Error(`PromQL: expected a label name, got "${token.text}"`);
      labels.push(token.text);
      if (peek()?.text === ",") next();
    }
    expect(")");
    return labels;
  };
  const matchers = (): Matcher[] => {
    expect("{");
    const found: Matcher[] = [];
    while (peek()?.text !== "}") {
      const label = next();
      const op = next();
      const value = next();
      if (label.kind !== "ident" || !["=", "!=", "=~", "!~"].includes(op.text) || value.kind !== "string") {
        throw new Error(`PromQL: bad matcher ${label.text}${op.text}${value.text}`);
      }
      found.push({ label: label.text, op: op.text as Matcher["op"], value: JSON.parse(value.text) as string });
      if (peek()?.text === ",") next();
    }
    expect("}");
    return found;
  };
  const args = (): Expr[] => {
    expect("(");
    const found: Expr[] = [];
    while (peek()?.text !== ")") {
      found.push(binary(0));
      if (peek()?.text === ",") next();
    }
    expect(")");
    return found;
  };
  const grouping = () => {
    const kind = peek()?.text;
    if (kind !== "by" && kind !== "without") return undefined;
    next();
    return { kind, labels: labelList() } as const;
  };
  const primary = (): Expr => {
    const token = peek();
    if (!token) throw new Error("PromQL: unexpected end of expression");
    if (token.text === "(") {
      next();
      const inner = binary(0);
      expect(")");
      return inner;
    }
    if (token.text === "-") {
      next();
      return { type: "binary", op: "*", lhs: { type: "number", value: -1 }, rhs: primary() };
    }
    if (token.kind === "number") return { type: "number", value: Number(next().text) };
    if (token.kind === "string") return { type: "string", value: JSON.parse(next().text) as string };
    if (token.text === "{") return withRange({ type: "selector", matchers: matchers() });
    if (token.kind !== "ident") throw new Error(`PromQL: unexpected "${token.text}"`);
    const name = next().text;
    if (AGGREGATIONS.has(name)) {
      const before = grouping();
      const callArgs = args();
      return { type: "call", name, args: callArgs, grouping: before ?? grouping() };
    }
    if (FUNCTIONS.has(name)) return { type: "call", name, args: args() };
    if (peek()?.text === "(") throw new Error(`PromQL: unknown function ${name}`);
    return withRange({ type: "selector", metric: name, matchers: peek()?.text === "{" ? matchers() : [] });
  };
  const withRange = (selector: Extract<Expr, { type: "selector" }>): Expr =>
    peek()?.kind === "duration" ? { ...selector, range: next().text.slice(1, -1) } : selector;
  const binary = (level: number): Expr => {
    if (level === PRECEDENCE.length) return primary();
    let lhs = binary(level + 1);
    while (PRECEDENCE[level].includes(peek()?.text ?? "")) {
      const op = next().text;
      if (peek()?.text === "bool") next();
      let on: string[] | undefined;
      let ignoring: string[] | undefined;
      if (peek()?.text === "on") {
        next();
        on = labelList();
      } else if (peek()?.text === "ignoring") {
        next();
        ignoring = labelList();
      }
      if (peek()?.text === "group_left" || peek()?.text === "group_right") {
        next();
        if (peek()?.text === "(") labelList();
      }
      lhs = { type: "binary", op, lhs, rhs: binary(level + 1), ...(on ? { on } : {}), ...(ignoring ? { ignoring } : {}) };
    }
    return lhs;
  };
  const expression = binary(0);
  if (position !== tokens.length) throw new Error(`PromQL: unexpected "${tokens[position].text}" after the expression`);
  return expression;
}

/** Every vector selector of an expression, depth first. */
export function selectorsOf(expression: Expr): Extract<Expr, { type: "selector" }>[] {
  switch (expression.type) {
    case "selector":
      return [expression];
    case "call":
      return expression.args.flatMap(selectorsOf);
    case "binary":
      return [...selectorsOf(expression.lhs), ...selectorsOf(expression.rhs)];
    default:
      return [];
  }
}

/** Whether a matcher accepts a label value, as Prometheus does (regexes are anchored). */
export function matches(matcher: Matcher, value: string): boolean {
  switch (matcher.op) {
    case "=":
      return value === matcher.value;
    case "!=":
      return value !== matcher.value;
    case "=~":
      return new RegExp(`^(?:${matcher.value})$`).test(value);
    case "!~":
      return !new RegExp(`^(?:${matcher.value})$`).test(value);
  }
}
