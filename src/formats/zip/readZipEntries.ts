/**
 * The files of a ZIP archive held in memory (the CMMLU release on the Hub is one small zip): the
 * central directory is read from the end-of-central-directory record, each entry's data located
 * through its local header, stored (0) and deflated (8) entries decoded and checked against their
 * CRC-32. ZIP64, encryption and multi-disk archives are refused with a clear message.
 */
import { crc32, inflateRawSync } from "node:zlib";
import { InvalidInputError } from "../../errors.js";

export interface ZipEntry {
  name: string;
  data: Buffer;
}

const EOCD = 0x06054b50;
const CENTRAL = 0x02014b50;
const LOCAL = 0x04034b50;

export function readZipEntries(params: { buffer: Buffer; file: string; select?: (name: string) => boolean }): ZipEntry[] {
  const { buffer, file } = params;
  const fail = (problem: string): never => {
    throw new InvalidInputError(file, `not a readable zip archive: ${problem}`);
  };
  // the EOCD record is 22 bytes plus a comment of at most 65535 bytes
  let eocd = -1;
  for (let i = buffer.length - 22; i >= Math.max(0, buffer.length - 22 - 65535); i--) {
    if (buffer.readUInt32LE(i) === EOCD) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) fail("no end-of-central-directory record");
  if (buffer.readUInt16LE(eocd + 4) !== 0 || buffer.readUInt16LE(eocd + 6) !== 0) fail("multi-disk archives are not supported");
  const count = buffer.readUInt16LE(eocd + 10);
  const size = buffer.readUInt32LE(eocd + 12);
  const offset = buffer.readUInt32LE(eocd + 16);
  if (count === 0xffff || size === 0xffffffff || offset === 0xffffffff) fail("ZIP64 archives are not supported");
  if (offset + size > eocd) fail("central directory outside the file");
  const entries: ZipEntry[] = [];
  let p = offset;
  for (let i = 0; i < count; i++) {
    if (p + 46 > buffer.length || buffer.readUInt32LE(p) !== CENTRAL) fail(`bad central directory entry ${i}`);
    const flags = buffer.readUInt16LE(p + 8);
    const method = buffer.readUInt16LE(p + 10);
    const crc = buffer.readUInt32LE(p + 16);
    const compressedSize = buffer.readUInt32LE(p + 20);
    const uncompressedSize = buffer.readUInt32LE(p + 24);
    const nameLength = buffer.readUInt16LE(p + 28);
    const extraLength = buffer.readUInt16LE(p + 30);
    const commentLength = buffer.readUInt16LE(p + 32);
    const localOffset = buffer.readUInt32LE(p + 42);
    const name = buffer.toString("utf8", p + 46, p + 46 + nameLength);
    p += 46 + nameLength + extraLength + commentLength;
    if (name.endsWith("/")) continue; // a directory
    if (params.select && !params.select(name)) continue;
    if (flags & 1) fail(`${name} is encrypted`);
    if (localOffset + 30 > buffer.length || buffer.readUInt32LE(localOffset) !== LOCAL) fail(`bad local header for ${name}`);
    const dataStart = localOffset + 30 + buffer.readUInt16LE(localOffset + 26) + buffer.readUInt16LE(localOffset + 28);
    if (dataStart + compressedSize > buffer.length) fail(`${name} extends past the end of the file`);
    const raw = buffer.subarray(dataStart, dataStart + compressedSize);
    let data: Buffer;
    if (method === 0) data = Buffer.from(raw);
    else if (method === 8) {
      try {
        data = inflateRawSync(raw);
      } catch (error) {
        return fail(`${name}: ${(error as Error).message}`);
      }
    } else return fail(`${name} uses compression method ${method} (only stored and deflate are supported)`);
    if (data.length !== uncompressedSize) fail(`${name}: ${data.length} bytes after decompression, the directory says ${uncompressedSize}`);
    if (crc32(data) !== crc) fail(`${name}: CRC-32 mismatch`);
    entries.push({ name, data });
  }
  return entries;
}
