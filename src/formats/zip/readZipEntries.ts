/**
 * The files of a ZIP archive held in memory (the CMMLU release on the Hub is one small zip), read
 * with adm-zip: it locates entries through the central directory, inflates stored and deflated
 * entries and checks each against its CRC-32. What stays here is oss-prep's contract: directories
 * are skipped, entries are picked by name before anything is decompressed, an encrypted entry is
 * refused rather than asked a password for, and every problem is one InvalidInputError naming the
 * archive and the entry — adm-zip's own messages name neither.
 */
import AdmZip from "adm-zip";
import { InvalidInputError } from "../../errors.js";

export interface ZipEntry {
  name: string;
  data: Buffer;
}

export function readZipEntries(params: { buffer: Buffer; file: string; select?: (name: string) => boolean }): ZipEntry[] {
  const { buffer, file } = params;
  const fail = (problem: string, cause?: unknown): never => {
    throw new InvalidInputError(file, `not a readable zip archive: ${problem}`, undefined, cause === undefined ? undefined : { cause });
  };
  // adm-zip's messages carry its prefix and, for some, an unfilled "{0}" or the entry name again
  const reason = (error: unknown) =>
    ((error as Error)?.message ?? String(error)).replace(/^ADM-ZIP: /, "").replace(/\s*(\{\d\}|"[^"]*")$/, "");
  let listed: AdmZip.IZipEntry[];
  try {
    // the central directory is read here, not by the constructor
    listed = new AdmZip(buffer).getEntries();
  } catch (error) {
    return fail(reason(error), error);
  }
  const entries: ZipEntry[] = [];
  for (const entry of listed) {
    const name = entry.entryName;
    if (entry.isDirectory) continue;
    if (params.select && !params.select(name)) continue;
    if (entry.header.encrypted) fail(`${name} is encrypted`);
    let data: Buffer;
    try {
      data = entry.getData();
    } catch (error) {
      return fail(`${name}: ${reason(error)}`, error);
    }
    // adm-zip checks the CRC; a length that differs from the directory's is corruption all the same
    if (data.length !== entry.header.size) fail(`${name}: ${data.length} bytes after decompression, the directory says ${entry.header.size}`);
    entries.push({ name, data });
  }
  return entries;
}
