/** Not enough free disk: conversion and quantization refuse before writing, with the numbers. */
import { existsSync, readdirSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { EnvironmentError } from "../errors.js";
import { quantizeModel } from "../quant/quantizeModel.js";
import { tinyFixtureDir } from "../../test/shared.js";
import { convertCheckpoint } from "./convertCheckpoint.js";

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "oss-prep-disk-"));
});
afterEach(() => {
  delete process.env.OSS_PREP_ASSUME_FREE_BYTES;
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("free disk space", () => {
  it("convert refuses before writing when the GGUF cannot fit", async () => {
    process.env.OSS_PREP_ASSUME_FREE_BYTES = String(5_000_000);
    const out = join(dir, "tiny-bf16.gguf");
    const error = await convertCheckpoint({ dir: tinyFixtureDir(), outPath: out, outtype: "bf16" }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(EnvironmentError);
    expect((error as Error).message).toMatch(/not enough disk space for tiny-bf16\.gguf: [\d.]+ MiB needed, 4\.77 MiB free/);
    expect(existsSync(out)).toBe(false);
    expect(readdirSync(dir)).toEqual([]);
  });

  it("quantize refuses before writing when the GGUF cannot fit", async () => {
    process.env.OSS_PREP_ASSUME_FREE_BYTES = String(1_000_000);
    const out = join(dir, "tiny-q5.gguf");
    const error = await quantizeModel({ input: tinyFixtureDir(), outPath: out, type: "Q5_K_M" }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(EnvironmentError);
    expect((error as Error).message).toMatch(/not enough disk space for tiny-q5\.gguf: .* needed, 976\.56 KiB free/);
    expect(readdirSync(dir)).toEqual([]);
  });
});
