/**
 * The streaming XLSX reader under a slow consumer. exceljs writes a worksheet that comes before the shared strings
 * to a temporary file; while that write is slow (a busy disk), unzipper has already parsed the rest of the archive
 * and signalled its end, and the entries still buffered were lost — a valid unit list came back as "无法读取
 * Excel 文件" about once in a thousand uploads under load (CI, 2026-12-04). Delaying the temporary file's
 * "finish" makes that ordering certain here.
 */
import fs from "node:fs";
import { Readable } from "node:stream";
import ExcelJS from "exceljs";
import { afterEach, describe, expect, it, vi } from "vitest";
import { xlsxRecords } from "../src/services/roster/files.js";

/** How late the temporary worksheet file reports that it is written. */
const SLOW_DISK_MS = 50;

async function workbook(rows: string[][]): Promise<Buffer> {
  const wb = new ExcelJS.Workbook();
  const ws = wb.addWorksheet("名单");
  for (const r of rows) ws.addRow(r);
  return Buffer.from(await wb.xlsx.writeBuffer());
}

async function readAll(file: Buffer): Promise<string[][]> {
  const out: string[][] = [];
  for await (const batch of xlsxRecords(Readable.from([file]))) for (const r of batch) out.push([...r.cells]);
  return out;
}

describe("xlsxRecords", () => {
  afterEach(() => vi.restoreAllMocks());

  it("reads every row when the archive has been parsed before the worksheet's temporary file is written", async () => {
    const rows = [
      ["姓名", "证件号码", "关系"],
      ["王一", "110101198704040011", "本人"],
      ["王三", "123", "子女"],
    ];
    const file = await workbook(rows);
    const create = fs.createWriteStream;
    const slowWrites = vi.spyOn(fs, "createWriteStream").mockImplementation(((
      ...args: Parameters<typeof create>
    ) => {
      const stream = create(...args);
      const emit = stream.emit.bind(stream);
      stream.emit = ((event: string | symbol, ...rest: unknown[]) => {
        if (event !== "finish") return emit(event, ...rest);
        setTimeout(() => emit(event, ...rest), SLOW_DISK_MS);
        return true;
      }) as typeof stream.emit;
      return stream;
    }) as typeof create);
    expect(await readAll(file)).toEqual(rows);
    // The worksheet did go through the slow temporary file (the case this test is about).
    expect(slowWrites).toHaveBeenCalled();
  });

  it("still refuses a truncated archive, naming the file", async () => {
    const file = await workbook([["姓名"], ["王一"]]);
    await expect(readAll(file.subarray(0, Math.floor(file.length * 0.8)))).rejects.toMatchObject({
      code: "invalid_xlsx",
      field: "file",
    });
  });
});
