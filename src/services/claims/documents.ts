/**
 * Documents of a counter claim (发票、结算单 and other evidence): stored in the database with their SHA-256,
 * so what an operator approved on can be shown byte for byte later, and checked on every download. This
 * module is storage only; who may upload or read what, and when, is the case workflow's (counter/).
 */
import { createHash } from "node:crypto";
import type { Queryable } from "../../db/database.js";
import { COUNTER_DOC_KINDS, type CounterDocKind } from "../../domain/vocabulary.js";
import { ServiceError } from "../context.js";

export const DOC_KINDS = COUNTER_DOC_KINDS;
export type DocKind = CounterDocKind;
/** What a case needs before it can be approved. */
export const REQUIRED_DOC_KINDS: readonly DocKind[] = ["invoice", "settlement_sheet"];
/** What a case filed by a declared guardian needs besides: the 监护关系证明 (户口簿 or 出生医学证明). */
export const GUARDIAN_DOC_KIND: DocKind = "guardianship";

export const DOC_CONTENT_TYPES = ["application/pdf", "image/jpeg", "image/png"] as const;
export type DocContentType = (typeof DOC_CONTENT_TYPES)[number];
export const MAX_DOCUMENT_BYTES = 5 * 1024 * 1024;

/** The first bytes each accepted type must start with: a label on the request is not proof of content. */
const MAGIC: Record<DocContentType, readonly number[]> = {
  "application/pdf": [0x25, 0x50, 0x44, 0x46, 0x2d], // %PDF-
  "image/jpeg": [0xff, 0xd8, 0xff],
  "image/png": [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a],
};

export function sha256Hex(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}

export interface DocumentMeta {
  doc_kind: DocKind;
  content_type: DocContentType;
  size: number;
  sha256: string;
  uploaded_at: string;
}

/** The media type from a Content-Type header (parameters dropped), if it is one we accept. */
export function acceptedContentType(header: string | undefined): DocContentType | undefined {
  const type = header?.split(";")[0]?.trim().toLowerCase();
  return DOC_CONTENT_TYPES.find((t) => t === type);
}

export type DocumentCheck =
  | { ok: true; type: DocContentType; bytes: Buffer }
  | { ok: false; status: 400 | 413 | 415; code: string; message: string; field: string };

/**
 * Refuses an upload that is not one of the accepted types, is empty, too large, or not what it claims to
 * be. Answers with the HTTP status rather than throwing: 413 and 415 are the HTTP layer's vocabulary.
 */
export function checkDocument(contentType: string | undefined, body: unknown): DocumentCheck {
  const type = acceptedContentType(contentType);
  if (type === undefined || !Buffer.isBuffer(body)) {
    return {
      ok: false,
      status: 415,
      code: "unsupported_media_type",
      message: `单据应为 ${DOC_CONTENT_TYPES.join("、")} 之一`,
      field: "content-type",
    };
  }
  if (body.length === 0)
    return { ok: false, status: 400, code: "missing_field", message: "单据内容为空", field: "body" };
  if (body.length > MAX_DOCUMENT_BYTES) {
    return {
      ok: false,
      status: 413,
      code: "payload_too_large",
      message: `单据不能超过 ${MAX_DOCUMENT_BYTES / 1024 / 1024} MB`,
      field: "body",
    };
  }
  if (!MAGIC[type].every((b, i) => body[i] === b)) {
    return {
      ok: false,
      status: 415,
      code: "content_type_mismatch",
      message: `文件内容不是 ${type}`,
      field: "content-type",
    };
  }
  return { ok: true, type, bytes: body };
}

interface DocumentRow {
  doc_kind: DocKind;
  content_type: DocContentType;
  size_bytes: number;
  sha256: string;
  uploaded_at: Date;
}

const metaOf = (r: DocumentRow): DocumentMeta => ({
  doc_kind: r.doc_kind,
  content_type: r.content_type,
  size: Number(r.size_bytes),
  sha256: r.sha256,
  uploaded_at: new Date(r.uploaded_at).toISOString(),
});

export async function documentMeta(q: Queryable, programId: string, caseId: string): Promise<DocumentMeta[]> {
  const rows = await q.query<DocumentRow>(
    `select doc_kind, content_type, size_bytes, sha256, uploaded_at from counter_claim_documents
      where program_id = $1 and case_id = $2 order by doc_kind`,
    [programId, caseId],
  );
  return rows.map(metaOf);
}

/**
 * Stores the document of one kind, or replaces it, as the case's state `allowed`. Identical bytes are a
 * no-op whatever the state, so a retried upload is harmless. Returns the stored metadata and what happened.
 */
export async function storeDocument(
  tx: Queryable,
  doc: {
    programId: string;
    caseId: string;
    kind: DocKind;
    type: DocContentType;
    bytes: Buffer;
    by: string;
    at: Date;
  },
  allowed: { add: boolean; replace: boolean },
): Promise<{ meta: DocumentMeta; outcome: "stored" | "same" | "replaced"; previous: string | undefined }> {
  const sha256 = sha256Hex(doc.bytes);
  const existing = await tx.query<DocumentRow>(
    `select doc_kind, content_type, size_bytes, sha256, uploaded_at from counter_claim_documents
      where program_id = $1 and case_id = $2 and doc_kind = $3`,
    [doc.programId, doc.caseId, doc.kind],
  );
  const before = existing[0];
  if (before !== undefined && before.sha256 === sha256 && before.content_type === doc.type)
    return { meta: metaOf(before), outcome: "same", previous: undefined };
  if (!(before === undefined ? allowed.add : allowed.replace)) {
    throw new ServiceError(
      "conflict",
      "document_locked",
      `案件当前状态下不能上传或替换 ${doc.kind} 单据`,
      "doc_kind",
    );
  }
  const rows = await tx.query<DocumentRow>(
    `insert into counter_claim_documents (program_id, case_id, doc_kind, content_type, size_bytes, sha256, content,
       uploaded_by, uploaded_at) values ($1,$2,$3,$4,$5,$6,$7,$8,$9)
     on conflict (program_id, case_id, doc_kind) do update set content_type = excluded.content_type,
       size_bytes = excluded.size_bytes, sha256 = excluded.sha256, content = excluded.content,
       uploaded_by = excluded.uploaded_by, uploaded_at = excluded.uploaded_at
     returning doc_kind, content_type, size_bytes, sha256, uploaded_at`,
    [doc.programId, doc.caseId, doc.kind, doc.type, doc.bytes.length, sha256, doc.bytes, doc.by, doc.at],
  );
  const row = rows[0];
  if (row === undefined) throw new Error("document insert returned nothing");
  return {
    meta: metaOf(row),
    outcome: before === undefined ? "stored" : "replaced",
    previous: before?.sha256,
  };
}

/**
 * The document's bytes, checked against the SHA-256 stored at upload. A mismatch means the stored bytes
 * changed behind the platform's back: that is our fault, not the caller's, and nothing is served.
 */
export async function loadDocument(
  q: Queryable,
  programId: string,
  caseId: string,
  kind: DocKind,
): Promise<{ meta: DocumentMeta; bytes: Buffer }> {
  const rows = await q.query<DocumentRow & { content: Uint8Array }>(
    `select doc_kind, content_type, size_bytes, sha256, uploaded_at, content from counter_claim_documents
      where program_id = $1 and case_id = $2 and doc_kind = $3`,
    [programId, caseId, kind],
  );
  const row = rows[0];
  if (row === undefined)
    throw new ServiceError("not_found", "not_found", `案件 ${caseId} 没有 ${kind} 单据`, "doc_kind");
  const bytes = Buffer.from(row.content);
  if (sha256Hex(bytes) !== row.sha256 || bytes.length !== Number(row.size_bytes)) {
    throw new Error(`document ${programId}/${caseId}/${kind}: stored bytes do not match their SHA-256`);
  }
  return { meta: metaOf(row), bytes };
}
