import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { describe, expect, it } from "vitest";

const loadedNativeLibraries = (): string =>
  process.platform === "linux" ? readFileSync("/proc/self/maps", "utf8") : "";

describe("native libraries load lazily", () => {
  it("importing the modules loads neither koffi nor libggml/libllama", async () => {
    // Vitest runs each test file in a fresh forked process (vitest.config.ts: pool forks).
    expect(loadedNativeLibraries()).not.toMatch(/ggml-base|libllama|koffi/);
    await import("./quantizeRows.js");
    await import("./dequantizeRows.js");
    await import("./llamaModelQuantize.js");
    await import("./loadLlama.js");
    await import("../formats/mxfp4/repackHfMxfp4ToGgml.js");
    const cache = createRequire(import.meta.url).cache;
    expect(Object.keys(cache).filter((k) => k.includes("koffi"))).toEqual([]);
    expect(loadedNativeLibraries()).not.toMatch(/ggml-base|libllama|koffi/);

    const { loadGgmlBase } = await import("./loadGgmlBase.js");
    loadGgmlBase();
    if (process.platform === "linux") expect(loadedNativeLibraries()).toMatch(/ggml-base/);
    expect(loadedNativeLibraries()).not.toMatch(/libllama/);
  });
});
