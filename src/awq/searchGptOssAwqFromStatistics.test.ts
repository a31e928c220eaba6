/**
 * The statistics-first AWQ driver: layer windows (one llama.cpp pass each, the graph stopped after the
 * window) give the same searches as one pass over all layers, and onLayer comes in layer order.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { tinyFixtureDir } from "../../test/shared.js";
import { createPlainMatmulBackend } from "../calib/createPlainMatmulBackend.js";
import { convertCheckpoint } from "../convert/convertCheckpoint.js";
import type { AwqLayerResult } from "./awqTypes.js";
import { searchGptOssAwqFromStatistics } from "./searchGptOssAwqFromStatistics.js";

let home: string;
let gguf: string;
beforeAll(async () => {
  home = await mkdtemp(join(tmpdir(), "oss-prep-awq-stats-"));
  gguf = join(home, "tiny-bf16.gguf");
  await convertCheckpoint({ dir: tinyFixtureDir(), outPath: gguf, outtype: "bf16" });
});
afterAll(async () => {
  await rm(home, { recursive: true, force: true });
});

describe("searchGptOssAwqFromStatistics", () => {
  it("windows of 3 layers (3 passes) choose the same scales as one pass over all 8 layers", async () => {
    const sequences = [Array.from({ length: 80 }, (_, i) => (i * 37) % 4000), Array.from({ length: 48 }, (_, i) => (i * 11 + 5) % 4000)];
    const run = async (memoryBudgetBytes: number) => {
      const layers: AwqLayerResult[] = [];
      const backend = createPlainMatmulBackend();
      const result = await searchGptOssAwqFromStatistics({
        dir: tinyFixtureDir(), ggufPath: gguf, threads: 1, sequences, groupSize: 32, experts: "keep", clip: false, backend, memoryBudgetBytes, ubatch: 64,
        onLayer: async (l) => void layers.push(l),
      });
      await backend.dispose();
      return { layers, windows: result.windows };
    };
    // per layer: 8·(288² + 512²) bytes = 2.76 MB
    const windowed = await run(3 * 8 * (288 * 288 + 512 * 512));
    const whole = await run(2 ** 40);
    expect(windowed.windows).toEqual([[0, 1, 2], [3, 4, 5], [6, 7]]);
    expect(whole.windows).toEqual([[0, 1, 2, 3, 4, 5, 6, 7]]);
    expect(windowed.layers.map((l) => l.layer)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    for (let l = 0; l < 8; l++) {
      expect(Array.from(windowed.layers[l].scales.qkv!)).toEqual(Array.from(whole.layers[l].scales.qkv!));
      expect(Array.from(windowed.layers[l].scales.o!)).toEqual(Array.from(whole.layers[l].scales.o!));
    }
  });
});
