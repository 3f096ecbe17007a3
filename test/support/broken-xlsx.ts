/** Roster workbooks for bad-input tests: a real one, and the same with its worksheet's data made unreadable. */
import ExcelJS from "exceljs";
import { makeCertno } from "../../src/domain/certno.js";

const ZIP_LOCAL_HEADER = Buffer.from([0x50, 0x4b, 0x03, 0x04]);
const HEADER = ["psn_no", "certno", "psn_name", "gend", "brdy", "insutype", "admdvs", "unit_code", "cohort"];

/**
 * `good`: a roster of `persons` rows (psn_no `${prefix}${i}`). `corrupt`: the same bytes with the first byte of
 * the worksheet's deflate data set to a reserved block type (BFINAL=1, BTYPE=11), which every inflater refuses
 * — the shape of damage that left exceljs' streaming reader waiting forever.
 */
export async function rosterWorkbooks(
  persons = 200,
  prefix = "XB",
): Promise<{ good: Buffer; corrupt: Buffer }> {
  const wb = new ExcelJS.Workbook();
  const ws = wb.addWorksheet("名单");
  ws.addRow(HEADER);
  for (let i = 0; i < persons; i++) {
    const brdy = `19${String(50 + (i % 40))}0101`;
    ws.addRow([`${prefix}${i}`, makeCertno("532621", brdy, i), `名${i}`, "1", brdy, "390", "532621", "", ""]);
  }
  const good = Buffer.from(await wb.xlsx.writeBuffer());
  const corrupt = Buffer.from(good);
  const sheet = Buffer.from("xl/worksheets/sheet1.xml");
  for (let at = corrupt.indexOf(ZIP_LOCAL_HEADER); at >= 0; at = corrupt.indexOf(ZIP_LOCAL_HEADER, at + 4)) {
    const nameLength = corrupt.readUInt16LE(at + 26);
    if (!corrupt.subarray(at + 30, at + 30 + nameLength).equals(sheet)) continue;
    corrupt[at + 30 + nameLength + corrupt.readUInt16LE(at + 28)] = 0x07;
    return { good, corrupt };
  }
  throw new Error("no worksheet entry in the workbook");
}
