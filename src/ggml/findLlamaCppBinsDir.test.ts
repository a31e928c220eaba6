import { existsSync, readdirSync } from "node:fs";
import { dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import { EnvironmentError } from "../errors.js";
import { findLlamaCppBinsDir } from "./findLlamaCppBinsDir.js";

describe("findLlamaCppBinsDir", () => {
  const saved = process.env.OSS_PREP_LLAMA_CPP_BINS;
  afterEach(() => {
    if (saved === undefined) delete process.env.OSS_PREP_LLAMA_CPP_BINS;
    else process.env.OSS_PREP_LLAMA_CPP_BINS = saved;
  });

  it("finds node-llama-cpp's prebuilt libraries for this platform, CPU package first", () => {
    delete process.env.OSS_PREP_LLAMA_CPP_BINS;
    const dir = findLlamaCppBinsDir();
    expect(existsSync(dir)).toBe(true);
    expect(readdirSync(dir).some((f) => /^(lib)?ggml-base\./.test(f))).toBe(true);
    if (process.platform === "linux" && process.arch === "x64") {
      expect(dir).toMatch(/@node-llama-cpp[\\/]linux-x64[\\/]bins[\\/]linux-x64$/);
    }
  });

  it("honours OSS_PREP_LLAMA_CPP_BINS, and says what is wrong with it", () => {
    delete process.env.OSS_PREP_LLAMA_CPP_BINS;
    const real = findLlamaCppBinsDir();
    process.env.OSS_PREP_LLAMA_CPP_BINS = real;
    expect(findLlamaCppBinsDir()).toBe(real);
    process.env.OSS_PREP_LLAMA_CPP_BINS = dirname(fileURLToPath(import.meta.url));
    expect(() => findLlamaCppBinsDir()).toThrow(EnvironmentError);
    expect(() => findLlamaCppBinsDir()).toThrow(/no ggml-base shared library/);
  });
});
