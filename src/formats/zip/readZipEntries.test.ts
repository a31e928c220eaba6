import { describe, expect, it } from "vitest";
import { crc32 } from "node:zlib";
import { InvalidInputError } from "../../errors.js";
import { writeZip } from "../../../test/writeZip.js";
import { readZipEntries } from "./readZipEntries.js";

const read = (buffer: Buffer, select?: (name: string) => boolean) => readZipEntries({ buffer, file: "t.zip", select });

describe("readZipEntries", () => {
  it("reads stored and deflated entries, skips directories and filters by name", () => {
    const zip = writeZip([
      { name: "dev/", data: "" },
      { name: "dev/a.csv", data: "x,y\n1,2\n" },
      { name: "test/a.csv", data: "题目,答案\n".repeat(50), deflate: true },
      { name: "README", data: "skip" },
    ]);
    const entries = read(zip, (n) => n.endsWith(".csv"));
    expect(entries.map((e) => e.name)).toEqual(["dev/a.csv", "test/a.csv"]);
    expect(entries[1].data.toString("utf8")).toBe("题目,答案\n".repeat(50));
  });

  it("refuses a truncated or corrupted archive naming the file and the entry", () => {
    const zip = writeZip([{ name: "a.csv", data: "hello world", deflate: false }]);
    expect(() => read(zip.subarray(0, zip.length - 30))).toThrow(/^t\.zip: not a readable zip archive: /);
    expect(() => read(Buffer.from("not a zip at all, only text"))).toThrow(InvalidInputError);
    // bytes cut from the middle: the central directory no longer starts where the end record says
    const cut = writeZip([{ name: "d.csv", data: "abc".repeat(300), deflate: true }]);
    expect(() => read(Buffer.concat([cut.subarray(0, 40), cut.subarray(60)]))).toThrow(/^t\.zip: not a readable zip archive: /);
    const corrupt = Buffer.from(zip);
    corrupt[30 + "a.csv".length + 1] ^= 0xff; // a data byte of the first entry
    expect(() => read(corrupt)).toThrow(/^t\.zip: not a readable zip archive: a\.csv: .*CRC/i);
  });

  it("checks the CRC of deflated entries too, and only of the entries selected", () => {
    const text = "题目,答案\n".repeat(50);
    const zip = writeZip([
      { name: "bad.csv", data: text, deflate: true, crc: crc32(Buffer.from(text)) ^ 1 },
      { name: "good.csv", data: text, deflate: true },
    ]);
    expect(() => read(zip)).toThrow(/^t\.zip: not a readable zip archive: bad\.csv: .*CRC/i);
    expect(read(zip, (n) => n === "good.csv").map((e) => e.data.toString("utf8"))).toEqual([text]);
  });

  it("refuses an encrypted entry and an unknown compression method, naming the entry", () => {
    expect(() => read(writeZip([{ name: "secret.csv", data: "x", flags: 1 }]))).toThrow(/t\.zip: not a readable zip archive: secret\.csv is encrypted/);
    expect(() => read(writeZip([{ name: "lzma.csv", data: "xyz", method: 14 }]))).toThrow(/t\.zip: not a readable zip archive: lzma\.csv: /);
  });
});
