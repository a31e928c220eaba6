import { describe, expect, it } from "vitest";
import { writeZip } from "../../../test/writeZip.js";
import { readZipEntries } from "./readZipEntries.js";

describe("readZipEntries", () => {
  it("reads stored and deflated entries and filters by name", () => {
    const zip = writeZip([
      { name: "dev/a.csv", data: "x,y\n1,2\n" },
      { name: "test/a.csv", data: "题目,答案\n".repeat(50), deflate: true },
      { name: "README", data: "skip" },
    ]);
    const entries = readZipEntries({ buffer: zip, file: "t.zip", select: (n) => n.endsWith(".csv") });
    expect(entries.map((e) => e.name)).toEqual(["dev/a.csv", "test/a.csv"]);
    expect(entries[1].data.toString("utf8")).toBe("题目,答案\n".repeat(50));
  });

  it("refuses a truncated or corrupted archive naming the file", () => {
    const zip = writeZip([{ name: "a.csv", data: "hello world", deflate: false }]);
    expect(() => readZipEntries({ buffer: zip.subarray(0, zip.length - 30), file: "t.zip" })).toThrow(/t\.zip: not a readable zip archive/);
    const corrupt = Buffer.from(zip);
    corrupt[30 + "a.csv".length + 1] ^= 0xff; // a data byte of the first entry
    expect(() => readZipEntries({ buffer: corrupt, file: "t.zip" })).toThrow(/CRC-32 mismatch/);
  });
});
