/**
 * zod's built-in messages in plain Chinese for people who write product and catalog files (not programmers):
 * "缺少必填项（应为数字）" rather than "Invalid input: expected number, received undefined". Passed per parse
 * (`schema.safeParse(x, { error: zhIssueMessage })`), so nothing global changes; a schema's own message (the
 * custom Chinese messages in product.ts) still wins over this map, as zod's precedence puts it first.
 */
import { z } from "zod";

const TYPE_ZH: Record<string, string> = {
  string: "文本",
  number: "数字",
  int: "整数",
  bigint: "整数",
  boolean: "true 或 false",
  object: "对象 {…}",
  array: "数组 […]",
  null: "null",
  undefined: "空",
  nan: "NaN",
  date: "日期",
};

const zhCN = z.locales.zhCN().localeError;

function typeOf(input: unknown): string {
  if (input === null) return "null";
  if (Array.isArray(input)) return "array";
  if (typeof input === "number") return Number.isNaN(input) ? "nan" : "number";
  return typeof input;
}

const typeZh = (t: string): string => TYPE_ZH[t] ?? t;

function show(value: unknown): string {
  return typeof value === "string" ? `"${value}"` : String(value);
}

/** The shape of the issue zod hands an error map (the parts we read). */
type RawIssue = Parameters<typeof zhCN>[0];

export function zhIssueMessage(issue: RawIssue): string {
  switch (issue.code) {
    case "invalid_type": {
      if (issue.input === undefined) return `缺少必填项（应为${typeZh(issue.expected)}）`;
      return `应为${typeZh(issue.expected)}，实际是${typeZh(typeOf(issue.input))} ${JSON.stringify(issue.input)?.slice(0, 40) ?? ""}`.trimEnd();
    }
    case "too_small": {
      const min = Number(issue.minimum);
      if (issue.origin === "string") return min <= 1 ? "不能为空" : `至少 ${min} 个字符`;
      if (issue.origin === "array" || issue.origin === "set")
        return min <= 1 ? "至少要有一项" : `至少要有 ${min} 项`;
      return issue.inclusive ? `不能小于 ${min}` : `必须大于 ${min}`;
    }
    case "too_big": {
      const max = Number(issue.maximum);
      if (issue.origin === "string") return `最多 ${max} 个字符`;
      if (issue.origin === "array" || issue.origin === "set") return `最多 ${max} 项`;
      return issue.inclusive ? `不能大于 ${max}` : `必须小于 ${max}`;
    }
    case "invalid_value": {
      const allowed =
        issue.values.length === 1
          ? `只能是 ${show(issue.values[0])}`
          : `应为 ${issue.values.map(show).join("、")} 之一`;
      if (issue.input === undefined) return `缺少必填项（${allowed}）`;
      return issue.values.length === 1 ? allowed : `取值无效 ${show(issue.input)}：${allowed}`;
    }
    case "invalid_format":
      if (issue.format === "regex")
        return `格式不对：${show(issue.input)} 不符合 ${issue.pattern ?? "规定格式"}`;
      return zhCN(issue) as string;
    case "not_multiple_of":
      return `应为 ${issue.divisor} 的整数倍`;
    case "unrecognized_keys":
      return `不认识的字段：${issue.keys.join("、")}（拼写错误？本版本的产品格式没有这些字段）`;
    case "invalid_union":
      return unionMessage(issue);
    default: {
      const fallback = zhCN(issue);
      return typeof fallback === "string" ? fallback : "无效输入";
    }
  }
}

type UnionIssue = Extract<RawIssue, { code: "invalid_union" }>;
interface FinalIssue {
  readonly code: string;
  readonly path: readonly PropertyKey[];
  readonly message: string;
  readonly input?: unknown;
  readonly values?: readonly unknown[];
}

/** ["feeItems", "categories", 0] → "feeItems.categories[0]" (the part below the union). */
function subPath(path: readonly PropertyKey[]): string {
  let out = "";
  for (const part of path)
    out += typeof part === "number" ? `[${part}]` : out === "" ? String(part) : `.${String(part)}`;
  return out;
}

interface UnionOption {
  /** An object form: its keys. */
  readonly keys?: readonly string[];
  /** A literal form: its values. */
  readonly values?: readonly unknown[];
}

/** The union's forms, read from the schema the issue came from (zod hands it to error maps as `inst`). */
function unionOptions(issue: UnionIssue): UnionOption[] {
  const def = (issue.inst as { _zod?: { def?: { options?: unknown[] } } } | undefined)?._zod?.def;
  return (def?.options ?? []).map((option): UnionOption => {
    const d = (option as { _zod?: { def?: { type?: string; shape?: object; values?: unknown[] } } })._zod
      ?.def;
    if (d?.type === "object" && d.shape !== undefined) return { keys: Object.keys(d.shape) };
    if (d?.type === "literal" || d?.type === "enum") return { values: d.values ?? [] };
    return {};
  });
}

/**
 * A union (e.g. a liability's `eligible`) says which forms are allowed; when the value clearly meant one of
 * them (its keys match, only what is inside is wrong), the problems inside that form instead.
 */
function unionMessage(issue: UnionIssue): string {
  const raw = issue as UnionIssue & { note?: string; discriminator?: string; options?: readonly unknown[] };
  if (raw.note === "No matching discriminator") {
    const input = issue.input as Record<string, unknown> | undefined;
    const given =
      input !== undefined && typeof input === "object" ? input[raw.discriminator ?? ""] : undefined;
    const allowed = (raw.options ?? []).map(show).join("、");
    return given === undefined
      ? `缺少必填项（应为 ${allowed} 之一）`
      : `取值无效 ${show(given)}：应为 ${allowed} 之一`;
  }
  const alternatives = (issue.errors ?? []) as unknown as readonly (readonly FinalIssue[])[];
  const options = unionOptions(issue);
  const input = issue.input;
  if (typeof input === "object" && input !== null && !Array.isArray(input)) {
    const given = Object.keys(input);
    // The form whose keys the value uses (and no others): its own problems are the useful answer.
    const meant = options.findIndex(
      (o) => o.keys !== undefined && given.length > 0 && given.every((k) => o.keys?.includes(k)),
    );
    const errs = alternatives[meant];
    if (errs !== undefined && errs.length > 0) {
      return errs
        .map((e) => (e.path.length === 0 ? e.message : `${subPath(e.path)}: ${e.message}`))
        .join("；");
    }
  }
  const forms = options.flatMap((o) =>
    o.keys !== undefined ? [`{ ${o.keys.map((k) => `"${k}": …`).join(", ")} }`] : (o.values ?? []).map(show),
  );
  return forms.length === 0 ? "不符合任何一种允许的写法" : `应为以下写法之一：${forms.join("、")}`;
}
