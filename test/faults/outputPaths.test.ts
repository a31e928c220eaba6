/**
 * Issue 16, items 1–2: an output never replaces what is not a regular file, and never an input of the
 * same run. Each case: exit code 2, one line naming the option and the path, nothing replaced and
 * nothing left behind.
 */
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { cpSync, lstatSync, readdirSync, readFileSync } from "node:fs";
import { link, mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { convertCheckpoint } from "../../src/convert/convertCheckpoint.js";
import { InvalidInputError } from "../../src/errors.js";
import { writeFileAtomic } from "../../src/util/atomic.js";
import { runCli } from "../cli.js";
import { tinyFixtureDir } from "../shared.js";

let home: string;
let ckpt: string;
let gguf: string;
const sha = (path: string) => createHash("sha256").update(readFileSync(path)).digest("hex");
const isRoot = process.getuid?.() === 0;

beforeAll(async () => {
  home = await mkdtemp(join(tmpdir(), "oss-prep-outputs-"));
  ckpt = join(home, "ckpt");
  cpSync(tinyFixtureDir(), ckpt, { recursive: true });
  gguf = join(home, "tiny.gguf");
  await convertCheckpoint({ dir: ckpt, outPath: gguf, outtype: "bf16" });
});
afterAll(async () => {
  await rm(home, { recursive: true, force: true });
});

/** The one error line, and the folder's listing must show no temporary file. */
async function expectRefused(args: string[], message: string, folder: string) {
  const before = readdirSync(folder).sort();
  const r = await runCli(args);
  expect(r.code, r.stderr).toBe(2);
  const lines = r.stderr.trim().split("\n");
  expect(lines, r.stderr).toHaveLength(1);
  expect(lines[0]).toContain(message);
  expect(readdirSync(folder).sort()).toEqual(before);
}

describe("outputs replace only regular files", () => {
  it("a FIFO as -o is refused before any work and stays a FIFO", async () => {
    const fifo = join(home, "pipe.gguf");
    execFileSync("mkfifo", [fifo]);
    await expectRefused(["convert", ckpt, "-o", fifo], `-o ${fifo}: a FIFO, not a regular file`, home);
    await expectRefused(["quantize", gguf, "--type", "Q8_0", "-o", fifo], `-o ${fifo}: a FIFO, not a regular file`, home);
    expect(lstatSync(fifo).isFIFO()).toBe(true);
    await rm(fifo);
  });

  it.runIf(isRoot)("a character device (as root) is refused and stays a device", async () => {
    const dev = join(home, "null-device");
    execFileSync("mknod", [dev, "c", "1", "3"]);
    await expectRefused(["convert", ckpt, "-o", dev], `-o ${dev}: a character device, not a regular file`, home);
    expect(lstatSync(dev).isCharacterDevice()).toBe(true);
    await rm(dev);
  });

  it("a folder as -o, or a missing folder above it", async () => {
    await expectRefused(["convert", ckpt, "-o", home], `-o ${home}: is a folder`, home);
    await expectRefused(["convert", ckpt, "-o", join(home, "nope", "x.gguf")], `its folder ${join(home, "nope")} does not exist`, home);
  });

  it("the last check inside every atomic write: a special file appearing at the target is not replaced", async () => {
    const fifo = join(home, "late-fifo");
    execFileSync("mkfifo", [fifo]);
    await expect(writeFileAtomic(fifo, "x")).rejects.toThrow(InvalidInputError);
    expect(lstatSync(fifo).isFIFO()).toBe(true);
    expect(readdirSync(home).filter((f) => f.includes(".tmp-"))).toEqual([]);
    await rm(fifo);
  });
});

describe("outputs are never inputs", () => {
  it("convert -o onto a shard or the config of its checkpoint: refused, checkpoint intact", async () => {
    const shard = join(ckpt, "model-00000-of-00001.safetensors");
    const digest = sha(shard);
    await expectRefused(["convert", ckpt, "-o", shard], `-o ${shard}: is inside the input folder ${ckpt}`, ckpt);
    await expectRefused(["convert", ckpt, "-o", join(ckpt, "config.json")], "is inside the input folder", ckpt);
    expect(sha(shard)).toBe(digest);
  });

  it("quantize x.gguf -o x.gguf, or -o a hard link of it: refused, input intact", async () => {
    const digest = sha(gguf);
    await expectRefused(["quantize", gguf, "--type", "Q8_0", "-o", gguf], `-o ${gguf}: is the input ${gguf} itself`, home);
    const alias = join(home, "alias.gguf");
    await link(gguf, alias);
    await expectRefused(["quantize", gguf, "--type", "Q8_0", "-o", alias], `-o ${alias}: is the input ${gguf} itself`, home);
    await rm(alias);
    expect(sha(gguf)).toBe(digest);
  });

  it("awq -o and prune --out inside the input checkpoint: refused before any work", async () => {
    await expectRefused(["awq", ckpt, "-o", ckpt, "--samples", "1", "--seqlen", "16"], `-o ${ckpt}: is the input folder ${ckpt}`, ckpt);
    const calib = join(home, "calib.txt");
    await writeFile(calib, "some calibration text ".repeat(50));
    await mkdir(join(home, "x"), { recursive: true });
    const inside = join(ckpt, "pruned");
    const r = await runCli(["prune", ckpt, "--experts-keep", "6", "--calib", calib, "--out", inside]);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toContain(`--out ${inside}: is inside the input folder ${ckpt}`);
    expect(readdirSync(ckpt)).not.toContain("pruned");
  });
});
