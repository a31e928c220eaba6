/**
 * Issue 16, items 10 and 13 (CMMLU part): data files are strict UTF-8 (a GBK CSV is refused naming the
 * file and the byte, not decoded into replacement characters that change the accuracy), subject names
 * from subjects.json never become paths outside the data folder, and a FIFO is not read (no hang).
 */
import { execFileSync } from "node:child_process";
import { cpSync, readFileSync, writeFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { InvalidInputError } from "../../src/errors.js";
import { readCmmluDir } from "../../src/eval/cmmlu/readCmmluDir.js";
import { cmmluDir } from "../shared.js";

let home: string;
beforeAll(async () => {
  home = await mkdtemp(join(tmpdir(), "oss-prep-data-faults-"));
});
afterAll(async () => {
  await rm(home, { recursive: true, force: true });
});

function copyOfCmmlu(name: string): string {
  const dir = join(home, name);
  cpSync(cmmluDir(), dir, { recursive: true });
  return dir;
}

describe("CMMLU data files", () => {
  it("a GBK-encoded CSV is refused, naming the file and the first non-UTF-8 byte", async () => {
    const dir = copyOfCmmlu("gbk");
    const file = join(dir, "test", "agronomy.csv");
    const utf8 = readFileSync(file);
    // 测试 in GBK (B2 E2 CA D4) where the first question's text starts
    const header = utf8.indexOf(0x0a) + 1;
    const at = utf8.indexOf(0x2c, header) + 1;
    writeFileSync(file, Buffer.concat([utf8.subarray(0, at), Buffer.from([0xb2, 0xe2, 0xca, 0xd4]), utf8.subarray(at)]));
    const dataset = await readCmmluDir({ dir });
    const error = await dataset.readSubject("agronomy").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidInputError);
    expect((error as Error).message).toBe(`${file}: not UTF-8 text (invalid byte 0xb2 at offset ${at}; a GBK file? convert it with iconv -f GBK -t UTF-8)`);
  });

  it("subject names that are paths (../../outside) are refused before any file is read", async () => {
    const dir = copyOfCmmlu("traversal");
    writeFileSync(join(dir, "subjects.json"), JSON.stringify({ subjects: { "../../outside": { zh: "外", subcategory: "x", category: "STEM" } } }));
    await expect(readCmmluDir({ dir })).rejects.toThrow(`${join(dir, "subjects.json")}: subjects.../../outside: a subject name is a file name under dev/ and test/`);
  });

  it("a CSV that is a FIFO is refused at once instead of blocking", async () => {
    const dir = copyOfCmmlu("fifo");
    const file = join(dir, "dev", "agronomy.csv");
    await rm(file);
    execFileSync("mkfifo", [file]);
    const dataset = await readCmmluDir({ dir });
    await expect(dataset.readSubject("agronomy")).rejects.toThrow(`${file}: not a regular file`);
  });
});

describe("checkpoint config.json", () => {
  it("a FIFO named config.json is refused at once by convert (it blocked forever)", async () => {
    const { tinyFixtureDir } = await import("../shared.js");
    const { runCli } = await import("../cli.js");
    const dir = join(home, "fifo-config");
    cpSync(tinyFixtureDir(), dir, { recursive: true });
    await rm(join(dir, "config.json"));
    execFileSync("mkfifo", [join(dir, "config.json")]);
    const r = await runCli(["convert", dir, "-o", join(home, "fifo-config.gguf")]);
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toContain(`${join(dir, "config.json")}: not a regular file`);
  });
});
