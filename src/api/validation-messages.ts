/**
 * What a person reads when a request fails schema validation. Fastify's (ajv's) own words are English
 * ("body must have required property 'channel'"); every message a person can see is Chinese and names the
 * field by its Chinese label — the first phrase of the contract's `.describe()`, else the field's name — and
 * English only when the client asks for it (Accept-Language: en…, which the web sends when its English
 * toggle is on). One mapping for the ajv keywords our contracts produce; ajv-i18n would give the same
 * sentences without the field labels, and is not installed.
 */
import type { FastifyError } from "fastify";

/** The language a caller reads: English only when its first Accept-Language choice is English. */
export type MessageLang = "zh" | "en";

export function messageLang(acceptLanguage: string | string[] | undefined): MessageLang {
  const header = Array.isArray(acceptLanguage) ? acceptLanguage[0] : acceptLanguage;
  const first = (header ?? "").split(",")[0]?.trim().toLowerCase() ?? "";
  return first.startsWith("en") ? "en" : "zh";
}

/** The part of a request ajv validated, in Chinese, for an error on the part as a whole. */
const CONTEXT_LABELS: Readonly<Record<string, string>> = {
  body: "请求体",
  querystring: "查询参数",
  params: "路径参数",
  headers: "请求头",
};

const TYPE_LABELS: Readonly<Record<string, string>> = {
  string: "文本",
  integer: "整数",
  number: "数字",
  boolean: "true 或 false",
  object: "对象",
  array: "列表",
  null: "空值（null）",
};

const FORMAT_LABELS: Readonly<Record<string, string>> = {
  date: "日期，如 2023-09-01",
  "date-time": "时刻，如 2023-09-01T08:00:00+08:00",
  time: "时间，如 08:00:00",
  email: "电子邮箱地址",
  uri: "网址",
  uuid: "UUID",
};

/**
 * A label ends where the description goes on to explain: "人员编号（经办人员完整…）" → "人员编号"; a leading
 * code says which case the field is for ("individual：被保险人") and is skipped for the first Chinese phrase.
 */
const LABEL_END = /[：:；;（(，,。]/;
const CHINESE = /[\u4e00-\u9fff]/;

interface SchemaLike {
  readonly description?: unknown;
  readonly properties?: Readonly<Record<string, SchemaLike>>;
}

function labelOf(schema: SchemaLike | undefined): string | undefined {
  const d = schema?.description;
  if (typeof d !== "string") return undefined;
  const phrases = d
    .split(LABEL_END)
    .map((p) => p.trim())
    .filter((p) => p !== "");
  return phrases.find((p) => CHINESE.test(p)) ?? phrases[0];
}

function list(values: unknown): string {
  return (Array.isArray(values) ? values : [values]).map((v) => String(v)).join("、");
}

/**
 * The Chinese sentence for the first validation error (ajv stops at the first: allErrors is off), given the
 * field it names (errors.ts fieldOfValidation). Needs ajv's `verbose` for the field's schema (its label).
 */
export function chineseValidationMessage(e: FastifyError, field: string | null): string {
  const v = e.validation?.[0];
  const part = CONTEXT_LABELS[e.validationContext ?? ""] ?? "请求";
  if (v === undefined) return `${part}不符合要求`;
  const params = (v.params ?? {}) as Record<string, unknown>;
  const parent = (v as { parentSchema?: SchemaLike }).parentSchema;
  const missing = typeof params.missingProperty === "string" ? params.missingProperty : undefined;
  const label =
    (missing !== undefined ? labelOf(parent?.properties?.[missing]) : labelOf(parent)) ?? field ?? part;
  const limit = params.limit;
  switch (v.keyword) {
    case "required":
      return `缺少必填项「${label}」`;
    case "type":
      return `「${label}」应为${TYPE_LABELS[String(params.type)] ?? String(params.type)}`;
    case "enum":
      return `「${label}」的取值不在允许范围内，可选：${list(params.allowedValues)}`;
    case "const":
      return `「${label}」只能为 ${String(params.allowedValue)}`;
    case "pattern":
      return `「${label}」格式不正确`;
    case "format":
      return `「${label}」格式不正确，应为${FORMAT_LABELS[String(params.format)] ?? String(params.format)}`;
    case "minLength":
      return Number(limit) === 1 ? `「${label}」不能为空` : `「${label}」至少 ${String(limit)} 个字符`;
    case "maxLength":
      return `「${label}」最多 ${String(limit)} 个字符`;
    case "minimum":
      return `「${label}」不能小于 ${String(limit)}`;
    case "maximum":
      return `「${label}」不能大于 ${String(limit)}`;
    case "exclusiveMinimum":
      return `「${label}」必须大于 ${String(limit)}`;
    case "exclusiveMaximum":
      return `「${label}」必须小于 ${String(limit)}`;
    case "multipleOf":
      return `「${label}」必须是 ${String(params.multipleOf)} 的整数倍`;
    case "minItems":
      return `「${label}」至少 ${String(limit)} 项`;
    case "maxItems":
      return `「${label}」最多 ${String(limit)} 项`;
    case "uniqueItems":
      return `「${label}」中有重复项`;
    case "minProperties":
      return `「${label}」至少 ${String(limit)} 项`;
    case "maxProperties":
      return `「${label}」最多 ${String(limit)} 项`;
    case "additionalProperties":
      return `不认识的字段「${String(params.additionalProperty)}」：请删除该字段`;
    case "anyOf":
    case "oneOf":
      return `「${label}」不符合任何一种允许的写法`;
    default:
      return `「${label}」不符合要求`;
  }
}

/** Fastify's own refusals before validation (no schema keyword), in Chinese, by their error code. */
const FRAMEWORK_MESSAGES: Readonly<Record<string, string>> = {
  FST_ERR_CTP_INVALID_MEDIA_TYPE: "不支持的内容类型：请以 application/json 提交",
  FST_ERR_CTP_EMPTY_JSON_BODY: "请求体为空：请提交 JSON 内容，或去掉 Content-Type",
  FST_ERR_CTP_INVALID_JSON_BODY: "请求体不是合法的 JSON",
  FST_ERR_CTP_BODY_TOO_LARGE: "请求体超过该接口允许的大小",
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: "请求体长度与 Content-Length 不符",
  FST_ERR_MAX_PARAM_LENGTH: "网址中的参数过长",
  FST_ERR_BAD_URL: "网址格式不正确",
  FST_ERR_ASYNC_CONSTRAINT: "请求无法路由",
};

/** A framework refusal in Chinese, by code, else by status; undefined leaves the caller's own words. */
export function chineseFrameworkMessage(code: string | undefined, status: number): string {
  const known = code === undefined ? undefined : FRAMEWORK_MESSAGES[code];
  if (known !== undefined) return known;
  if (status === 413) return "请求体超过该接口允许的大小";
  if (status === 415) return FRAMEWORK_MESSAGES.FST_ERR_CTP_INVALID_MEDIA_TYPE as string;
  if (status === 429) return "操作太频繁：请稍等一分钟再试";
  if (status === 404) return "没有这个接口";
  if (status === 405) return "该接口不支持这种请求方法";
  return "请求不符合要求：请检查后重试";
}
